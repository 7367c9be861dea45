"""One check: run hidden suites in this (trusted) process against learner code in a worker, and record
it in a learner's workspace."""
import contextlib
import io
import os
import time
import warnings
from dataclasses import dataclass, field

from .manifest import PACKAGE
from .results import CheckResult, TestOutcome

AUTOLOAD = "PYTEST_DISABLE_PLUGIN_AUTOLOAD"
SUITES = PACKAGE / "suites"
# pytest's built-in plugins a hidden suite never uses (no tmp_path, monkeypatch, logging, skip marks, output
# capture: our stdout is redirected): left unloaded, they cost nothing at start-up and nothing per test.
UNUSED_PLUGINS = ("cacheprovider", "stepwise", "warnings", "unraisableexception", "threadexception", "capture",
                  "debugging", "doctest", "faulthandler", "junitxml", "legacypath", "logging", "monkeypatch",
                  "pastebin", "recwarn", "setuponly", "setupplan", "skipping", "subtests", "tmpdir", "unittest")


def run_checks(*, course, source_dir, exercises, plugins=(), budget_factor=None, lanes=None, early_stop=True):
    """Grade the learner modules in ``source_dir`` for each named exercise; returns CheckResults in order.
    ``plugins``: more pytest plugins, e.g. `learnnn watch`'s progress line (they never change outcomes).
    ``lanes``: workers that train a model's splits side by side (default: one per core, at most 2);
    ``early_stop``: stop training a model once it can no longer reach the target (the score is the
    same; the metrics then list only the splits trained).

    Never raises for anything the learner wrote: a missing file, a crash or a
    hang becomes failed tests with a message and an outcome kind. Each
    exercise's calls share its time budget (the manifest's ``time_budget``, or
    ``budget_factor`` times its ``time_limit`` when given).
    """
    from .workers import Workers

    names = [course.exercise(n).name for n in exercises]
    lanes = min(2, os.cpu_count() or 1) if lanes is None else lanes
    workers = Workers(source_dir)
    try:
        if names:  # the first worker starts (bwrap, NumPy) while we import pytest and collect
            workers.prestart(course.exercise(names[0]))
        import pytest  # deferred: only checks pay for importing pytest

        from .plugin import LearnnnPlugin

        plugin = LearnnnPlugin(course=course, source_dir=source_dir, exercises=names, budget_factor=budget_factor,
                               lanes=lanes, early_stop=early_stop, workers=workers)
        args = [str(course.exercise(n).suite) for n in names] + [
            "-c", str(SUITES / "pytest.ini"), "--rootdir", str(SUITES), "--confcutdir", str(SUITES),
            *(f"-pno:{name}" for name in UNUSED_PLUGINS), "--assert=plain",
            "--import-mode=importlib", "-q", "--no-header", "--tb=no",
            "--continue-on-collection-errors"]  # one suite that can't load doesn't stop the others of the session
        started = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()) as out, warnings.catch_warnings(), _one_blas_thread(), \
                _no_plugin_autoload():
            warnings.simplefilter("ignore")  # the suites' own arithmetic on extreme values is not the learner's
            code = pytest.main(args, plugins=[plugin, *plugins])
    finally:
        workers.close()  # also when pytest stops before its unconfigure hook
    seconds = time.perf_counter() - started
    if code == pytest.ExitCode.INTERRUPTED:
        raise KeyboardInterrupt  # pytest swallowed a Ctrl-C; the caller decides what stopping means
    results = []
    for name in names:
        result = CheckResult(name, plugin.outcomes[name], plugin.metrics[name], seconds=seconds / len(names),
                             artifacts=plugin.artifacts[name], calls=plugin.budgets[name].calls)
        if name in plugin.problems:
            result.error = plugin.problems[name]
        elif not result.tests:
            result.error = f"the hidden suite for {name} ran no test (pytest exit code {int(code)}): {out.getvalue()[-500:]}"
        results.append(result)
    return results


@contextlib.contextmanager
def _no_plugin_autoload():
    """A stray installed pytest plugin must not change grades. Put back afterwards: a grading process started
    before this changed the environment would no longer match it, and be replaced (learnnn.watchdog)."""
    before = os.environ.get(AUTOLOAD)
    os.environ.setdefault(AUTOLOAD, "1")
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(AUTOLOAD, None)


def _one_blas_thread():
    """BLAS on one thread in this (the trusted) process while the suites run, as in the workers.

    Parallelism here is processes (a worker per split, a grading process per job); OpenBLAS's idle
    threads would spin on the other core after each call instead (0.8 CPU-s of a submission's 9.7)."""
    import numpy  # noqa: F401  (threadpoolctl limits only the BLAS libraries already loaded)
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="blas")


def run_check(*, course, source_dir, exercise, plugins=()):
    return run_checks(course=course, source_dir=source_dir, exercises=[exercise], plugins=plugins)[0]


@dataclass
class WorkspaceCheck:
    """What checking exercises in a learner's workspace did: the results, and what was recorded."""

    results: list  # CheckResults, in the order asked
    regressed: list = field(default_factory=list)  # exercises that passed before and fail now
    plots: dict = field(default_factory=dict)  # exercise -> its training curves' PNG (a managed workspace only)
    state: object = None  # the progress as saved
    problem: str = ""  # the progress file had to be set aside first


def check_workspace(*, course, ws, exercises, plugins=(), draw_plots=True):
    """Check ``exercises`` on the learner's modules in ``ws`` and record it: each result in the progress file
    (a pass ticks the exercise, a regression takes the tick away) and, in a managed workspace, the training
    curves a suite recorded (unless ``draw_plots`` is False: `learnnn check` draws them once the result is
    on screen). What `learnnn check` and `learnnn watch` both do; nothing is printed."""
    from . import progress

    digests = {n: ws.digest(n) for n in exercises}  # the files as they were when the check began
    results = run_checks(course=course, source_dir=ws.root, exercises=exercises, plugins=plugins)
    state = progress.load(ws)  # read after the check: `learnnn check` may have run beside `watch`
    done = WorkspaceCheck(results, state=state, problem=state.problem)
    for result in results:
        if state.exercise(result.exercise).ever_passed and not result.passed:
            done.regressed.append(result.exercise)
        state.record_check(result, digests[result.exercise])
        plot = None
        if ws.managed and draw_plots:  # never into a plain folder
            from .plots import save_training_plot  # deferred: matplotlib loads only for a plot

            plot = save_training_plot(ws, result)
        if plot:
            done.plots[result.exercise] = plot
    progress.save(ws, state)
    return done


__all__ = ["run_check", "run_checks", "check_workspace", "WorkspaceCheck", "CheckResult", "TestOutcome"]
