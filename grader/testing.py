"""What hidden suites are written with: calling learner code with advice, and the model exercises' tests.

Suite authors import from here (``from learnnn import testing``); the fixtures
``learner``, ``reference`` and ``record_metric`` come from learnnn's pytest
plugin. Everything here runs in the trusted process: learner code is reached
only through the ``learner`` proxy, whose failures are LearnerFailure.
"""
import pytest

from .feedback import fail
from .outcomes import LearnerRaised


def calling(fn, *args, advice=(), **kwargs):
    """``fn(*args, **kwargs)``; when learner code raises an error that ``advice`` explains, the test fails
    with the learner's error and that explanation.

    ``advice``: (exception type names, words, explanation) rules, first match wins; a rule matches when the
    exception's type is one of the names and its message holds any of the words (or ``words`` is empty).
    Errors no rule explains are raised as they are, with the sandbox's own message.
    """
    try:
        return fn(*args, **kwargs)
    except LearnerRaised as exc:
        text = str(exc)
        for kinds, words, explanation in advice:
            if exc.kind in kinds and (not words or any(w in text for w in words)):
                fail(f"{text}. {explanation}")
        raise


def model_tests(task):
    """The hidden tests of a model exercise (iris, digits) for ``task`` (a modelgrading.Task): the learner's
    fit function is trained once per check on the lessons' split and on hidden splits, and each test reads
    that one grading. In the suite module: ``globals().update(testing.model_tests(TASK))``."""
    from . import modelgrading as mg  # deferred: scikit-learn loads only for the model suites

    @pytest.fixture(scope="module")
    def grading(learner):
        return mg.grade(learner, task, **learner.model_grading)  # lanes and early stop, as `check` asks

    @pytest.fixture(autouse=True)
    def _report(grading, record_metric):
        grading.report(record_metric)

    def test_returns_a_model(grading):
        mg.check_structure(grading)

    def test_mean_accuracy_reaches_the_target(grading):
        mg.check_mean_accuracy(grading)

    def test_lessons_split(grading):
        mg.check_lessons_split(grading)

    def test_trains_within_the_time_limit(grading):
        mg.check_time(grading)

    def test_model_is_your_own(grading):
        mg.check_own_model(grading)

    return {"grading": grading, "_report": _report, "test_returns_a_model": test_returns_a_model,
            "test_mean_accuracy_reaches_the_target": test_mean_accuracy_reaches_the_target,
            "test_lessons_split": test_lessons_split, "test_trains_within_the_time_limit": test_trains_within_the_time_limit,
            "test_model_is_your_own": test_model_is_your_own}
