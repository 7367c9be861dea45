"""The grading child: submissions graded one after another in a process its watcher can kill whole.

Started by watchdog.py as ``python -m learnnn.gradechild`` in a folder of its own,
with its stdin and stdout as pipes to the watcher. It loads NumPy, pytest and
learnnn once and says ``ready``; then each line on its stdin names a job folder
holding ``job.pickle`` that the watcher wrote: (submission, course, budget,
require_kernel). That job's temp files, and every sandbox worker it starts, live
under the job folder, so the watcher can find and kill what is left of it. For
each job one JSON line comes back: {"ok": <result as cached>}, {"error": why} or
{"refused": why}, with "reuse": whether this process is as it was before the job.

Learner code never runs here, only in the sandbox workers: what a job could leave
behind is the grader's own state, and it is put back after every job (the suites'
and the reference solutions' modules, the environment, the temp folder, the
working folder). Anything it can't put back (a thread still running, a module
imported from the job's folder) answers "reuse": false, and the watcher starts a
fresh child for the next submission; so does a machine without the kernel sandbox,
where learner code runs as this user and could reach this process.
"""
import json
import os
import pickle
import socket
import sys
import tempfile
import threading
import time
import warnings

JOB = "job.pickle"


def _orphaned(parent, kill_workers):
    """If the watcher is killed outright (its Dask worker died), nobody else will stop our workers."""
    while os.getppid() == parent:
        time.sleep(1)
    kill_workers()
    os._exit(1)


def kernel_missing():
    """Why this machine can't run learner code inside the kernel sandbox, or '' when it can."""
    try:
        from . import isolation
    except ImportError:
        return "this learnnn has no kernel sandbox (learnnn.isolation)"
    tier = isolation.tier()
    return "" if tier.kernel else str(tier)


class _State:
    """What a job may change in this process, as it was before: restore() puts it back, and says
    whether everything else is as it was too."""

    def __init__(self, dropped):
        import numpy as np

        self.np = np
        self.dropped = tuple(dropped)  # folders whose modules are imported afresh by every job
        self.cwd = os.getcwd()
        self.environ = dict(os.environ)
        self.path = list(sys.path)
        self.tempdir = tempfile.tempdir
        self.filters = list(warnings.filters)
        self.errors = np.geterr()
        self.threads = set(threading.enumerate())

    def restore(self, job_folder):
        for name, module in list(sys.modules.items()):
            if str(getattr(module, "__file__", None) or "").startswith(self.dropped):
                del sys.modules[name]  # a fresh child imports them afresh: so does the next job
        os.chdir(self.cwd)
        os.environ.clear()
        os.environ.update(self.environ)
        sys.path[:] = self.path
        tempfile.tempdir = self.tempdir
        warnings.filters[:] = self.filters
        self.np.seterr(**self.errors)
        leftover = [m for m in sys.modules.values()
                    if str(getattr(m, "__file__", None) or "").startswith(job_folder + os.sep)]
        return not leftover and set(threading.enumerate()) <= self.threads


def _grade(job_folder, state):
    """One job's reply; its temp files (and its workers' folders) go under ``job_folder``."""
    from .grading import grade_submission

    with open(os.path.join(job_folder, JOB), "rb") as f:
        submission, course, budget, require_kernel = pickle.load(f)
    os.remove(os.path.join(job_folder, JOB))
    if require_kernel:
        missing = kernel_missing()
        if missing:
            return {"refused": f"the Dask worker on {socket.gethostname()} has no kernel sandbox ({missing}), "
                               "so it refused to run learner code"}
    os.environ["TMPDIR"] = tempfile.tempdir = job_folder
    try:
        return {"ok": grade_submission(submission=submission, course=course, budget=budget).to_cache()}
    except Exception as exc:  # learnnn's own failure: an error row, not cached
        return {"error": f"{type(exc).__name__}: {exc}"}


def _jobs(fd):
    """Job folders, one per line on ``fd``, until the watcher closes it."""
    buffer = b""
    while True:
        while b"\n" not in buffer:
            chunk = os.read(fd, 4096)
            if not chunk:
                return
            buffer += chunk
        line, buffer = buffer.split(b"\n", 1)
        yield os.fsdecode(line)


def main():
    replies = os.fdopen(os.dup(1), "w", encoding="utf-8")
    jobs = os.dup(0)
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1):  # whatever pytest prints or reads must not garble the jobs and replies
        os.dup2(devnull, fd)
    # Imported before the thread starts: two threads importing at once can see half-initialised modules.
    from .processes import kill_workers

    threading.Thread(target=_orphaned, args=(os.getppid(), kill_workers), daemon=True).start()
    from . import check  # noqa: F401  (NumPy and pytest load now, before any job's clock starts)
    from . import grading  # noqa: F401
    from .manifest import data_dir
    from .check import SUITES

    state = _State([str(SUITES) + os.sep, str(data_dir("solutions")) + os.sep])
    replies.write("ready\n")
    replies.flush()
    for job_folder in _jobs(jobs):
        reply = _grade(job_folder, state)
        # Warm only behind the kernel's walls: on the process-only tier learner code could reach this process.
        reply["reuse"] = state.restore(job_folder) and not kernel_missing()
        replies.write(json.dumps(reply) + "\n")
        replies.flush()


if __name__ == "__main__":
    main()
