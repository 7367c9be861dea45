"""One check: run hidden suites in this (trusted) process against learner code in a worker."""
import contextlib
import io
import os
import time
import warnings

from .manifest import PACKAGE
from .plugin import LearnnnPlugin
from .results import CheckResult, TestOutcome

SUITES = PACKAGE / "suites"


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
    import pytest  # deferred: only checks pay for importing pytest

    names = [course.exercise(n).name for n in exercises]
    lanes = min(2, os.cpu_count() or 1) if lanes is None else lanes
    plugin = LearnnnPlugin(course=course, source_dir=source_dir, exercises=names, budget_factor=budget_factor,
                           lanes=lanes, early_stop=early_stop)
    args = [str(course.exercise(n).suite) for n in names] + [
        "-c", str(SUITES / "pytest.ini"), "--rootdir", str(SUITES), "--confcutdir", str(SUITES),
        "-p", "no:cacheprovider", "-p", "no:stepwise", "-p", "no:warnings",
        "-p", "no:unraisableexception", "-p", "no:threadexception", "--assert=plain",
        "--import-mode=importlib", "-s", "-q", "--no-header", "--tb=no",
        "--continue-on-collection-errors"]  # one suite that can't load doesn't stop the others of the session
    started = time.perf_counter()
    os.environ.setdefault("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")  # a stray installed plugin must not change grades
    try:
        with contextlib.redirect_stdout(io.StringIO()) as out, warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the suites' own arithmetic on extreme values is not the learner's
            code = pytest.main(args, plugins=[plugin, *plugins])
    finally:
        plugin.close()  # also when pytest stops before its unconfigure hook
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


def run_check(*, course, source_dir, exercise, plugins=()):
    return run_checks(course=course, source_dir=source_dir, exercises=[exercise], plugins=plugins)[0]


__all__ = ["run_check", "run_checks", "CheckResult", "TestOutcome"]
