"""Only regular files are read: a path is judged by its kind before anything opens it.

Opening a FIFO for reading waits for a writer (forever, when there is none), a
device such as /dev/zero never ends, and a socket cannot be opened at all, so
each is refused at once, by `os.stat`, which opens nothing.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

from etl.errors import FileRejected

# what a person calls each kind of path that is not a regular file
_KINDS = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def check_regular(path: Path) -> None:
    """Raise FileRejected unless `path` is a regular file (a symbolic link to one is fine)."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise FileRejected(path, "file not found") from None
    except OSError as exc:  # permission denied on a folder above it, a loop of links, a name too long
        raise FileRejected(path, f"cannot be read ({exc.strerror or exc})") from None
    if stat.S_ISREG(mode):
        return
    if stat.S_ISDIR(mode):
        raise FileRejected(path, "is a folder, not a file")
    kind = next((name for test, name in _KINDS if test(mode)), "a special file")
    raise FileRejected(path, f"is {kind}, not a regular file; only CSV and XLSX files are read (copy its "
                             "contents into a file first)")
