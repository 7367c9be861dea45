"""A class graded on an executor: the local pool by default, or any concurrent.futures.Executor (Dask's).

`grade_class` maps `watchdog.grade_watched` over a class's distinct contents:
identical contents are graded once and results go to the cache as they
arrive, so an interrupted run loses nothing already graded. Each task grades
one submission in a warm child process it watches, so the hard limit is
enforced where the grading runs: here for the local pool (one thread per job,
each watching its child, which grades one submission after another), on the
worker machine for Dask. With the local pool
`grade_class` returns only once every process of the run is confirmed dead,
so nothing a submission started can touch the grades files written afterwards.
"""
import collections
import dataclasses
import shutil
import tempfile
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

from . import __version__
from .grading import grade_submission
from .intake import Submission
from .manifest import LearnnnError
from .outcomes import Outcome
from .processes import reap
from .watchdog import Children, grade_watched


def hard_limit(submission, course, budget=None):
    """Seconds after which a submission's grader is wedged, not just slow: every budget, plus a margin."""
    present = [e for e in course.exercises.values() if e.filename in submission.files]
    per_exercise = [(budget * e.time_limit if budget else e.time_budget) + e.time_limit for e in present]
    return sum(per_exercise) + 2 * len(course.exercises) + 5  # + one pytest session per exercise


def _stand_in(blank, status, message):
    """A result for content that could not be graded: the blank submission's maxima, every test failed."""
    kind = Outcome.TIMED_OUT if status == "stopped" else Outcome.ERROR
    exercises = {n: dataclasses.replace(e, status=status, tests=[dataclasses.replace(t, kind=kind, message=message)
                                                                 for t in e.tests])
                 for n, e in blank.exercises.items()}
    return dataclasses.replace(blank, status=status, exercises=exercises, note=message, seconds=0.0)


def grade_class(submissions, course, *, jobs=1, executor=None, budget=None, cache=None, on_result=None,
                require_kernel=False):
    """Grade every submission; identical contents are graded once. Results in the order of ``submissions``.

    ``executor`` (optional) is any concurrent.futures.Executor to grade on, e.g.
    a Dask ``Client.get_executor()``; without one, ``jobs`` local threads each
    watch one grading process at a time. ``budget`` (optional) overrides the
    manifest's time budgets: that many times each exercise's time limit.
    ``cache`` (optional) has key(submission), get(key) and put(key, result).
    ``require_kernel`` makes a machine without the kernel sandbox refuse each
    task (an error row naming the machine) rather than grade weakly.
    """
    on_result = on_result or (lambda result: None)
    keys = [cache.key(s) if cache else s.digest for s in submissions]
    by_key = collections.defaultdict(list)
    for sub, key in zip(submissions, keys):
        by_key[key].append(sub)
    done, blank = {}, []

    def finish(key, result, store=True):
        if key in done:  # a task that ran twice (its first worker died late) lands once
            return
        done[key] = result
        if cache and store and result.status != "error":
            cache.put(key, result)
        for sub in by_key[key]:
            on_result(result.labelled(sub))

    def stand_in(status, message):
        if not blank:  # graded here, in the trusted parent: it holds no learner code
            blank.append(grade_submission(submission=Submission("blank"), course=course, budget=budget))
        return _stand_in(blank[0], status, message)

    queue = []
    for key in by_key:
        hit = cache.get(key) if cache else None
        if hit is not None:
            finish(key, hit, store=False)
        else:
            queue.append(key)
    if queue:
        local = executor is None
        run_tmp = tempfile.mkdtemp(prefix="learnnn-grade-run-") if local else None
        pool = ThreadPoolExecutor(jobs) if local else executor
        children = Children(run_tmp) if local else None  # a Dask worker keeps its own
        pending = {}
        try:
            for key in queue:
                content = _content(by_key[key][0])
                task = pool.submit(grade_watched, content, course, budget, hard_limit(content, course, budget),
                                   require_kernel=require_kernel, within=run_tmp, version=__version__,
                                   children=children)
                pending[task] = key
            while pending:
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for task in finished:
                    key = pending.pop(task)
                    try:
                        verdict = task.result()
                    except Exception as exc:  # the engine's failure (e.g. Dask gave up on the task)
                        finish(key, stand_in("error", f"learnnn could not grade this submission "
                                                      f"({type(exc).__name__}: {exc}); rerun to retry"))
                        continue
                    finish(key, verdict.result if verdict.kind == "ok" else stand_in(verdict.kind, verdict.message))
        finally:
            for task in pending:
                task.cancel()
            if local:
                _stop_local(pool, children, run_tmp)
    return [done[key].labelled(sub) for sub, key in zip(submissions, keys)]


def _content(submission):
    """What is graded: the files alone (the learner's id and notes are added to the row afterwards)."""
    return Submission("", files=submission.files if not submission.problem else {})


def _stop_local(pool, children, run_tmp):
    """Interrupted or done: stop every grading process now, then check that nothing of the run is left."""
    children.close()
    pool.shutdown(wait=False, cancel_futures=True)
    shutil.rmtree(run_tmp, ignore_errors=True)  # first, so no watcher can start another child in it
    reap(run_tmp)
    pool.shutdown(wait=True)
    for _ in range(20):
        if reap(run_tmp) == 0:
            shutil.rmtree(run_tmp, ignore_errors=True)
            return
    raise LearnnnError(f"processes started for this run under {run_tmp} could not be stopped; "
                       "the grades files were not written")
