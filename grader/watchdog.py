"""Submissions graded in a warm child process that this (the watching) process can kill whole.

`grade_watched` is the unit of work of a class: a plain function of its
arguments, safe to run many times side by side in one process, on any
executor (a thread of the local pool, or a Dask worker on another machine).
The grading child is warm: it loads NumPy, pytest and learnnn once and grades
one submission after another, each a job in a fresh folder that holds the
job's temp files and every sandbox worker it starts. This process holds the
only timer: a child that overruns the submission's hard limit (wedged, or
stopped by a signal), dies, or sends anything but a well-formed reply is
killed with everything it started, from here, outside anything learner code
can reach, and the next submission gets a fresh child. Every job returns only
once every process it started is confirmed gone.

Learner code runs only in the sandbox workers, never in the child; the child
puts back what a job changed in it (gradechild.py), so a submission graded by a
warm child gets the bytes a fresh child would give. ``LEARNNN_FRESH_GRADER=1``
starts a fresh child for every submission, as learnnn did before.
"""
import atexit
import contextlib
import dataclasses
import json
import os
import pickle
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass

from . import __version__
from .gradechild import JOB
from .processes import kill_leader, reap, under
from .results import SubmissionResult

FRESH = "LEARNNN_FRESH_GRADER"  # a fresh grading child per submission: the old path, for the test comparing both
RETRIES = 2  # a child that dies under a submission is retried this many times, with a fresh child
STARTUP_SECONDS = 120  # for a new child to import numpy and pytest, on a busy machine
IDLE_SECONDS = 5.0  # a shared child (a Dask worker's) with no job for this long is stopped
REPLY_BYTES = 64 * 2**20


@dataclass(frozen=True)
class Verdict:
    """What became of one submission: kind is ok (with result), stopped or error (with message)."""

    kind: str
    result: SubmissionResult = None
    message: str = ""


def grade_watched(submission, course, budget, limit, *, require_kernel=False, within=None, version=__version__,
                  children=None):
    """Grade ``submission`` in a watched child; a Verdict, never an exception for anything the submission does.

    ``limit`` is the hard limit in seconds (from when the child is ready);
    ``require_kernel`` makes a machine without the kernel sandbox refuse;
    ``within`` is a folder to create the child's folder in (default: the system's temp folder);
    ``version`` is the caller's learnnn: the suites are this machine's, so another version refuses;
    ``children`` is the Children to take a warm child from (default: this process's, for ``within``,
    whose idle children stop after IDLE_SECONDS).
    """
    if version != __version__:
        return Verdict("error", message=f"the Dask worker on {socket.gethostname()} has learnnn {__version__}, "
                                        f"not {version}: its hidden suites may differ, so it refused to grade")
    children = children or shared(within)
    why = "its grading process died"
    for _ in range(RETRIES + 1):
        with children.child() as child:
            verdict = child.grade((submission, course, budget, require_kernel), limit)
        if verdict.kind != "lost":
            return verdict
        why = verdict.message
    return Verdict("error", message=f"learnnn could not grade this submission ({why}); rerun to retry")


def _start(folder):
    """The child, in a session of its own (a Ctrl-C at the terminal is the caller's to handle)."""
    return subprocess.Popen([sys.executable, "-m", "learnnn.gradechild"], cwd=folder,
                            env={**os.environ, "TMPDIR": folder}, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, start_new_session=True)


class Child:
    """One grading child in a folder of its own (under ``within``); jobs one at a time."""

    def __init__(self, within=None):
        self.environ = dict(os.environ)  # what it inherited: a change here (a switch, a test) needs a new child
        self.folder = tempfile.mkdtemp(prefix="learnnn-grader-", dir=within)
        self.jobs, self.ready, self.reusable, self.idle_since = 0, False, True, time.monotonic()
        try:
            self.proc = _start(self.folder)
        except BaseException:
            _confirm_gone(self.folder)
            raise
        self.lines = _Lines(self.proc.stdout.fileno())

    def fits(self):
        """Can it grade the next submission: alive, unharmed, and started with this process's environment?"""
        return self.reusable and self.proc.poll() is None and self.environ == dict(os.environ)

    def grade(self, job, limit):
        """A Verdict for ``job``; kind "lost" when the child died or garbled its reply (retried with another)."""
        self.reusable = False  # until the job ends well
        if not self.ready:
            reply = self.lines.next(time.monotonic() + STARTUP_SECONDS)
            if reply != "ready":
                verdict = self._failed(reply, limit)
                self._kill()
                return verdict
            self.ready = True
        self.jobs += 1
        folder = os.path.join(self.folder, f"job-{self.jobs}")
        os.mkdir(folder)
        verdict, reuse = None, False
        try:
            with open(os.path.join(folder, JOB), "wb") as f:  # a file, not the pipe: writing it can't wait on the child
                pickle.dump(job, f)
            try:
                os.write(self.proc.stdin.fileno(), os.fsencode(folder) + b"\n")  # a short line: the pipe has room
            except OSError:
                return Verdict("lost", message=_death(self.proc))
            reply = self.lines.next(time.monotonic() + limit)  # the clock starts now, not while the child imported
            verdict, reuse = _read(reply) if reply else (self._failed(reply, limit), False)
            return verdict
        finally:
            if verdict is None or verdict.kind != "ok" or not reuse or self.lines.buffer:
                self._kill()  # first: a child still at work could start workers while we reap its job's
            else:
                self.reusable = True
            if _confirm_gone(folder):
                self._kill()  # something of this job outlived it: the next submission gets a fresh child
                self.reusable = False
            self.idle_since = time.monotonic()

    def _failed(self, reply, limit):
        if reply == "":
            return Verdict("stopped", message=f"grading this submission did not finish within {limit:g} s, "
                                              "so it was stopped: its code kept the grader busy")
        if reply is None:
            return Verdict("lost", message=_death(self.proc))
        return Verdict("lost", message="its grading process sent an unreadable reply")

    def _kill(self):
        kill_leader(self.proc)

    def close(self):
        """Kill the child and everything under its folder; return once all of it is confirmed gone."""
        self._kill()
        for stream in (self.proc.stdin, self.proc.stdout):
            with contextlib.suppress(OSError):
                stream.close()
        _confirm_gone(self.folder)


class Children:
    """Warm grading children, each used by one caller at a time; ``close`` stops them all.

    ``idle`` (seconds, optional): a child left unused this long is stopped, so a
    Dask worker holds no grading process once the tasks stop coming.
    """

    def __init__(self, within=None, *, idle=None):
        self.within, self.idle = within, idle
        self._lock = threading.Lock()
        self._waiting = []  # children between jobs
        self._closed = False

    @contextlib.contextmanager
    def child(self):
        """A child to grade one submission with: a waiting one that fits, or a new one."""
        with self._lock:
            stale = [c for c in self._waiting if not c.fits()]  # dead, or started with another environment
            child = next((c for c in self._waiting if c not in stale), None)
            self._waiting = [c for c in self._waiting if c not in stale and c is not child]
        for each in stale:
            each.close()
        child = child or Child(self.within)
        try:
            yield child
        finally:
            with self._lock:
                keep = child.fits() and not self._closed and not os.environ.get(FRESH)
                if keep:
                    self._waiting.append(child)
            if keep and self.idle:
                timer = threading.Timer(self.idle, self._expire, (child, child.idle_since))
                timer.daemon = True
                timer.start()
            elif not keep:
                child.close()

    def _expire(self, child, since):
        with self._lock:
            if child not in self._waiting or child.idle_since != since:
                return  # it graded another submission since
            self._waiting.remove(child)
        child.close()

    def close(self):
        """Stop every waiting child; a child in use is stopped when its job ends."""
        with self._lock:
            self._closed, waiting, self._waiting = True, self._waiting, []
        for child in waiting:
            child.close()


_shared, _shared_lock = {}, threading.Lock()


def shared(within=None):
    """This process's Children for ``within``, whose idle children stop by themselves (a Dask worker's)."""
    with _shared_lock:
        if within not in _shared:
            _shared[within] = Children(within, idle=IDLE_SECONDS)
            atexit.register(_shared[within].close)  # a Dask worker that shuts down leaves no grading process
        return _shared[within]


def _death(child):
    try:
        code = child.wait(timeout=2)
    except subprocess.TimeoutExpired:
        return "its grading process stopped replying"
    return f"its grading process exited with code {code}"


def _read(line):
    """(Verdict, whether the child may grade again). The child is ours, but learner code ran beneath it:
    its reply is checked, never trusted blindly."""
    try:
        data = json.loads(line)
        reuse = data.get("reuse") is True
        if "ok" in data:
            return Verdict("ok", dataclasses.replace(SubmissionResult.from_cache(data["ok"]), cached=False)), reuse
        kind = next(k for k in ("refused", "error") if k in data)
        return Verdict("error", message=str(data[kind]) if kind == "refused" else
                       f"learnnn could not grade this submission ({data[kind]}); rerun to retry"), False
    except (ValueError, KeyError, TypeError, StopIteration, AttributeError) as exc:
        return Verdict("lost", message=f"its grading process sent an unreadable reply ({type(exc).__name__})"), False


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


def _confirm_gone(folder, grace=2.0):
    """Kill whatever is left under ``folder`` and check that nothing is; then remove it. How many were left.

    A sandbox killed at the end of the job takes its namespace with it a moment later (each process dies with
    its parent): what is still there after ``grace`` seconds outlived the job."""
    deadline = time.monotonic() + grace
    while under(folder) and time.monotonic() < deadline:
        time.sleep(0.02)
    left = 0
    for _ in range(20):
        found = reap(folder)
        if found == 0:
            shutil.rmtree(folder, ignore_errors=True)
            return left
        left += found
    raise RuntimeError(f"processes started under {folder} could not be stopped")
