"""Chart results cached across the processes of one server (Flask-Caching).

One cache per app, configured by `configure(server, db_url)`:

* by default a `FileSystemCache` in a folder of its own per database, under the system temp dir
  (`jewelcrime-cache-<uid>-<hash of the database URL>`), or under `$JEWELCRIME_CACHE_DIR`; every process
  of the server (gunicorn workers) reads and writes the same files;
* Redis when `JEWELCRIME_CACHE_URL=redis://...` (the `redis` package is imported only then);
* no cache at all with `JEWELCRIME_CACHE_URL=null` (or `configure(..., kind="null")` in a test).

Keys are the builder, its arguments and the database's data version (queries.data_version): a new load
changes the version, so every process misses and recomputes. Values are pickled; only this app writes
them, into a folder made 0700 and refused when someone else can write to it. A Redis server must be as
trusted as that folder.
"""
from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import stat
import tempfile
from pathlib import Path
from typing import Any

import flask
from flask_caching import Cache

KEY = "jewelcrime.cache"
ENV_URL = "JEWELCRIME_CACHE_URL"
ENV_DIR = "JEWELCRIME_CACHE_DIR"
TIMEOUT_S = 24 * 3600  # keys carry the data version: old entries are never read again, this only frees space
THRESHOLD = 4000  # files kept before FileSystemCache prunes the oldest


class CacheConfigError(RuntimeError):
    """The cache cannot be set up as asked (a one-line message for the person starting the server)."""


def db_hash(db_url: str) -> str:
    return hashlib.sha256(db_url.encode()).hexdigest()[:16]


def folder_for(db_url: str) -> Path:
    """The cache folder of one database: shared by every process of a server on that database."""
    base = os.environ.get(ENV_DIR)
    if base:
        return Path(base) / db_hash(db_url)
    uid = os.getuid() if hasattr(os, "getuid") else 0
    return Path(tempfile.gettempdir()) / f"jewelcrime-cache-{uid}-{db_hash(db_url)}"


def private_folder(path: Path) -> Path:
    """Create `path` 0700 (parents too, when missing) and check nobody else can write to it: the cache
    unpickles what it finds there."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        path.mkdir(mode=0o700)
    except FileExistsError:
        pass
    except OSError as e:
        raise CacheConfigError(f"cache folder {path}: cannot create it ({e.strerror}); set {ENV_DIR}") from None
    info = os.lstat(path)
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
        raise CacheConfigError(f"cache folder {path} is not a folder (a link or a file); remove it or set {ENV_DIR}")
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        raise CacheConfigError(f"cache folder {path} belongs to another user (uid {info.st_uid}); set {ENV_DIR}")
    if info.st_mode & 0o077:
        os.chmod(path, 0o700)  # ours: close it before anything in it is read
    return path


def settings(db_url: str, kind: str | None = None) -> dict[str, Any]:
    """The Flask-Caching config for this database: `kind` (or $JEWELCRIME_CACHE_URL) is empty or
    'filesystem', 'null', or a redis:// / rediss:// / unix:// URL."""
    spec = (kind if kind is not None else os.environ.get(ENV_URL, "")).strip()
    common = {"CACHE_DEFAULT_TIMEOUT": TIMEOUT_S}
    if spec in ("", "filesystem"):
        folder = private_folder(folder_for(db_url))
        return {**common, "CACHE_TYPE": "FileSystemCache", "CACHE_DIR": str(folder), "CACHE_THRESHOLD": THRESHOLD}  # files 0600
    if spec in ("null", "none"):
        return {**common, "CACHE_TYPE": "NullCache", "CACHE_NO_NULL_WARNING": True}
    if spec.startswith(("redis://", "rediss://", "unix://")):
        if importlib.util.find_spec("redis") is None:
            raise CacheConfigError(f"{ENV_URL}={spec.split('@')[-1]} needs the 'redis' package, which is not "
                                   f"installed: pip install redis (or unset {ENV_URL} for the file cache)")
        return {**common, "CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": spec,
                "CACHE_KEY_PREFIX": f"jewelcrime:{db_hash(db_url)}:"}
    raise CacheConfigError(f"{ENV_URL}={spec!r}: expected redis://host:port/db, 'filesystem' or 'null'")


def configure(server: flask.Flask, db_url: str, kind: str | None = None) -> Cache:
    """Give `server` its chart cache (once per app; `create_app` calls it)."""
    cache = Cache(config=settings(db_url, kind))
    cache.init_app(server)
    server.extensions[KEY] = cache  # builders marked @charts.cached_chart find it here at call time
    return cache


def current() -> Cache | None:
    """The cache of the app serving this request or app context; None outside one (CLI, plain tests) and where
    the app has no cache at all (`null`: a key made and a result encoded for nothing cost 3-5 ms a chart)."""
    if not flask.has_app_context():
        return None
    cache = flask.current_app.extensions.get(KEY)
    if cache is None or cache.config.get("CACHE_TYPE") == "NullCache":
        return None
    return cache


def key(name: str, db_url: str, version: Any, args: Any) -> str:
    """One key per builder, database, data version and arguments (JSON, sorted: the same filters in any
    order are one key; two different filters never are)."""
    text = json.dumps([name, db_url, version, args], sort_keys=True, default=str, separators=(",", ":"))
    return f"chart:{name}:{hashlib.sha256(text.encode()).hexdigest()}"
