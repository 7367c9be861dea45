"""learnnn.testing, the API hidden suites are written with."""
import pytest

from learnnn import testing
from learnnn.outcomes import LearnerRaised

ADVICE = [(("KeyError",), (), "params holds W1, b1, ..."),
          (("ValueError",), ("read-only", "broadcast"), "build new arrays instead")]


def raising(kind, message):
    def fn(*args, **kwargs):
        raise LearnerRaised(f"calling f raised {kind}: {message}", kind=kind)
    return fn


def test_calling_passes_arguments_and_returns_the_value():
    assert testing.calling(lambda a, b=0: a + b, 2, b=3, advice=ADVICE) == 5


@pytest.mark.parametrize("kind,message,explanation", [
    ("KeyError", "'W3'", "params holds W1, b1, ..."),
    ("ValueError", "assignment destination is read-only", "build new arrays instead"),
])
def test_an_explained_error_fails_the_test_with_the_learners_error_and_the_advice(kind, message, explanation):
    with pytest.raises(AssertionError) as failed:
        testing.calling(raising(kind, message), advice=ADVICE)
    assert str(failed.value) == f"calling f raised {kind}: {message}. {explanation}"


@pytest.mark.parametrize("kind,message", [("ValueError", "math domain error"), ("TypeError", "read-only")])
def test_an_error_no_rule_explains_is_raised_as_it_is(kind, message):
    with pytest.raises(LearnerRaised, match=message):
        testing.calling(raising(kind, message), advice=ADVICE)


def test_model_tests_define_the_five_shared_tests_and_their_fixtures():
    defined = testing.model_tests(object())
    assert [n for n in defined if n.startswith("test_")] == [
        "test_returns_a_model", "test_mean_accuracy_reaches_the_target", "test_lessons_split",
        "test_trains_within_the_time_limit", "test_model_is_your_own"]
    assert {"grading", "_report"} <= set(defined)
