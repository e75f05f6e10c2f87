"""Staging files of bulk loads: where they go and how the ones of killed loads are removed.

Kept apart from etl.bulk (numpy, pandas, pyarrow) so every command can sweep
orphans at start-up without paying for those imports.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

PREFIX = "jewelcrime-stage-"
SHM = Path("/dev/shm")
# btime is whole seconds and a process's start is in clock ticks: allow for both
_CLOCK_SLACK_S = 2.0


def stage_folders() -> list[Path]:
    """Every folder a load may stage in: /dev/shm and the temporary folder."""
    folders = [SHM, Path(tempfile.gettempdir())]
    return [f for i, f in enumerate(folders) if f.is_dir() and f not in folders[:i]]


def _boot_time() -> float | None:
    try:
        for line in Path("/proc/stat").read_text().splitlines():
            if line.startswith("btime "):
                return float(line.split()[1])
    except OSError:
        pass
    return None


def process_start(pid: int) -> float | None:
    """When process `pid` started (seconds since the epoch), from /proc; None where /proc cannot tell."""
    boot = _boot_time()
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    if boot is None:
        return None
    # field 22 (starttime); the command name in field 2 may hold spaces, so count from its closing parenthesis
    try:
        fields = stat[stat.rindex(")") + 2:].split()
        return boot + int(fields[19]) / os.sysconf("SC_CLK_TCK")
    except (ValueError, IndexError, OSError):  # not the /proc layout this reads
        return None


def is_orphan(path: Path) -> bool:
    """True when the load that made `path` is gone: no process has its pid, or the one that has it started after
    the file was last written (the pid was reused by another process)."""
    try:
        pid = int(path.name[len(PREFIX):].split("-", 1)[0])
    except ValueError:
        return False
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        pass  # alive, another user's: still check for pid reuse below
    except OSError:
        return False
    started = process_start(pid)
    if started is None:
        return False
    try:
        written = path.stat().st_mtime
    except OSError:
        return False
    return started > written + _CLOCK_SLACK_S


def remove_orphans(folders: list[Path] | None = None) -> list[Path]:
    """Remove the staging files (and their -journal, -wal, -shm) of killed loads, whatever their size; files of
    live loads are kept. Returns the files removed."""
    removed = []
    for folder in stage_folders() if folders is None else folders:
        try:
            candidates = list(folder.glob(f"{PREFIX}*-*.sqlite*"))
        except OSError:
            continue
        for path in candidates:
            if is_orphan(path):
                try:
                    path.unlink()
                    removed.append(path)
                except OSError:  # gone already, or not ours to remove
                    continue
    return removed
