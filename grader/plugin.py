"""The pytest plugin that hidden suites run under, in the trusted process.

It gives suites their fixtures (``learner``, ``reference``, ``rng``,
``record_metric``), keeps one worker per exercise, and turns every test's
outcome into a :class:`~learnnn.results.TestOutcome` with a learner-facing message.
"""
import re
import zlib
from pathlib import Path

import numpy as np
import pytest

from . import reference as references
from .feedback import failure_reason, same_reason
from .budget import Budget
from .outcomes import LearnerFailure, Outcome
from .printable import printable
from .results import TestOutcome
from .workers import REFUSED_IMPORTS, Workers, sandbox_spec  # noqa: F401 (their home before workers.py)

MESSAGE_CHARACTERS = 6000  # of one failed test's message, what the learner printed included
MESSAGE_LINES = 80  # and its lines: 2,000 newlines are few characters but a screenful of nothing
BLANK_LINES = re.compile(r"\n(?:[ \t]*\n){2,}")  # a run of blank lines is shown as one


class LearnerModule:
    """Calls into the learner's module in the worker: ``learner.sigmoid(z)``.

    Every call draws on the exercise's :class:`~learnnn.budget.Budget`; ``timeout``
    (seconds) raises one call's own limit, never past what is left of the budget.
    """

    def __init__(self, sandbox, module, budget, *, spare=None, model_grading=None):
        self._sandbox, self._module, self._budget, self._spare = sandbox, module, budget, spare
        self.model_grading = model_grading or {}  # modelgrading.grade's lanes and early_stop for this run

    def __getattr__(self, func):
        if func.startswith("_"):
            raise AttributeError(func)

        def call(*args, readonly=(), timeout=None, **kwargs):
            return self._budget.run(func, lambda left: self._sandbox.call(
                self._module, func, *args, readonly=readonly, timeout=left, **kwargs), limit=timeout,
                overhead=lambda: self._sandbox.startup_wait)

        call.__name__ = func
        return call

    def module(self, name):
        """Another module in the worker, e.g. the learner's own ``training`` from the digits suite."""
        return LearnerModule(self._sandbox, name, self._budget)

    def spare(self):
        """The same module in a second worker of its own, for calls independent of this one's (the model
        splits); it draws on the same budget, and the plugin closes it with the first."""
        sandbox = self._spare()
        sandbox.start()  # it imports NumPy while the first worker trains
        return LearnerModule(sandbox, self._module, self._budget)

    @property
    def last(self):
        """Arguments mutated and warnings raised by the last call."""
        return self._sandbox.last


class LearnnnPlugin:
    def __init__(self, *, course, source_dir, exercises, budget_factor=None, lanes=1, early_stop=False,
                 workers=None):
        self.course = course
        self.model_grading = {"lanes": lanes, "early_stop": early_stop}
        self.budgets = {n: Budget(course.exercise(n), seconds=budget_factor * course.exercise(n).time_limit
                                  if budget_factor else None) for n in exercises}
        self.source_dir = Path(source_dir)
        self.exercises = [course.exercise(n) for n in exercises]
        self.outcomes = {e.name: [] for e in self.exercises}
        self.metrics = {e.name: {} for e in self.exercises}
        self.artifacts = {e.name: {} for e in self.exercises}  # bulky data for the CLI (e.g. a loss history)
        self.problems = {}  # exercise -> why none of its tests could run
        self.reasons = {}  # exercise -> {why a test failed: the first test that failed for it}
        self.workers = workers if workers is not None else Workers(self.source_dir)  # run_checks prestarts its own

    # -- workers

    @property
    def sandboxes(self):
        return self.workers.sandboxes

    def sandbox(self, exercise, spare=0):
        return self.workers.get(exercise, spare)

    def pytest_configure(self, config):
        config.addinivalue_line("markers", "points(w): this test's weight when the exercise's points are split (default 1)")

    def close(self):
        self.workers.close()

    def pytest_unconfigure(self, config):
        self.close()

    # -- fixtures

    def _exercise_of(self, request):
        name = Path(str(request.node.path)).stem.removeprefix("test_")
        return self.course.exercise(name)

    @pytest.fixture(scope="module")
    def learner(self, request):
        exercise = self._exercise_of(request)
        if not (self.source_dir / exercise.filename).is_file():
            raise LearnerFailure(f"there is no {exercise.filename} in {self.source_dir}: "
                                 f"`learnnn reset {exercise.name}` puts the starting stub back",
                                 outcome=Outcome.MISSING)
        sandbox = self.sandbox(exercise)
        spares = []

        def spare():
            spares.append(self.sandbox(exercise, spare=len(spares) + 1))
            return spares[-1]

        yield LearnerModule(sandbox, exercise.name, self.budgets[exercise.name], spare=spare,
                            model_grading=self.model_grading)
        for each in (sandbox, *spares):
            each.close()

    @pytest.fixture(scope="module")
    def reference(self, request):
        return references.load(self._exercise_of(request).name)

    @pytest.fixture(scope="session")
    def reference_module(self):
        return references.load

    @pytest.fixture
    def rng(self, request):
        # A stable seed per test id, so grading the same code twice gives the same result.
        return np.random.default_rng(zlib.crc32(request.node.nodeid.split("::", 1)[-1].encode()))

    @pytest.fixture
    def record_metric(self, request):
        """Report a number under "metrics" in the check's result (an accuracy, seconds)."""
        return self.metrics[self._exercise_of(request).name].__setitem__

    @pytest.fixture
    def record_artifact(self, request):
        """Keep data for the CLI to show or plot (not part of the JSON result), e.g. a training history."""
        return self.artifacts[self._exercise_of(request).name].__setitem__

    # -- outcomes

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        report = (yield).get_result()
        name = Path(str(item.path)).stem.removeprefix("test_")
        if name not in self.outcomes or call.when == "teardown":
            return
        if call.when == "setup" and report.passed:
            return
        marker = item.get_closest_marker("points")
        points = marker.args[0] if marker else 1  # a weight: `learnnn grade` turns it into points (weights.py)
        sandbox = self.sandboxes.get(name)
        printed = sandbox.printed() if sandbox else ""  # read after every test: only this test's output is shown
        if report.passed:
            self.outcomes[name].append(TestOutcome(item.name, True, "", points, points, Outcome.PASSED))
            return
        message, kind = self._message(call.excinfo, report)
        if call.when == "call":  # a setup failure (no module to test) rightly says so in every test
            message = same_reason(message, failure_reason(call.excinfo and call.excinfo.value, message),
                                  self.reasons.setdefault(name, {}), item.name)
        if printed.strip() and getattr(call.excinfo and call.excinfo.value, "show_output", True):
            message += f"\nYour code printed:\n{printed.rstrip()}"
        # the message quotes learner output and exception text: no terminal escapes reach feedback or the CLI
        if len(message) > MESSAGE_CHARACTERS:
            message = message[:MESSAGE_CHARACTERS] + f"\n... ({len(message) - MESSAGE_CHARACTERS} more characters)"
        lines = BLANK_LINES.sub("\n\n", message).split("\n")
        if len(lines) > MESSAGE_LINES:
            message = "\n".join(lines[:MESSAGE_LINES]) + f"\n... ({len(lines) - MESSAGE_LINES} more lines)"
        self.outcomes[name].append(TestOutcome(item.name, False, printable(message), 0, points, kind))

    @staticmethod
    def _message(excinfo, report):
        """(learner-facing message, Outcome) for a failed test."""
        if excinfo is None:
            return str(report.longrepr)[-500:], Outcome.FAILED
        exc = excinfo.value
        if isinstance(exc, LearnerFailure):
            return str(exc) or "the test failed", exc.outcome
        if isinstance(exc, AssertionError):  # a suite may explain a failure of the learner's code: keep its kind
            cause = exc.__cause__ or exc.__context__
            return str(exc) or "the test failed", cause.outcome if isinstance(cause, LearnerFailure) else Outcome.FAILED
        if isinstance(exc, pytest.skip.Exception):
            return f"skipped: {exc.msg}", Outcome.FAILED
        return (f"the test could not use what your code returned ({type(exc).__name__}: {exc}); "
                "check the type and shape of your return value against the docstring"), Outcome.FAILED

    def pytest_collectreport(self, report):
        if report.failed:
            name = Path(str(report.fspath)).stem.removeprefix("test_")
            self.problems[name] = f"the hidden suite could not be loaded: {str(report.longrepr)[-800:]}"
