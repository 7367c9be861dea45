"""A class graded by a local pool of grader processes, watched from this (parent) process.

`grade_class` maps `grading.grade_submission` over submissions; it is the piece
to swap for a distributed engine. Identical contents are graded once and results
go to the cache as they arrive. Each grader process grades one submission at a
time; the parent holds the only timer: a grader that overruns its submission's
hard limit (wedged, or stopped by a signal) is killed from here with everything
it started, and the submission is marked stopped. `grade_class` returns only
once every process of the run is confirmed dead, so nothing a submission
started can touch the grades files written afterwards.
"""
import collections
import dataclasses
import multiprocessing
import os
import shutil
import signal
import tempfile
import threading
import time
from multiprocessing.connection import wait

from .grading import grade_submission
from .intake import Submission
from .manifest import LearnnnError
from .outcomes import Outcome
from .processes import kill_workers, reap

RETRIES = 2  # a grader process that dies under a submission is retried this many times, with a fresh process
STARTUP_SECONDS = 120  # for a new grader process to import numpy and pytest, on a busy machine
READY = ("ready",)


def hard_limit(submission, course, budget=None):
    """Seconds after which a submission's grader is wedged, not just slow: every budget, plus a margin."""
    present = [e for e in course.exercises.values() if e.filename in submission.files]
    per_exercise = [(budget * e.time_limit if budget else e.time_budget) + e.time_limit for e in present]
    return sum(per_exercise) + 2 * len(course.exercises) + 5  # + one pytest session per exercise


# ------------------------------------------------------------------ the grader process


def _serve(conn, folder, course, budget):
    """A grader process: grade each submission it is sent, until it is sent None."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    tempfile.tempdir = folder  # so every worker we start is findable and reapable by the parent
    threading.Thread(target=_orphaned, args=(os.getppid(), folder), daemon=True).start()
    from . import check  # noqa: F401  (warm up: numpy and pytest load while the parent reads archives)

    conn.send(READY)  # the parent's clock for the first submission starts now, not while we were importing
    while True:
        try:
            submission = conn.recv()
        except EOFError:
            return
        if submission is None:
            return
        try:
            reply = ("ok", grade_submission(submission=submission, course=course, budget=budget))
        except Exception as exc:  # learnnn's own failure: the parent records it as an error row
            reply = ("error", f"{type(exc).__name__}: {exc}")
        conn.send(reply)


def _orphaned(parent, folder):
    """If the parent is killed outright (kill -9), nobody else will stop us or our workers."""
    while os.getppid() == parent:
        time.sleep(1)
    shutil.rmtree(folder, ignore_errors=True)  # first, so the grading thread can't start another worker in it
    kill_workers()
    shutil.rmtree(folder, ignore_errors=True)
    try:
        os.rmdir(os.path.dirname(folder))  # the last grader out removes the run's folder
    except OSError:
        pass
    os._exit(1)


class _Grader:
    """One grader process, its own temp folder, and the submission it is grading."""

    def __init__(self, context, run_tmp, course, budget):
        self.folder = tempfile.mkdtemp(dir=run_tmp, prefix="grader-")
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, self.folder, course, budget), daemon=True)
        self.process.start()
        child.close()
        self.key, self.deadline, self.limit, self.ready = None, None, None, False

    def give(self, key, submission, limit):
        self.key, self.limit = key, limit
        self.deadline = time.monotonic() + limit + (0 if self.ready else STARTUP_SECONDS)
        self.conn.send(submission)

    def take(self):
        """The reply to the current submission (None if the process died without one), or READY once."""
        try:
            reply = self.conn.recv()
        except (EOFError, OSError):
            return None
        if reply == READY and not self.ready:
            self.ready = True
            self.deadline = time.monotonic() + self.limit
        else:
            self.key = None
        return reply

    def kill(self):
        """Stop the process and every worker under its folder: all of it, from outside."""
        self.process.kill()
        self.process.join()
        reap(self.folder)
        self.conn.close()

    def stop(self):
        try:
            self.conn.send(None)
        except OSError:
            pass
        self.process.join(5)
        self.kill()


# ------------------------------------------------------------------ the class


def _stand_in(blank, status, message):
    """A result for content that could not be graded: the blank submission's maxima, every test failed."""
    kind = (Outcome.TIMED_OUT if status == "stopped" else Outcome.ERROR).value
    exercises = {n: dataclasses.replace(e, status=status, tests=[{**t, "kind": kind, "message": message}
                                                                 for t in e.tests])
                 for n, e in blank.exercises.items()}
    return dataclasses.replace(blank, status=status, exercises=exercises, note=message, seconds=0.0)


def grade_class(submissions, course, *, jobs, budget=None, cache=None, on_result=None):
    """Grade every submission with ``jobs`` grader processes; identical contents are graded once.

    ``budget`` (optional) overrides the manifest's time budgets: that many times
    each exercise's time limit. ``cache`` (optional) has key(submission),
    get(key) and put(key, result); results are put as they arrive, so an
    interrupted run loses nothing already graded. Returns the results in the
    order of ``submissions``, once no process of the run is left.
    """
    on_result = on_result or (lambda result: None)
    keys = [cache.key(s) if cache else s.digest for s in submissions]
    by_key = collections.defaultdict(list)
    for sub, key in zip(submissions, keys):
        by_key[key].append(sub)
    done = {}

    def finish(key, result, store=True):
        done[key] = result
        if cache and store and result.status != "error":
            cache.put(key, result)
        for sub in by_key[key]:
            on_result(result.labelled(sub))

    queue = collections.deque()
    for key, subs in by_key.items():
        hit = cache.get(key) if cache else None
        if hit is not None:
            finish(key, hit, store=False)
        else:
            queue.append(key)
    if queue:
        _pool(queue, by_key, course, jobs, budget, finish)
    return [done[key].labelled(sub) for sub, key in zip(submissions, keys)]


def _pool(queue, by_key, course, jobs, budget, finish):
    run_tmp = tempfile.mkdtemp(prefix="learnnn-grade-run-")
    context = multiprocessing.get_context("spawn")
    tries, idle, busy, blank = collections.Counter(), [], [], []

    def stand_in(status, message):
        if not blank:  # graded here, in the trusted parent: it holds no learner code
            blank.append(grade_submission(submission=Submission("blank"), course=course, budget=budget))
        return _stand_in(blank[0], status, message)

    def content(key):
        return Submission("", files=by_key[key][0].files if not by_key[key][0].problem else {})

    def lost(grader, why):
        key = grader.key
        grader.kill()
        busy.remove(grader)
        if tries[key] < RETRIES:
            tries[key] += 1
            queue.append(key)  # at the back, so it is not paired with the same neighbour again
        else:
            finish(key, stand_in("error", f"learnnn could not grade this submission ({why}); rerun to retry"))

    try:
        while queue or busy:
            while queue and len(busy) < jobs:
                grader = idle.pop() if idle else _Grader(context, run_tmp, course, budget)
                key = queue.popleft()
                grader.give(key, content(key), hard_limit(content(key), course, budget))
                busy.append(grader)
            timeout = max(0.0, min(g.deadline for g in busy) - time.monotonic())
            wait([g.conn for g in busy] + [g.process.sentinel for g in busy], timeout=timeout)
            for grader in list(busy):
                if grader.conn.poll():
                    key, reply = grader.key, grader.take()
                    if reply is None:
                        lost(grader, "its grader process died")
                        continue
                    if reply == READY:
                        continue
                    busy.remove(grader)
                    idle.append(grader)
                    if reply[0] == "ok":
                        finish(key, reply[1])
                    else:
                        finish(key, stand_in("error", f"learnnn could not grade this submission ({reply[1]}); "
                                                      "rerun to retry"))
                elif not grader.process.is_alive():
                    lost(grader, f"its grader process exited with code {grader.process.exitcode}")
                elif time.monotonic() >= grader.deadline:
                    key, limit = grader.key, grader.limit
                    grader.kill()
                    busy.remove(grader)
                    finish(key, stand_in("stopped", f"grading this submission did not finish within {limit:g} s, "
                                                    "so it was stopped: its code kept the grader busy"))
    finally:
        for grader in busy:  # interrupted: stop grading now rather than after the current submissions
            grader.kill()
        for grader in idle:
            grader.stop()
        _confirm_gone(run_tmp)


def _confirm_gone(run_tmp):
    """Kill whatever is left under the run's folder and check that nothing is; only then may grades be written."""
    for _ in range(20):
        if reap(run_tmp) == 0:
            shutil.rmtree(run_tmp, ignore_errors=True)
            return
    raise LearnnnError(f"processes started for this run under {run_tmp} could not be stopped; "
                       "the grades files were not written")

