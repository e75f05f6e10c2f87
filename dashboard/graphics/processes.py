"""The renderer's Chromium seen from /proc: its process tree, the memory that tree holds, and the folders a
killed renderer left behind (Linux only; elsewhere every answer is "nothing known")."""
from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

PROC = Path("/proc")


def _stat(pid: int) -> tuple[int, int] | None:
    """(parent pid, start time in clock ticks) of a process, or None when it is gone or a zombie."""
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2:].split()  # the name may hold spaces and brackets
    if fields[0] in ("Z", "X"):  # a zombie holds no memory and runs nothing: gone, though not yet reaped
        return None
    return int(fields[1]), int(fields[19])


def start_time(pid: int) -> int | None:
    """When a process started (clock ticks since boot): with its pid, names it even after the pid is reused."""
    found = _stat(pid)
    return found[1] if found else None


def alive(pid: int, started: int | None = None) -> bool:
    """Whether the process runs (and, given `started`, is the same process that had this pid then)."""
    found = start_time(pid)
    return found is not None and (started is None or found == started)


def _pids() -> list[int]:
    try:
        return [int(p.name) for p in PROC.iterdir() if p.name.isdigit()]
    except OSError:
        return []


def _cmdline(pid: int) -> str:
    try:
        return (PROC / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def find_browser(token: str) -> int | None:
    """The pid of the Chromium browser process launched with `token` among its arguments (its own child
    processes are not given the token, so the first match is the browser)."""
    for pid in _pids():
        if token in _cmdline(pid):
            return pid
    return None


def tree(root: int) -> list[int]:
    """`root` and every process descended from it (Chromium's renderer, GPU and utility processes)."""
    children: dict[int, list[int]] = {}
    for pid in _pids():
        found = _stat(pid)
        if found:
            children.setdefault(found[0], []).append(pid)
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def _resident_kb(pid: int) -> int:
    """Anonymous resident memory (RssAnon: the heap, what grows when Chromium leaks). Shared libraries and
    shared memory are left out, so a tree's sum does not count them once per process; summing the exact
    proportional size (Pss, smaps_rollup) instead costs about 0.5 s of kernel time per tree."""
    try:
        for line in (PROC / str(pid) / "status").read_text().splitlines():
            if line.startswith("RssAnon:"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    try:  # resident minus file-backed and shared pages
        resident, shared = (int(x) for x in (PROC / str(pid) / "statm").read_text().split()[1:3])
        return (resident - shared) * os.sysconf("SC_PAGE_SIZE") // 1024
    except (OSError, ValueError):
        return 0


def tree_memory_mb(root: int | None, members: list[int] | None = None) -> float:
    """Memory held by the process tree under `root` (or by `members`, its processes), in MB (0 when unknown)."""
    if root is None or not alive(root):
        return 0.0
    return sum(_resident_kb(pid) for pid in (members or tree(root))) / 1024


def renice(members: list[int], niceness: int) -> None:
    """Lower every thread of these processes to at least `niceness`: Chromium (as root) sets its own
    priorities, up to -8, and would otherwise outrun the web server it was meant to yield to."""
    for pid in members:
        try:
            tids = [int(t) for t in os.listdir(PROC / str(pid) / "task")]
        except OSError:
            continue
        for tid in tids:
            try:
                if os.getpriority(os.PRIO_PROCESS, tid) < niceness:
                    os.setpriority(os.PRIO_PROCESS, tid, niceness)
            except OSError:  # gone meanwhile
                pass


def write_owner(folder: Path) -> None:
    """Mark a renderer folder with the process that owns it, so a later start can tell an orphan."""
    pid = os.getpid()
    (folder / "owner.json").write_text(json.dumps({"pid": pid, "started": start_time(pid)}), encoding="utf-8")


def remove_orphans(tmp: Path, prefix: str, profile_prefix: str, min_age_s: float = 60.0) -> list[Path]:
    """Remove the renderer folders whose owner process is gone, and Playwright profiles in `tmp` that no
    running process uses and that are older than `min_age_s` (a browser being launched right now has one
    too young to judge). A folder with no owner file (made by an older version) is left alone."""
    removed: list[Path] = []
    try:
        entries = list(tmp.iterdir())
    except OSError:
        return removed
    in_use = None
    for folder in entries:
        try:
            if folder.name.startswith(prefix) and folder.is_dir():
                owner = json.loads((folder / "owner.json").read_text(encoding="utf-8"))
                if alive(int(owner["pid"]), owner.get("started")):
                    continue
            elif folder.name.startswith(profile_prefix) and folder.is_dir():
                if time.time() - folder.stat().st_mtime < min_age_s:
                    continue
                in_use = in_use if in_use is not None else " ".join(_cmdline(p) for p in _pids())
                if str(folder) in in_use:
                    continue
            else:
                continue
        except (OSError, ValueError, KeyError, TypeError):
            continue  # no owner file, or removed meanwhile: not ours to judge
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    return removed


def kill_orphan_browsers(flag: str) -> list[int]:
    """Kill Chromium browsers launched with `{flag}{pid}.{started}.{token}` whose owner process is gone (a
    renderer killed before it could close its browser), with their child processes."""
    import signal

    killed: list[int] = []
    for pid in _pids():
        words = [w for w in _cmdline(pid).split() if w.startswith(flag)]
        if not words:
            continue
        try:
            owner, started = (int(x) for x in words[0][len(flag):].split(".")[:2])
        except ValueError:
            continue
        if alive(owner, started):
            continue
        for member in reversed(tree(pid)):
            try:
                os.kill(member, signal.SIGKILL)
                killed.append(member)
            except OSError:
                pass
    return killed
