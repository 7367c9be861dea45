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
