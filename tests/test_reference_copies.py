"""A module that is the shipped reference solution's code is named for the instructor and the learner, never
rescored; an honest solution, even one sharing a few functions with the reference, is not."""
import ast
import csv
import io
import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from learnnn import gradebook, manifest, review
from learnnn.results import ExerciseGrade, SubmissionResult, TestOutcome

COURSE = manifest.load()
LEARNERS = Path(__file__).parent / "fixtures" / "learners"


def reference(name):
    return COURSE.exercises[name].solution.read_text(encoding="utf-8")


def disguised(source):
    """The reference with every comment and docstring replaced, the layout redone (quotes, spacing, brackets
    around every returned value, CRLF) and blank lines moved."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef)) and ast.get_docstring(node) is not None:
            node.body[0].value.value = "My own work, written from scratch."
    lines = ["# activations: my homework", "", ""]
    for line in ast.unparse(tree).splitlines():  # unparse drops the comments and redoes quotes and spacing
        if line.strip().startswith("return "):
            line = line.replace("return ", "return (", 1) + ")  # checked by hand"
        lines.append(line)
        if not line.strip():
            lines += ["", ""]
    return "\r\n".join(lines) + "\r\n"


def graded(files, *, status="graded"):
    """One learner's result (every exercise full marks) and the Review of ``files``."""
    exercises = {n: ExerciseGrade(10, 10, "passed", [TestOutcome("t", True, "", 10, 10)]) for n in COURSE.exercises}
    result = SubmissionResult("lee", status, exercises)
    sub = SimpleNamespace(id="lee", files={k: v.encode() for k, v in files.items()}, digest="d", problem="",
                          ignored=[])
    return result, review.review([result], [sub], COURSE)["lee"]


def test_a_disguised_copy_of_the_reference_is_named_in_the_row_and_the_feedback_and_keeps_its_points():
    copy = disguised(reference("activations"))
    assert copy != reference("activations") and "My own work" in copy and "# checked by hand" in copy
    result, item = graded({"activations.py": copy, "neuron.py": reference("neuron")})
    assert item.reference_copies == ["activations", "neuron"]
    note = "the reference solution's code (comments and layout aside): activations, neuron"
    assert note in item.attention
    reviews = {"lee": item}
    header, row = csv.reader(io.StringIO(gradebook.grades_csv([result], COURSE, reviews)))
    assert note in row[-1] and row[header.index("activations")] == "10"
    assert row[header.index("activations status")] == "passed"
    data = json.loads(gradebook.grades_json([result], reviews))["submissions"][0]
    assert note in data["attention"] and data["total"] == result.total == 10 * len(COURSE.exercises)
    assert data["exercises"]["activations"]["status"] == "passed"
    page = gradebook.feedback(result, item)
    activations = page.split("## activations", 1)[1].split("\n## ", 1)[0]
    assert "`activations.py` has the code of the reference solution" in activations
    assert "reference solution" not in page.split("## layers", 1)[1].split("\n## ", 1)[0]


def test_sharing_some_functions_with_the_reference_is_not_copying():
    source = reference("activations")
    tree = ast.parse(source)
    function = next(n for n in tree.body if isinstance(n, ast.FunctionDef))
    function.body.insert(0, ast.parse("_unused = 0").body[0])  # one function of the learner's own
    _, item = graded({"activations.py": ast.unparse(tree)})
    assert item.reference_copies == [] and not any("reference" in note for note in item.attention)


@pytest.mark.parametrize("path", sorted(LEARNERS.glob("*__*.py")), ids=lambda p: p.stem)
def test_honest_learner_code_is_not_flagged(path):
    name = path.stem.split("__")[0]
    _, item = graded({f"{name}.py": path.read_text(encoding="utf-8")})
    assert item.reference_copies == [], path.name


@pytest.mark.parametrize("text", ["", "def broken(:\n", "x = (" * 500 + ")" * 500, "\x00"])
def test_what_does_not_parse_is_simply_not_a_copy(text):
    _, item = graded({"activations.py": text})
    assert item.reference_copies == []


def test_a_module_far_larger_than_the_reference_is_never_parsed(monkeypatch):
    parsed, real = [], review.code_shape
    monkeypatch.setattr(review, "code_shape", lambda text: parsed.append(len(text)) or real(text))
    hostile = "a = 1\n" * 400_000  # about 7 s and 1 GB of parsing in the trusted process
    _, item = graded({"activations.py": hostile, "neuron.py": reference("neuron") + "# a comment\n" * 100})
    assert item.reference_copies == ["neuron"] and max(parsed) < 10_000


def test_every_reference_solution_is_recognised_and_a_rejected_submission_names_none():
    _, item = graded({e.filename: reference(n) for n, e in COURSE.exercises.items()})
    assert item.reference_copies == list(COURSE.exercises)
    _, rejected = graded({e.filename: reference(n) for n, e in COURSE.exercises.items()}, status="rejected")
    assert rejected.reference_copies == []
