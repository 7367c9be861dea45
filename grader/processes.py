"""Finding and stopping the sandbox workers a grader process started, even ones it lost track of.

Under kernel isolation the process to kill is bwrap: its child is PID 1 of the
worker's PID namespace and dies with it (--die-with-parent), taking every
process in that namespace along. That holds for a grading session's zygote
(learnnn.zygote) too: its bwrap carries the same marker, and its forked
workers live in its PID namespace.
"""
import os
import re
import shutil
import signal
import stat
import time
from pathlib import Path

from .sandbox import MARKER


def _proc_pids():
    try:
        return [int(p) for p in os.listdir("/proc") if p.isdigit()]
    except OSError:
        return []  # no /proc: the workers' own limits and the sandbox's kill still apply


def _ppid(pid):
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return int(f.read().rsplit(b")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None


def _kill(pid):
    for kill in (os.killpg, os.kill):  # a worker leads its own process group
        try:
            kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def kill_leader(proc):
    """SIGKILL ``proc`` (a subprocess.Popen that leads its own process group) and its group, then reap it."""
    for kill in (os.killpg, os.kill):
        try:
            kill(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    proc.wait()


def kill_workers():
    """Kill this process's sandbox workers (bwrap, or the worker itself on the process-only tier)."""
    me = os.getpid()
    for pid in _proc_pids():
        if _ppid(pid) == me:
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:
                continue
            if MARKER.encode() in cmdline:
                _kill(pid)


def under(folder):
    """Pids of the live processes whose temp folder or working folder lies under ``folder``."""
    folder, found = os.path.realpath(folder), []
    for pid in _proc_pids():
        try:
            env = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
            cwd = os.readlink(f"/proc/{pid}/cwd")
        except OSError:
            continue
        tmpdir = next((v[7:].decode(errors="replace") for v in env if v.startswith(b"TMPDIR=")), "")
        if any(p == folder or p.startswith(folder + os.sep) for p in (tmpdir, cwd)):
            found.append(pid)
    return found


def reap(folder):
    """Kill every process whose temp folder or working folder lies under ``folder``; how many there were."""
    killed = 0
    for _ in range(5):
        found = under(folder)
        if not found:
            break
        for pid in found:
            _kill(pid)
        killed += len(found)
        time.sleep(0.05)
    return killed


def remove_orphaned_folders(within, prefix):
    """Remove ``within``'s folders named ``<prefix><pid>-*`` (ours) whose pid is no longer running; how many.

    Process-only tier: a worker dies with its grader (PR_SET_PDEATHSIG) but cannot remove its own folder
    afterwards, so the next grader does. A reused pid only postpones a folder's removal.
    """
    removed = 0
    pattern = re.compile(re.escape(prefix) + r"(\d+)-")
    try:
        names = os.listdir(within)
    except OSError:
        return 0
    for name in names:
        match = pattern.match(name)
        path = os.path.join(within, name)
        try:
            info = os.lstat(path)
        except OSError:
            continue
        if not match or not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
            continue
        try:
            os.kill(int(match[1]), 0)
            continue
        except ProcessLookupError:
            pass
        except (PermissionError, OverflowError):
            continue
        shutil.rmtree(path, ignore_errors=True)
        removed += 1
    return removed
