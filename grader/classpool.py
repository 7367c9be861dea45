"""A class graded by a local pool of grader processes.

`grade_class` maps `grading.grade_submission` over submissions; it is the piece
to swap for a distributed engine. Identical contents are graded once, results
go to the cache as they arrive, and nothing a submission started outlives the run.
"""
import collections
import dataclasses
import json
import multiprocessing
import os
import shutil
import signal
import tempfile
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from .intake import Submission
from .grading import BUDGET, grade_submission
from .processes import kill_workers, reap


def hard_limit(submission, course, budget):
    """A submission whose grading outlasts this has wedged its grader process, not just a worker."""
    present = [e for e in course.exercises.values() if e.filename in submission.files]
    return sum((budget + 1) * e.time_limit for e in present) + 2 * len(course.exercises) + 5  # + pytest sessions


def _init(run_tmp):
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    tempfile.tempdir = tempfile.mkdtemp(dir=run_tmp)  # so every worker we start is findable and reapable
    threading.Thread(target=_orphaned, args=(os.getppid(), run_tmp), daemon=True).start()
    from . import check  # noqa: F401  (warm up: numpy and pytest load while the parent reads archives)


def _orphaned(parent, run_tmp):
    """If the parent is killed outright (kill -9), nobody else will stop us or our workers."""
    while os.getppid() == parent:
        time.sleep(1)
    kill_workers()
    shutil.rmtree(tempfile.tempdir, ignore_errors=True)
    try:
        os.rmdir(run_tmp)  # the last one out removes the run's folder
    except OSError:
        pass
    os._exit(1)


def _task(submission, course, budget, marker):
    def give_up():
        Path(marker).write_text(json.dumps({"seconds": limit}))
        kill_workers()
        os._exit(70)

    limit = hard_limit(submission, course, budget)
    timer = threading.Timer(limit, give_up)
    timer.daemon = True
    timer.start()
    try:
        return grade_submission(submission=submission, course=course, budget=budget)
    finally:
        timer.cancel()


def _stand_in(blank, status, message):
    """A result for content that could not be graded: the blank submission's maxima, every test failed."""
    exercises = {n: dataclasses.replace(e, status=status, tests=[{**t, "message": message} for t in e.tests])
                 for n, e in blank.exercises.items()}
    return dataclasses.replace(blank, status=status, exercises=exercises, note=message, seconds=0.0)


def grade_class(submissions, course, *, jobs, budget=BUDGET, cache=None, on_result=None):
    """Grade every submission with ``jobs`` grader processes; identical contents are graded once.

    ``cache`` (optional) has key(submission), get(key) and put(key, result); results
    are put as they arrive, so an interrupted run loses nothing already graded.
    Returns the results in the order of ``submissions``.
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
    tries, running, executor, blank = collections.Counter(), {}, None, []

    def stand_in(status, message):
        if not blank:  # graded here, in the trusted parent: it holds no learner code
            blank.append(grade_submission(submission=Submission("blank"), course=course, budget=budget))
        return _stand_in(blank[0], status, message)

    def content(key):
        return Submission("", files=by_key[key][0].files if not by_key[key][0].problem else {})

    try:
        while queue or running:
            if executor is None:
                executor = ProcessPoolExecutor(max_workers=max(1, min(jobs, len(queue) + len(running))),
                                               mp_context=multiprocessing.get_context("spawn"),
                                               initializer=_init, initargs=(run_tmp,))
            broken = False
            while queue and len(running) < jobs and not broken:
                key = queue.popleft()
                marker = os.path.join(run_tmp, f"stopped-{key}.json")
                try:
                    running[executor.submit(_task, content(key), course, budget, marker)] = key
                except BrokenProcessPool:  # a process died between two submissions
                    queue.appendleft(key)
                    broken = True
            finished, _ = wait(running, return_when=FIRST_COMPLETED) if running else (set(), set())
            if broken or any(isinstance(f.exception(), BrokenProcessPool) for f in finished):
                finished, _ = wait(running)  # every running task is lost with the pool; collect them all
                executor.shutdown(wait=True)
                executor = None
                reap(run_tmp)
            for future in finished:
                key = running.pop(future)
                exc = future.exception()
                marker = os.path.join(run_tmp, f"stopped-{key}.json")
                if exc is None:
                    finish(key, future.result())
                elif os.path.exists(marker):
                    seconds = json.loads(Path(marker).read_text())["seconds"]
                    finish(key, stand_in("stopped", f"grading this submission did not finish within {seconds:g} s, "
                                                    "so it was stopped: its code kept the grader busy"))
                elif isinstance(exc, BrokenProcessPool) and tries[key] < 2:
                    tries[key] += 1
                    queue.append(key)  # at the back, so it is not paired with the same neighbour again
                else:
                    finish(key, stand_in("error", f"learnnn could not grade this submission "
                                                  f"({type(exc).__name__}: {exc}); rerun to retry"))
    finally:
        if executor is not None:
            if running:  # interrupted: stop grading now rather than after the current submissions
                for process in list(getattr(executor, "_processes", {}).values()):
                    process.kill()
            executor.shutdown(wait=True, cancel_futures=True)
        reap(run_tmp)
        shutil.rmtree(run_tmp, ignore_errors=True)
