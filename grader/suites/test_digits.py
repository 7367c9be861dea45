"""Hidden suite: digits.

The grader trains the learner's fit_digits itself, in the worker, on the
lessons' split and on stratified splits the learner does not see; only
X_train and y_train cross over. The returned (params, mean, scale) is scored
here with the reference mlp_forward, so the test images never reach learner
code. Every split is trained once per check (the module-scoped fixture).
"""
import pytest
from learnnn import datasets, modelgrading as mg

# The lessons' split plus 4 stratified ones: with 360 test images one split's
# accuracy varies little, and five fits leave a plain NumPy network enough of
# the 60 s.
TASK = mg.Task(exercise="digits", func="fit_digits", load=lambda: datasets.load("digits"), n_classes=10,
               target=0.95, budget=60.0, hidden_states=(1000, 1001, 1002, 1003), samples="images",
               advice="Settings known to work: layer sizes [64, 64, 10], 30 to 60 epochs, lr 0.1, batch size 32.")


@pytest.fixture(scope="module")
def grading(learner):
    return mg.grade(learner, TASK, **learner.model_grading)


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
