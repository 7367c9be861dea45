"""A module that does not compile: the learner is sent to that file (not to the module importing it), the
instructor sees it under "needs attention", and one cause is said once, in the feedback and in `check`."""
import re
import shutil

import pytest

from learnnn import gradebook, manifest, render
from learnnn.check import run_checks
from learnnn.outcomes import explain
from learnnn.results import ExerciseGrade, SubmissionResult
from learnnn.review import review

BROKEN = "def relu(z)\n"


@pytest.fixture(scope="module")
def broken(course, tmp_path_factory):
    """activations.py without a colon, everything else the reference: {exercise: CheckResult} for activations and
    iris (which imports it through layers.py). Importing fails, so nothing trains."""
    folder = tmp_path_factory.mktemp("syntax")
    for path in manifest.data_dir("solutions").glob("*.py"):
        shutil.copy(path, folder / path.name)
    source = (folder / "activations.py").read_text()
    assert source.count("def relu(z):\n") == 1
    (folder / "activations.py").write_text(source.replace("def relu(z):\n", BROKEN))
    line = source.splitlines().index("def relu(z):") + 1
    results = run_checks(course=course, source_dir=folder, exercises=["activations", "iris"])
    return {r.exercise: r for r in results}, line, {p.name: p.read_bytes() for p in folder.glob("*.py")}


def test_a_syntax_error_in_an_imported_module_blames_that_module(broken):
    results, line, _ = broken
    first = results["iris"].failures[0].message
    assert f"activations.py does not compile: SyntaxError: expected ':' (activations.py, line {line})" in first
    assert "`learnnn check activations`" in first
    assert "check layers" not in first and "inside your own layers.py" not in first


def test_a_syntax_error_in_the_module_itself_names_it():
    error = {"type": "IndentationError", "phase": "import", "where": "",
             "message": "expected an indented block after function definition on line 3 (losses.py, line 4): x = 1"}
    text = str(explain(error, module="losses", call="mse", memory_mb=512, modules=("activations", "losses")))
    assert text.startswith("importing losses.py raised IndentationError: expected an indented block")
    # a file that is not one of the copied modules is not believed: the worker's text is the learner's to shape
    error = {"type": "SyntaxError", "phase": "import", "where": "layers.py, line 3, in <module>: import x",
             "message": "invalid syntax (evil.py, line 1): x"}
    text = str(explain(error, module="layers", call="dense", memory_mb=512, modules=("activations", "layers")))
    assert "evil.py does not compile" not in text and "(at layers.py, line 3" in text


class Sub:
    def __init__(self, files):
        self.id, self.original_name, self.files, self.problem, self.digest = "carol", "Carol", files, "", "d"


def _graded(results):
    grades = {name: ExerciseGrade(0, 10, "failed", r.tests) for name, r in results.items()}
    return SubmissionResult("carol", "graded", grades)


def test_a_module_that_does_not_compile_needs_attention_and_keeps_its_score(course, broken):
    results, line, files = broken
    result = _graded(results)
    item = review([result], [Sub(files)], course)["carol"]
    assert item.status == "graded" and result.total == 0
    assert [n for n in item.attention if "compile" in n] == [
        f"does not compile (every test that imports it fails): activations.py (line {line}: expected ':')"]
    fixed = dict(files, **{"activations.py": manifest.data_dir("solutions").joinpath("activations.py").read_bytes()})
    assert not [n for n in review([result], [Sub(fixed)], course)["carol"].attention if "compile" in n]
    # a module far larger than any honest one is not parsed in the trusted process: the grader's message stands
    huge = dict(files, **{"activations.py": files["activations.py"] + b"(" * 2**20})
    assert not [n for n in review([result], [Sub(huge)], course)["carol"].attention if "compile" in n]


def _check(names_and_messages):
    from learnnn.outcomes import Outcome
    from learnnn.results import CheckResult, TestOutcome
    tests = [TestOutcome(name, False, message, 0, 1, Outcome.FAILED if "wrong" in message else Outcome.RAISED)
             for name, message in names_and_messages]
    return CheckResult("activations", tests)


# one helper's line raises in every function's tests, and one value is wrong: two causes, nine functions
POINTER = "fails for the same reason as test_sigmoid_values: ValueError at activations.py, line 3, in _clip: x"
MIXED = [("test_sigmoid_values", "calling sigmoid raised ValueError: bad (at activations.py, line 3, in _clip: x)"),
         *((f"test_{f}_values", POINTER) for f in ("tanh", "relu", "leaky_relu", "softmax", "sigmoid_grad",
                                                    "tanh_grad", "relu_grad", "leaky_relu_grad")),
         ("test_softmax_rows_sum_to_one", "softmax is wrong: rows sum to 2")]
FUNCTIONS = ("sigmoid", "sigmoid_grad", "tanh", "tanh_grad", "relu", "relu_grad", "leaky_relu", "leaky_relu_grad",
             "softmax")


def test_check_output_groups_by_root_cause_and_counts_kinds():
    text = render.check_result(_check(MIXED), functions=FUNCTIONS)
    assert "sigmoid values (and 8 more like it)" in text and "softmax rows sum to one" in text
    assert "more kinds" not in text and "fails for the same reason" not in text
    many = [(f"test_{f}_odd", f"{f} is wrong in its own way") for f in FUNCTIONS]
    assert "... and 1 more kind of failure" in render.check_result(_check(many), functions=FUNCTIONS)


def test_check_output_points_at_a_test_by_its_display_name():
    text = render.check_result(_check(MIXED), functions=FUNCTIONS, show_all=True)
    assert "fails for the same reason as sigmoid values: ValueError at activations.py" in text
    assert "test_sigmoid_values" not in text


def test_feedback_says_one_cause_once_and_keeps_rows_where_causes_differ(course, broken):
    results, line, files = broken
    result = _graded(results)
    text = gradebook.feedback(result, review([result], [Sub(files)], course)["carol"])
    n = len(results["activations"].tests)
    assert f"## activations: 0 / 10\n\nAll {n} tests fail for this reason:\n\n```\nimporting activations.py raised " \
           f"SyntaxError: expected ':' (activations.py, line {line}): def relu(z)\n```\n" in text
    assert "All 5 tests fail for this reason:" in text.split("## iris")[1]
    assert "fails for the same reason" not in text and text.count("does not compile") == 1
    mixed = _check(MIXED)
    result = SubmissionResult("carol", "graded", {"activations": ExerciseGrade(0, 10, "failed", mixed.tests)})
    text = gradebook.feedback(result)
    assert "10 of 10 tests failed:" in text and "- `test_softmax_rows_sum_to_one`" in text
    assert text.count("fails for the same reason as test_sigmoid_values") == 8
