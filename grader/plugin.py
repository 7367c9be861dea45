"""The pytest plugin that hidden suites run under, in the trusted process.

It gives suites their fixtures (``learner``, ``reference``, ``rng``,
``record_metric``), keeps one worker per exercise, and turns every test's
outcome into a :class:`~learnnn.results.TestOutcome` with a learner-facing message.
"""
import zlib
from pathlib import Path

import numpy as np
import pytest

from . import reference as references
from .feedback import failure_reason, same_reason
from .manifest import PACKAGE
from .results import TestOutcome
from .sandbox import LearnerFailure, Sandbox, SandboxSpec

REFUSED_IMPORTS = ("sklearn.neural_network", "torch", "tensorflow", "keras", "jax", "learnnn")


class LearnerModule:
    """Calls into the learner's module in the worker: ``learner.sigmoid(z)``."""

    def __init__(self, sandbox, module):
        self._sandbox, self._module = sandbox, module

    def __getattr__(self, func):
        if func.startswith("_"):
            raise AttributeError(func)

        def call(*args, readonly=(), timeout=None, **kwargs):
            return self._sandbox.call(self._module, func, *args, readonly=readonly, timeout=timeout, **kwargs)

        call.__name__ = func
        return call

    def module(self, name):
        """Another module in the worker, e.g. the learner's own ``training`` from the digits suite."""
        return LearnerModule(self._sandbox, name)

    @property
    def last(self):
        """Arguments mutated and warnings raised by the last call."""
        return self._sandbox.last


def sandbox_spec(exercise, source_dir):
    """Which files go into the worker: the learner's module, and the earlier ones it may import."""
    source_dir = Path(source_dir)
    files = {}
    for name in exercise.earlier:
        learner_copy = source_dir / f"{name}.py"
        if exercise.own_stack:
            if learner_copy.is_file():
                files[name] = learner_copy
        else:
            files[name] = references.data_dir("solutions") / f"{name}.py"
    files[exercise.name] = source_dir / exercise.filename
    return SandboxSpec(files=files, time_limit=exercise.time_limit, memory_mb=exercise.memory_mb,
                       deny_read=[PACKAGE, references.data_dir("solutions"), source_dir.resolve()],
                       refused_imports=list(REFUSED_IMPORTS))


class LearnnnPlugin:
    def __init__(self, *, course, source_dir, exercises):
        self.course = course
        self.source_dir = Path(source_dir)
        self.exercises = [course.exercise(n) for n in exercises]
        self.outcomes = {e.name: [] for e in self.exercises}
        self.metrics = {e.name: {} for e in self.exercises}
        self.artifacts = {e.name: {} for e in self.exercises}  # bulky data for the CLI (e.g. a loss history)
        self.problems = {}  # exercise -> why none of its tests could run
        self.reasons = {}  # exercise -> {why a test failed: the first test that failed for it}
        self.sandboxes = {}
        first = self.exercises[0] if self.exercises else None
        if first and (self.source_dir / first.filename).is_file():
            self.sandbox(first).start()  # the worker imports numpy while pytest starts up and collects

    # -- workers

    def sandbox(self, exercise):
        if exercise.name not in self.sandboxes:
            self.sandboxes[exercise.name] = Sandbox(sandbox_spec(exercise, self.source_dir))
        return self.sandboxes[exercise.name]

    def pytest_configure(self, config):
        config.addinivalue_line("markers", "points(n): this test is worth n points instead of the manifest's")

    def close(self):
        for sandbox in self.sandboxes.values():
            sandbox.close()

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
                                 f"`learnnn reset {exercise.name}` puts the starting stub back")
        sandbox = self.sandbox(exercise)
        yield LearnerModule(sandbox, exercise.name)
        sandbox.close()

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
        exercise = self.course.exercise(name)
        marker = item.get_closest_marker("points")
        points = marker.args[0] if marker else exercise.points
        if report.passed:
            self.outcomes[name].append(TestOutcome(item.name, True, "", points, points))
            return
        message = self._message(call.excinfo, report)
        if call.when == "call":  # a setup failure (no module to test) rightly says so in every test
            message = same_reason(message, failure_reason(call.excinfo and call.excinfo.value, message),
                                  self.reasons.setdefault(name, {}), item.name)
        sandbox = self.sandboxes.get(name)
        printed = sandbox.printed() if sandbox else ""
        if printed.strip():
            message += f"\nYour code printed:\n{printed.rstrip()}"
        self.outcomes[name].append(TestOutcome(item.name, False, message, 0, points))

    @staticmethod
    def _message(excinfo, report):
        if excinfo is None:
            return str(report.longrepr)[-500:]
        exc = excinfo.value
        if isinstance(exc, (AssertionError, LearnerFailure)):
            return str(exc) or "the test failed"
        if isinstance(exc, pytest.skip.Exception):
            return f"skipped: {exc.msg}"
        return (f"the test could not use what your code returned ({type(exc).__name__}: {exc}); "
                "check the type and shape of your return value against the docstring")

    def pytest_collectreport(self, report):
        if report.failed:
            name = Path(str(report.fspath)).stem.removeprefix("test_")
            self.problems[name] = f"the hidden suite could not be loaded: {str(report.longrepr)[-800:]}"
