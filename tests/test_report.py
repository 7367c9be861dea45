"""The instructor's report: needs-attention list, per-learner table, root-cause failure counts, progress lines."""
import subprocess
import sys
from types import SimpleNamespace

import pytest

from learnnn import classreport, manifest, review
from learnnn.results import ExerciseGrade, SubmissionResult, TestOutcome

from conftest import write_course
from test_exports import ACT, NEURON, WRONG_SIGN, graded, make_class  # noqa: F401  (graded: the shared class)

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="the sandbox needs POSIX")


def section(text, title):
    """The lines of one `## title` section of index.md."""
    lines = text.split(f"## {title}", 1)[1].split("\n## ", 1)[0]
    return [line for line in lines.splitlines() if line.startswith("| ") and not line.startswith("| submission")]


def attention(graded):
    rows = section((graded.out / "report" / "index.md").read_text(), "Needs attention")
    found = {}
    for row in rows:
        ident, what = row.strip("| ").split(" | ", 1)
        found.setdefault(ident, []).append(what.rstrip(" |"))
    return found


def test_needs_attention_names_every_kind_of_trouble(graded):
    found = attention(graded)
    copied = "the reference solution's code (comments and layout aside): "
    assert found["ann"] == [copied + "activations, neuron", "identical graded files to bob"]
    assert found["bob"] == [copied + "activations, neuron", "identical graded files to ann"]
    assert found["cat"] == ["untouched starting stub: activations", copied + "neuron"]
    assert found["dan"] == ["missing: neuron.py"]
    assert "misplaced? activations.py is missing but the submission holds activations.txt" in found["eve"]
    assert found["bad"][0].startswith("rejected: ") and "not a readable zip" in found["bad"][0]
    assert found["empty"] == ["nothing gradable: no exercise file and no quiz answer sheet"]
    # one missing colon zeroes a module and everything built on it: the score stands, the instructor is told
    line = ACT.splitlines().index("def relu(z):") + 1
    assert found["syn"] == [f"does not compile (every test that imports it fails): activations.py (line {line}: "
                            "expected ':')", copied + "neuron"]
    assert graded.rows["cat"]["attention"] == found["cat"]


def test_hung_code_needs_attention(graded):
    if "kind" not in graded.rows["hang"]["exercises"]["activations"]["tests"][0]:
        pytest.skip("this engine does not record outcome kinds yet (learnnn.outcomes)")
    assert "timed out: activations" in attention(graded)["hang"]


def test_every_learner_has_a_row_in_the_report(graded):
    rows = section((graded.out / "report" / "index.md").read_text(), "Learners")
    by_id = {r.strip("| ").split(" | ")[0]: r for r in rows}
    assert sorted(by_id) == sorted(graded.rows)
    assert "| dan | incomplete | " in by_id["dan"] and f'| {graded.rows["dan"]["exercises"]["activations"]["score"]:g} failed | 0 missing |' in by_id["dan"]
    assert "| 0 stub | 10 passed |" in by_id["cat"]
    html = (graded.out / "report" / "index.html").read_text()
    assert "<h2>Needs attention</h2>" in html and "<td>untouched starting stub: activations</td>" in html


def test_most_failed_tests_count_root_causes_once(graded):
    rows = section((graded.out / "report" / "index.md").read_text(), "Tests failed most often")
    causes = {tuple(c.strip() for c in r.strip("| ").split(" | ")): r for r in rows}
    # six learners had an activations.py; hang and syn fail every test for one reason each (one row, or a row
    # per outcome kind when the engine records kinds), cat is a stub
    whole = [c for c in causes if c[1].startswith("every test, one cause")]
    assert {c[0] for c in whole} == {"activations"} and sum(int(c[2].rstrip("%")) for c in whole) in (33, 34)
    assert ("activations", "untouched stub", "17%") in causes
    assert ("activations", "test_sigmoid_values", "17%") in causes  # dan's wrong sign
    assert not any(c[1] == "test_relu_values" for c in causes)  # syn's relu failures are its import failure


def test_the_report_states_the_isolation_tier(graded):
    tier = classreport.isolation_tier()
    assert tier
    assert f"Isolation: {tier}" in (graded.out / "report" / "index.md").read_text()
    assert f"Isolation: {tier}." in graded.result.output


def test_knock_on_failures_of_an_own_stack_model_count_under_the_broken_module():
    course = manifest.load()
    assert course.exercises["iris"].own_stack and "training" in course.exercises["iris"].earlier

    def grade(status, failed=(), passed=("test_ok",)):
        tests = [TestOutcome(n, True, "", 1, 1) for n in passed]
        tests += [TestOutcome(n, False, f"{n} went wrong", 0, 1) for n in failed]
        return ExerciseGrade(0, 10, status, tests)

    def learner(ident, training):
        exercises = {n: grade("passed") for n in course.exercises}
        exercises["training"] = training
        exercises["iris"] = grade("failed", failed=("test_accuracy", "test_predictions"), passed=())
        return SubmissionResult(ident, "graded", exercises)

    results = [learner("broke", grade("failed", failed=("test_sgd_step",))), learner("honest", grade("passed"))]
    reviews = review.review(results, [], course)
    failing, tried = review.failure_causes(results, reviews, course)
    assert tried["iris"] == 2
    assert {(ex, test): pct for pct, ex, test in failing} == {
        ("training", "test_sgd_step"): 50.0, ("iris", "test_accuracy"): 50.0, ("iris", "test_predictions"): 50.0}


def test_crashes_and_refusals_are_flagged_from_outcome_kinds(course):
    tests = [TestOutcome("test_a", False, "your code died", 0, 1, "crashed"), TestOutcome("test_b", True, "", 1, 1)]
    refused = [TestOutcome("test_c", False, "torch is not allowed", 0, 1, "refused")]
    exercises = {n: ExerciseGrade(10, 10, "passed", [TestOutcome("t", True, "", 1, 1)])
                 for n in course.exercises}
    exercises["activations"] = ExerciseGrade(5, 10, "failed", tests)
    exercises["neuron"] = ExerciseGrade(0, 10, "failed", refused)
    result = SubmissionResult("zed", "graded", exercises)
    (item,) = review.review([result], [], course).values()
    assert item.exercises["activations"] == "crashed" and item.exercises["neuron"] == "failed"
    assert "crashed: activations" in item.attention
    assert any("refused" in note and "neuron" in note for note in item.attention)


def test_progress_lines_go_to_a_log_and_a_rerun_from_scratch_is_byte_identical(tmp_path):
    course_path = write_course(tmp_path / "course.yaml", lessons=3, time_limit=1)
    cls = make_class(tmp_path / "class", {"ann": {"activations.py": ACT, "neuron.py": NEURON},
                                          "dan": {"activations.py": WRONG_SIGN}})
    outputs = []
    for run in ("one", "two"):
        log = tmp_path / f"{run}.log"
        with open(log, "w") as stderr:
            proc = subprocess.run([sys.executable, "-m", "learnnn", "--course", str(course_path), "grade", str(cls),
                                   "--out", str(tmp_path / run), "--no-cache", "--format", "canvas,moodle,gradescope"],
                                  stdout=subprocess.PIPE, stderr=stderr, text=True, timeout=300)
        assert proc.returncode == 0, log.read_text()
        lines = log.read_text().splitlines()
        assert lines[0].startswith("graded 1/2 (") and lines[-1].startswith("graded 2/2 (")
        assert not any("\r" in line or "Grading" in line for line in lines)  # no progress bar in a log
        outputs.append(tmp_path / run)
    files = sorted(p.relative_to(outputs[0]) for p in outputs[0].rglob("*") if p.is_file())
    assert len(files) > 10
    for rel in files:  # the charts included
        assert (outputs[0] / rel).read_bytes() == (outputs[1] / rel).read_bytes(), rel


def test_files_graded_under_another_name_are_named(course):
    """Intake records what it graded as what (Submission.renamed); the note and the feedback say it."""
    from learnnn import gradebook

    exercises = {n: ExerciseGrade(10, 10, "passed", [TestOutcome("t", True, "", 1, 1)])
                 for n in course.exercises}
    result = SubmissionResult("lee", "graded", exercises)
    sub = SimpleNamespace(id="lee", files={"activations.py": b"x"}, digest="d", problem="", ignored=[],
                          renamed=["src/Activations.py -> activations.py"])
    reviews = review.review([result], [sub], course)
    assert "graded src/Activations.py -> activations.py" in gradebook.grades_csv([result], course, reviews)
    page = gradebook.feedback(result, reviews["lee"])
    assert "Files graded under another name: `src/Activations.py -> activations.py`." in page
