"""Exports an LMS imports, per-exercise statuses and weights, through `learnnn grade`.

One small class is graded once (session fixture, shared with test_report.py)
under a two-exercise course with a 1 s time limit.
"""
import csv
import dataclasses
import io
import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from click.testing import CliRunner

from learnnn import exports, manifest
from learnnn.cli import app

from conftest import write_course

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="the sandbox needs POSIX")

ACT = (manifest.data_dir("solutions") / "activations.py").read_text()
NEURON = (manifest.data_dir("solutions") / "neuron.py").read_text()
STUB = (manifest.data_dir("exercises") / "activations.py").read_text()
SIGMOID = "np.exp(-np.logaddexp(0.0, -_as_float(z)))"
WRONG_SIGN = ACT.replace(SIGMOID, "np.exp(-np.logaddexp(0.0, _as_float(z)))")  # sigmoid(-z)
CLASS = {
    "ann": {"activations.py": ACT, "neuron.py": NEURON},
    "bob": {"activations.py": ACT, "neuron.py": NEURON},  # the same files as ann
    "cat": {"activations.py": STUB, "neuron.py": NEURON},  # never touched activations
    "dan": {"activations.py": WRONG_SIGN},  # a wrong-sign sigmoid, and no neuron.py
    "eve": {"activations.txt": ACT, "neuron.py": NEURON},  # saved under the wrong extension
    "hang": {"activations.py": "while True:\n    pass\n", "neuron.py": NEURON},  # importing never finishes
    "syn": {"activations.py": ACT.replace("def relu(z):", "def relu(z)"), "neuron.py": NEURON},
    "empty": {"README.md": "I forgot"},
}


def grade_cli(course_path, *args):
    return CliRunner().invoke(app, ["--course", str(course_path), "grade", *map(str, args)], catch_exceptions=False)


def make_class(root, learners):
    for name, files in learners.items():
        for rel, text in files.items():
            (root / name / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / name / rel).write_text(text)
    return root


def read_csv(path):
    return list(csv.reader(io.StringIO(path.read_text())))


@pytest.fixture(scope="session")
def graded(tmp_path_factory):
    """The class graded once with every export; returns paths, the CLI result and the rows of grades.json."""
    root = tmp_path_factory.mktemp("exports")
    course_path = write_course(root / "course.yaml", lessons=3, time_limit=1)
    cls = make_class(root / "class", CLASS)
    (cls / "bad.zip").write_bytes(b"not a zip")
    result = grade_cli(course_path, cls, "--out", root / "out", "--format", "canvas,moodle", "--format", "gradescope",
                       "--jobs", 2)
    rows = {s["id"]: s for s in json.loads((root / "out" / "grades.json").read_text())["submissions"]}
    return SimpleNamespace(root=root, course_path=course_path, cls=cls, out=root / "out", result=result, rows=rows,
                           course=manifest.load(course_path))


def test_the_run_writes_every_export(graded):
    assert graded.result.exit_code == 0, graded.result.output
    for name in ("grades.csv", "canvas.csv", "moodle.csv"):
        assert (graded.out / name).is_file(), name
    assert sorted(p.name for p in (graded.out / "gradescope").iterdir()) == sorted(graded.rows)


def dan_activations(graded):
    """dan's activations score as grades.json has it, written as the exports write it (e.g. 9.07)."""
    return f'{graded.rows["dan"]["exercises"]["activations"]["score"]:g}'


def test_canvas_csv_has_canvas_import_columns(graded):
    rows = read_csv(graded.out / "canvas.csv")
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", graded.course.title, "Notes"]
    assert rows[1][0] == "Points Possible" and rows[1][5] == str(graded.rows["ann"]["max_score"])
    dan = next(r for r in rows if r[0] == "dan")
    assert dan[5] == str(graded.rows["dan"]["total"])
    assert f"activations {dan_activations(graded)}/10 failed" in dan[6] and "neuron 0/10 missing" in dan[6]


def test_moodle_csv_maps_identifiers_grade_and_feedback(graded):
    rows = read_csv(graded.out / "moodle.csv")
    assert rows[0] == ["Full name", "Email address", "ID number", "Username", graded.course.title, "Feedback", "Status",
                       "activations points", "activations status", "neuron points", "neuron status"]
    cat = next(r for r in rows if r[0] == "cat")
    assert cat[3] == "cat" and cat[4] == "10" and cat[7:] == ["0", "stub", "10", "passed"]


def test_gradescope_results_json(graded):
    data = json.loads((graded.out / "gradescope" / "dan" / "results.json").read_text())
    assert data["score"] == graded.rows["dan"]["total"] and "execution_time" not in data
    tests = {t["name"]: t for t in data["tests"]}
    assert set(tests["activations"]) == {"name", "score", "max_score", "status", "output", "visibility"}
    assert (tests["activations"]["score"], tests["activations"]["max_score"]) == (float(dan_activations(graded)), 10)
    assert tests["activations"]["status"] == "failed" and "Status: failed." in tests["activations"]["output"]
    assert "test_sigmoid_values" in tests["activations"]["output"]
    assert tests["neuron"]["output"].startswith("Status: missing.")
    assert sum(t["score"] for t in data["tests"]) == data["score"]


def test_grades_csv_shows_each_exercise_status_beside_its_points(graded):
    rows = read_csv(graded.out / "grades.csv")
    assert rows[0][:7] == ["id", "original name", "status", "activations", "activations status", "neuron",
                           "neuron status"]
    by_id = {r[0]: r for r in rows[1:]}
    assert by_id["dan"][2:7] == ["incomplete", dan_activations(graded), "failed", "0", "missing"]
    assert by_id["cat"][3:5] == ["0", "stub"]
    assert len(rows) == 1 + len(graded.rows)


def test_hung_code_is_never_plain_graded(graded):
    if "kind" not in graded.rows["hang"]["exercises"]["activations"]["tests"][0]:
        pytest.skip("this engine does not record outcome kinds yet (learnnn.outcomes)")
    by_id = {r[0]: r for r in read_csv(graded.out / "grades.csv")[1:]}
    assert by_id["hang"][2:5] == ["timed_out", "0", "timed_out"]
    assert graded.rows["hang"]["status"] == "timed_out"


def test_manifest_points_split_across_tests(graded):
    """Every exercise is worth the manifest's 10 points; a wrong-sign sigmoid costs its share of activations."""
    dan = graded.rows["dan"]["exercises"]["activations"]
    passed = sum(t["passed"] for t in dan["tests"])
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    stated = float(re.search(r"a wrong-sign sigmoid\s+scores ([\d.]+) of activations' 10 points", readme)[1])
    assert dan["max_score"] == 10 and dan["score"] == round(10 * passed / len(dan["tests"]), 2) == stated  # as README says
    ann = graded.rows["ann"]
    assert [e["score"] for e in ann["exercises"].values()] == [10, 10]
    assert ann["total"] == 20 + sum(q["score"] for q in ann["quizzes"].values())
    assert ann["max_score"] == 20 + sum(q["max_score"] for q in ann["quizzes"].values())


@pytest.mark.parametrize("kind", ["yaml", "csv"])
def test_weights_file_overrides_the_manifest_without_grading_again(graded, tmp_path, kind):
    weights = tmp_path / f"weights.{kind}"
    entries = {"activations": 30, "neuron": 0, "quizzes": 0, "quiz 02": 5}  # every quiz 0 points, but lesson 02's 5
    weights.write_text("".join(f"{k}: {v}\n" for k, v in entries.items()) if kind == "yaml" else
                       "exercise,points\n" + "".join(f"{k},{v}\n" for k, v in entries.items()))
    out = tmp_path / "out"
    shutil.copytree(graded.out / ".cache", out / ".cache")  # points are applied after the cache: nothing is regraded
    result = grade_cli(graded.course_path, graded.cls, "--out", out, "--weights", weights, "--format", "canvas")
    assert result.exit_code == 0 and f"({len(graded.rows)} from the cache)" in result.output, result.output
    rows = {s["id"]: s for s in json.loads((out / "grades.json").read_text())["submissions"]}
    dan = rows["dan"]["exercises"]["activations"]
    expected = round(30 * sum(t["passed"] for t in dan["tests"]) / len(dan["tests"]), 2)
    assert dan["score"] == expected and 25 < expected < 30  # the 10-point score tripled, not regraded
    ann = rows["ann"]["exercises"]
    assert ann["activations"]["max_score"] == 30 and ann["neuron"]["max_score"] == 0
    assert {q: g["max_score"] for q, g in rows["ann"]["quizzes"].items()} == {"01-intro": 0, "02-activations": 5,
                                                                       "03-neuron": 0}
    assert rows["ann"]["max_score"] == 35 and rows["ann"]["total"] == 30
    canvas = {r[0]: r for r in read_csv(out / "canvas.csv")}
    assert canvas["dan"][5] == f"{expected:g}"


@pytest.mark.parametrize("content, message", [
    ("activatons: 5\n", "Did you mean 'activations'"),
    ("activations: lots\n", "should be a number >= 0"),
    ("- activations\n", "should map exercise names to points"),
])
def test_a_bad_weights_file_is_a_clear_usage_error(graded, tmp_path, content, message):
    weights = tmp_path / "weights.yaml"
    weights.write_text(content)
    result = grade_cli(graded.course_path, graded.cls, "--out", tmp_path / "out", "--weights", weights)
    assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_an_unknown_format_is_a_usage_error(graded, tmp_path):
    result = grade_cli(graded.course_path, graded.cls, "--out", tmp_path / "out", "--format", "canvas,blackbored")
    assert result.exit_code == 2 and "'blackbored' is not one of canvas, moodle, gradescope" in result.output


def test_a_rerun_writes_the_same_bytes_everywhere(graded):
    files = ["grades.csv", "grades.json", "canvas.csv", "moodle.csv", "report/index.md", "report/index.html",
             *(f"gradescope/{i}/results.json" for i in graded.rows), *(f"feedback/{i}.md" for i in graded.rows)]
    before = {f: (graded.out / f).read_bytes() for f in files}
    result = grade_cli(graded.course_path, graded.cls, "--out", graded.out, "--format", "canvas,moodle,gradescope")
    assert result.exit_code == 0 and f"({len(graded.rows)} from the cache)" in result.output
    assert {f: (graded.out / f).read_bytes() for f in files} == before


def test_identity_columns_come_from_the_roster():
    learner = SimpleNamespace(id="lee_123", original_name="lee_123_4567_activations", lms_id="123",
                              roster={"Student": "Lee, Ann", "ID": "123", "SIS User ID": "s-9", "SIS Login ID": "alee",
                                      "Section": "A", "Email address": "ann@example.org"})
    result = SimpleNamespace(id="lee_123", total=20, max_score=20, exercises={})
    review = SimpleNamespace(status="graded", exercises={})
    people = {"lee_123": exports.person(learner)}
    canvas = read_csv_text(exports.canvas_csv([result], {"lee_123": review}, people, assignment="NN (42)"))
    assert canvas[2][:6] == ["Lee, Ann", "123", "s-9", "alee", "A", "20"]
    moodle = read_csv_text(exports.moodle_csv([result], {"lee_123": review}, people, assignment="NN", exercises=[]))
    assert moodle[1][:5] == ["Lee, Ann", "ann@example.org", "", "", "20"]
    moodle_roster = exports.person(SimpleNamespace(id="zoe", roster={"First name": "Zoë", "Last name": "Roe",
                                                                      "ID number": "77"}))
    assert (moodle_roster.get("name"), moodle_roster.get("idnumber")) == ("Zoë Roe", "77")
    folder = exports.person(SimpleNamespace(id="Ann_Lee_12345", original_name="Ann Lee_12345_assignsubmission_file_"))
    result = SimpleNamespace(id="Ann_Lee_12345", total=20, max_score=20, exercises={})
    moodle = read_csv_text(exports.moodle_csv([result], {"Ann_Lee_12345": review}, {"Ann_Lee_12345": folder},
                                              assignment="NN", exercises=[]))
    assert moodle[1][0] == "Ann Lee"  # without a roster, the name in Moodle's folder name
    bare = exports.person(SimpleNamespace(id="=cmd", files={}))
    assert read_csv_text(exports.canvas_csv([SimpleNamespace(id="=cmd", total=0, max_score=0, exercises={})],
                                            {"=cmd": review}, {"=cmd": bare}, assignment="NN"))[2][0] == "'=cmd"


def read_csv_text(text):
    return list(csv.reader(io.StringIO(text)))


# ------------------------------------------------------------------ learnnn as a Gradescope autograder


def test_the_gradescope_bundle_holds_what_gradescope_runs(graded, tmp_path):
    weights = tmp_path / "w.yaml"
    weights.write_text("activations: 15\n")
    zips = []
    for run in ("one", "two"):
        result = CliRunner().invoke(app, ["--course", str(graded.course_path), "gradescope", "autograder",
                                          "--out", str(tmp_path / run), "--weights", str(weights)])
        assert result.exit_code == 0, result.output
        zips.append((tmp_path / run / "autograder.zip").read_bytes())
    assert zips[0] == zips[1]
    with zipfile.ZipFile(io.BytesIO(zips[0])) as zf:
        names = set(zf.namelist())
        run = zf.read("run_autograder").decode()
        mode = zf.getinfo("run_autograder").external_attr >> 16
    assert names == {"setup.sh", "run_autograder", "README.txt", "course.yaml", "weights.yaml"}
    assert mode & 0o111 and "gradescope results /autograder/submission" in run
    assert "--out /autograder/results/results.json --weights /autograder/source/weights.yaml" in run
    assert "--course /autograder/source/course.yaml" in run
    for script in ("setup.sh", "run_autograder"):
        assert subprocess.run(["bash", "-n", str(tmp_path / "one" / script)]).returncode == 0
    quizzes = sum(q["max_score"] for q in graded.rows["ann"]["quizzes"].values())
    assert f"Set the assignment's points to {15 + 10 + quizzes}." in result.output


def test_gradescope_results_grades_one_submission(graded, tmp_path):
    out = tmp_path / "results" / "results.json"
    result = CliRunner().invoke(app, ["--course", str(graded.course_path), "gradescope", "results",
                                      str(graded.cls / "dan"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert data["score"] == graded.rows["dan"]["total"] and isinstance(data["execution_time"], int)
    assert [t["name"] for t in data["tests"]][:2] == ["activations", "neuron"]
    bad = tmp_path / "bad.yaml"
    bad.write_text("activations: -1\n")
    result = CliRunner().invoke(app, ["--course", str(graded.course_path), "gradescope", "results",
                                      str(graded.cls / "dan"), "--out", str(out), "--weights", str(bad)])
    assert result.exit_code == 2 and "should be a number >= 0" in result.output
    assert "should be a number >= 0" in json.loads(out.read_text())["output"]  # Gradescope shows why


def test_points_round_to_cents_and_totals_add_up():
    from learnnn import weights
    from learnnn.results import ExerciseGrade, QuestionResult, QuizResult, SubmissionResult, TestOutcome

    three = [TestOutcome(n, p, "", int(p), 1) for n, p in (("a", True), ("b", False), ("c", False))]
    marked = [TestOutcome("big", True, "", 3, 3), TestOutcome("small", False, "", 0, 1)]  # max_score: the weight
    answers = [QuestionResult(q, right) for q, right in (("q1", True), ("q2", True), ("q3", False))]
    result = SubmissionResult("x", "graded", {"one": ExerciseGrade(1, 3, "failed", three),
                                              "two": ExerciseGrade(3, 4, "failed", marked)},
                              {"01-intro": QuizResult("01-intro", answers)})
    assert result.quizzes["01-intro"].score == 2 and result.quizzes["01-intro"].max_score == 3
    scored = weights.apply(result, weights.Points({"one": 10, "two": 10}, {"01-intro": 5}))
    assert [e.score for e in scored.exercises.values()] == [3.33, 7.5]
    assert scored.quizzes["01-intro"].score == 3.33 and scored.quizzes["01-intro"].max_score == 5
    assert scored.total == 3.33 + 7.5 + 3.33 == 14.16 and scored.max_score == 25
    full = weights.apply(result, weights.Points({"one": 10, "two": 10}))
    assert weights.earned(10, [dataclasses.replace(t, passed=True) for t in three]) == 10  # a full pass is exactly the points
    assert full.quizzes["01-intro"].max_score == 3  # without a quiz weight: 1 point per question


def test_manifest_points_default_and_per_exercise(tmp_path):
    from learnnn import weights

    real = manifest.load()
    assert {n: e.points for n, e in real.exercises.items()} == {
        **{n: 10 for n in real.exercises}, "iris": 20, "digits": 20}  # the defaults README states
    data = yaml.safe_load(manifest.MANIFEST.read_text())
    data["lessons"] = data["lessons"][:3]
    data["defaults"]["points"] = 4
    data["lessons"][1]["exercises"][0]["points"] = 2.5
    (tmp_path / "course.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    course = manifest.load(tmp_path / "course.yaml")
    assert weights.resolve(course).exercises == {"activations": 2.5, "neuron": 4}
    assert weights.resolve(course, {"neuron": 0}).exercises == {"activations": 2.5, "neuron": 0}
