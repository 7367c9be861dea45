"""One submission graded in a child process that this (the watching) process can kill whole.

`grade_watched` is the unit of work of a class: a plain function of its
arguments, safe to run many times side by side in one process, on any
executor (a thread of the local pool, or a Dask worker on another machine).
It holds the only timer: a child that overruns the submission's hard limit
(wedged, or stopped by a signal) is killed with everything it started, from
here, outside anything learner code can reach. It returns once every process
it started is confirmed gone.
"""
import dataclasses
import json
import os
import pickle
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

from . import __version__
from .processes import reap
from .results import SubmissionResult

RETRIES = 2  # a child that dies under a submission is retried this many times, with a fresh child
STARTUP_SECONDS = 120  # for a new child to import numpy and pytest, on a busy machine
REPLY_BYTES = 64 * 2**20
JOB = "job.pickle"


@dataclass(frozen=True)
class Verdict:
    """What became of one submission: kind is ok (with result), stopped or error (with message)."""

    kind: str
    result: SubmissionResult = None
    message: str = ""


def grade_watched(submission, course, budget, limit, *, require_kernel=False, within=None, version=__version__):
    """Grade ``submission`` in a watched child; a Verdict, never an exception for anything the submission does.

    ``limit`` is the hard limit in seconds (from when the child is ready);
    ``require_kernel`` makes a machine without the kernel sandbox refuse;
    ``within`` is a folder to create the child's temp folder in (default: the system's);
    ``version`` is the caller's learnnn: the suites are this machine's, so another version refuses.
    """
    if version != __version__:
        return Verdict("error", message=f"the Dask worker on {socket.gethostname()} has learnnn {__version__}, "
                                        f"not {version}: its hidden suites may differ, so it refused to grade")
    why = "its grading process died"
    for _ in range(RETRIES + 1):
        folder = tempfile.mkdtemp(prefix="learnnn-grader-", dir=within)
        try:
            verdict = _once(folder, (submission, course, budget, require_kernel), limit)
        finally:
            _confirm_gone(folder)
        if verdict.kind != "lost":
            return verdict
        why = verdict.message
    return Verdict("error", message=f"learnnn could not grade this submission ({why}); rerun to retry")


def _start(folder):
    """The child, in a session of its own (a Ctrl-C at the terminal is the caller's to handle)."""
    return subprocess.Popen([sys.executable, "-m", "learnnn.gradechild", os.path.join(folder, JOB)], cwd=folder,
                            env={**os.environ, "TMPDIR": folder}, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, start_new_session=True)


def _once(folder, job, limit):
    with open(os.path.join(folder, JOB), "wb") as f:  # a file, not a pipe: writing it can't wait on the child
        pickle.dump(job, f)
    child = _start(folder)
    try:
        lines = _Lines(child.stdout.fileno())
        reply = lines.next(time.monotonic() + STARTUP_SECONDS)
        if reply == "ready":  # the clock starts now, not while the child was importing
            reply = lines.next(time.monotonic() + limit)
        if reply == "":
            return Verdict("stopped", message=f"grading this submission did not finish within {limit:g} s, "
                                              "so it was stopped: its code kept the grader busy")
        if reply is None:
            return Verdict("lost", message=_death(child))
        return _read(reply)
    finally:
        for kill in (os.killpg, os.kill):
            try:
                kill(child.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        child.wait()
        child.stdout.close()


def _death(child):
    try:
        code = child.wait(timeout=2)
    except subprocess.TimeoutExpired:
        return "its grading process stopped replying"
    return f"its grading process exited with code {code}"


def _read(line):
    """The child is ours, but learner code ran beneath it: its reply is checked, never trusted blindly."""
    try:
        data = json.loads(line)
        if "ok" in data:
            return Verdict("ok", dataclasses.replace(SubmissionResult.from_cache(data["ok"]), cached=False))
        kind = next(k for k in ("refused", "error") if k in data)
        return Verdict("error", message=str(data[kind]) if kind == "refused" else
                       f"learnnn could not grade this submission ({data[kind]}); rerun to retry")
    except (ValueError, KeyError, TypeError, StopIteration, AttributeError) as exc:
        return Verdict("lost", message=f"its grading process sent an unreadable reply ({type(exc).__name__})")


class _Lines:
    """Lines from a pipe with deadlines: a line, "" at the deadline, None at end of file."""

    def __init__(self, fd):
        self.fd, self.buffer = fd, b""

    def next(self, deadline):
        while b"\n" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.fd], [], [], left)[0]:
                return ""
            chunk = os.read(self.fd, 1 << 20)
            if not chunk or len(self.buffer) > REPLY_BYTES:
                return None
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line.decode("utf-8", "replace")


def _confirm_gone(folder):
    """Kill whatever is left under the child's folder and check that nothing is; then remove it."""
    for _ in range(20):
        if reap(folder) == 0:
            shutil.rmtree(folder, ignore_errors=True)
            return
    raise RuntimeError(f"processes started under {folder} could not be stopped")
