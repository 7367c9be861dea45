"""`learnnn grade`: a class graded safely, exactly and repeatably.

The class is graded under a two-exercise course (activations, neuron) with a 1 s
time limit, so hanging code fails fast; one run serves most of the tests.
"""
import hashlib
import io
import json
import os
import signal
import stat
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from learnnn import manifest, quiz, submit, workspace
from learnnn.intake import Submission, discover
from learnnn.manifest import LearnnnError
from learnnn.check import run_checks
from learnnn.cli import app
from learnnn.grading import grade_submission
from learnnn.results import ExerciseGrade, QuestionResult, QuizResult, SubmissionResult, TestOutcome

from conftest import processes_under, settled, wait_for_worker_below, worker_processes, write_course

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="the sandbox needs POSIX")

ACT = (manifest.data_dir("solutions") / "activations.py").read_text()
NEURON = (manifest.data_dir("solutions") / "neuron.py").read_text()
STUB = (manifest.data_dir("exercises") / "activations.py").read_text()
BUGGY = ACT.replace("return np.maximum(0.0, _as_float(z))", "return _as_float(z)")  # relu forgets the 0
SUITE = manifest.PACKAGE / "suites" / "test_activations.py"
QUIZZES = ["01-intro", "02-activations", "03-neuron"]


def relu_does(body):
    return ACT.replace("def relu(z):\n", "def relu(z):\n" + body, 1)


def right_answers(lesson_id):
    """A sheet answering every question of a lesson's quiz correctly."""
    chosen = quiz.load(manifest.load().lesson(lesson_id))
    return {q.id: list(q.answer) if q.kind == "multiple" else q.answer for q in chosen.questions}


def write_zip(path, files, links=()):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
        for name, target in links:
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, target)
    return path


def zip_bytes(files):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue()


def learner(root, name, files):
    folder = root / name
    for rel, text in files.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(text)
    return folder


def tree_hash(folder):
    h = hashlib.sha256()
    for path in sorted(Path(folder).rglob("*")):
        h.update(str(path.relative_to(folder)).encode())
        if path.is_file() and not path.is_symlink():
            h.update(path.read_bytes())
    return h.hexdigest()


def grade_cli(course_path, *args):
    return CliRunner().invoke(app, ["--course", str(course_path), "grade", *map(str, args)], catch_exceptions=False)


@pytest.fixture(scope="module")
def course_path(tmp_path_factory):
    # A generous budget: these tests are about which tests a fault fails, not about the budget running out
    # on a busy machine (test_time_budget_stops_one_exercise_not_the_submission covers that).
    return write_course(tmp_path_factory.mktemp("course") / "course.yaml", lessons=3, time_limit=1, time_budget=60)


@pytest.fixture(scope="module")
def course(course_path):
    return manifest.load(course_path)


# ------------------------------------------------------------------ one class, graded once


@pytest.fixture(scope="module")
def klass(tmp_path_factory, course_path, course):
    root, run_tmp = tmp_path_factory.mktemp("grading"), tmp_path_factory.mktemp("grading-tmp")
    cls = root / "class"
    cls.mkdir()
    outside = root / "escaped.txt"
    # alice used `learnnn submit`: modules at the top of her zip, answers/02-activations.yaml beside them
    ws = learner(root, "alice-ws", {"activations.py": ACT, "neuron.py": NEURON,
                                    "answers/02-activations.yaml": yaml.safe_dump(right_answers("02-activations"))})
    submit.build(course=course, ws=workspace.Workspace(ws, False), out=cls / "alice.zip")
    # bob zipped his folder, so the modules sit one folder deep, beside macOS junk
    write_zip(cls / "bob.zip", {"bob/activations.py": ACT, "bob/neuron.py": NEURON, "bob/notes.txt": "hi",
                                "__MACOSX/bob/._activations.py": "junk"})
    learner(cls, "carol", {"activations.py": ACT, "neuron.py": NEURON, "notes.txt": "x"})
    learner(cls, "conftest", {"activations.py": STUB, "neuron.py": NEURON, "conftest.py": (
        "import pytest\n@pytest.hookimpl(hookwrapper=True)\ndef pytest_runtest_makereport(item, call):\n"
        "    outcome = yield\n    outcome.get_result().outcome = 'passed'\n"
        "def pytest_collection_modifyitems(items):\n    items.clear()\n")})
    learner(cls, "buggy", {"activations.py": BUGGY, "neuron.py": NEURON})
    learner(cls, "stub", {"activations.py": STUB, "neuron.py": NEURON})
    learner(cls, "incomplete", {"activations.py": ACT})
    learner(cls, "hang_import", {"activations.py": "while True:\n    pass\n" + ACT, "neuron.py": NEURON})
    learner(cls, "hang_relu", {"activations.py": relu_does("    import time\n    time.sleep(60)\n"),
                               "neuron.py": NEURON})
    learner(cls, "crash_import", {"activations.py": "import os\nos.abort()\n" + ACT, "neuron.py": NEURON})
    learner(cls, "exit_import", {"activations.py": "import os\nos._exit(0)\n" + ACT, "neuron.py": NEURON})
    forged = ("import sys, os\nprint('=== 60 passed in 0.01s ===')\n"
              "sys.__stdout__.write('60 passed\\n')\nos.write(2, b'PASSED\\n')\n")
    learner(cls, "forged", {"activations.py": forged + STUB, "neuron.py": NEURON})
    learner(cls, "fork", {"activations.py": relu_does("    import os\n    os.fork()\n"), "neuron.py": NEURON})
    learner(cls, "hog", {"activations.py": relu_does("    return np.ones(10**10).sum()\n"), "neuron.py": NEURON})
    learner(cls, "flood", {"activations.py": relu_does("    while True:\n        print('x' * 10000)\n"),
                           "neuron.py": NEURON})
    learner(cls, "escape", {"neuron.py": NEURON, "activations.py": f"""
import os as _os, socket as _socket
_allowed = []
for _name, _attempt in [("write", lambda: open({str(outside)!r}, "w").write("x")),
                        ("read suite", lambda: open({str(SUITE)!r}).read()),
                        ("network", lambda: _socket.create_connection(("127.0.0.1", 9), timeout=1)),
                        ("signal", lambda: _os.kill(_os.getppid(), 9))]:
    try:
        _attempt()
        _allowed.append(_name)
    except Exception:
        pass
""" + ACT.replace("def sigmoid(z):\n", "def sigmoid(z):\n    if _allowed:\n        return _allowed\n", 1)})
    # wedges its grader process: the worker swaps its output file for a pipe the grader then opens
    learner(cls, "fifo", {"activations.py": ACT.replace(
        "def sigmoid(z):\n", "def sigmoid(z):\n    import os\n    os.remove('output.txt')\n"
                             "    os.mkfifo('output.txt')\n    raise ValueError('x')\n", 1)})
    learner(cls, "empty", {"README.md": "I forgot"})
    write_zip(cls / "dotdot.zip", {"../activations.py": ACT})
    write_zip(cls / "bomb.zip", {"activations.py": ACT, "padding.bin": b"\0" * (20 * 2**20)})
    before = tree_hash(cls)
    started, saved = time.monotonic(), tempfile.tempdir
    tempfile.tempdir = str(run_tmp)  # the run's temp folder: the leak checks look there alone
    try:
        result = grade_cli(course_path, cls, "--out", root / "out", "--jobs", 2)
    finally:
        tempfile.tempdir = saved
    return {"root": root, "class": cls, "out": root / "out", "result": result, "seconds": time.monotonic() - started,
            "json": json.loads((root / "out" / "grades.json").read_text()), "before": before, "outside": outside,
            "tmp": run_tmp}


@pytest.fixture(scope="module")
def rows(klass):
    return {s["id"]: s for s in klass["json"]["submissions"]}


@pytest.fixture(scope="module")
def relu_tests(rows):
    return [t["name"] for t in rows["carol"]["exercises"]["activations"]["tests"]
            if "relu" in t["name"] and "leaky" not in t["name"] and "grad" not in t["name"]]


def score(row, exercise="activations"):
    return row["exercises"][exercise]["score"]


@pytest.mark.slow
def test_the_run_finishes_with_a_summary(klass):
    assert klass["result"].exit_code == 0, klass["result"].output
    assert "Graded 20 submissions" in klass["result"].output
    assert klass["seconds"] < 120


@pytest.mark.slow
def test_honest_submissions_get_full_marks(rows):
    for ident in ("alice", "bob", "carol", "escape"):
        row = rows[ident]
        assert row["status"] == "graded", ident
        for name, grade in row["exercises"].items():
            assert grade["score"] == grade["max_score"] > 0 and grade["passed"], (ident, name)
    sheet = rows["alice"]["quizzes"]["02-activations"]
    assert sheet["score"] == sheet["max_score"]
    assert rows["alice"]["quizzes"]["03-neuron"]["status"] == "missing"
    assert "notes.txt" in str(rows["bob"]["ignored"]) and rows["carol"]["ignored"] == ["notes.txt"]


@pytest.mark.slow
def test_each_submission_gets_exactly_the_points_it_earned(rows, relu_tests, klass, course):
    full = rows["carol"]["exercises"]["activations"]["max_score"]
    neuron_full = rows["carol"]["exercises"]["neuron"]["max_score"]
    oracle = run_checks(course=course, source_dir=klass["class"] / "buggy", exercises=["activations"])[0]
    assert 0 < score(rows["buggy"]) == round(full * oracle.score / oracle.max_score, 2) < full  # points split by test
    for ident in ("stub", "conftest", "hang_import", "crash_import", "exit_import", "forged"):
        assert score(rows[ident]) == 0, ident
        assert score(rows[ident], "neuron") == neuron_full, ident  # one exercise's faults cost only its points
    for ident in ("hang_relu", "fork", "hog", "flood"):
        failed = [t["name"] for t in rows[ident]["exercises"]["activations"]["tests"] if not t["passed"]]
        assert sorted(failed) == sorted(relu_tests), ident
        tests = len(rows[ident]["exercises"]["activations"]["tests"])
        assert score(rows[ident]) == round(full * (tests - len(relu_tests)) / tests, 2)
    assert rows["incomplete"]["status"] == "incomplete" and score(rows["incomplete"]) == full
    assert rows["incomplete"]["exercises"]["neuron"]["status"] == "missing"
    assert rows["empty"]["status"] == "empty" and rows["empty"]["total"] == 0


@pytest.mark.slow
def test_failures_explain_themselves(rows):
    def first(ident):
        return next(t["message"] for t in rows[ident]["exercises"]["activations"]["tests"] if not t["passed"])

    assert "importing your module did not finish within 1 s" in first("hang_import")
    assert "did not return within 1 s" in first("hang_relu")
    assert "died while importing" in first("crash_import")
    assert "does not allow os.fork" in first("fork")
    assert "ran out of memory" in first("hog")
    assert "not implemented yet" in first("stub")


@pytest.mark.slow
def test_a_fifo_in_place_of_the_output_file_blocks_nothing(rows):
    fifo = rows["fifo"]
    # mkfifo is gone from the worker and the grader reads output through its own handle
    assert fifo["status"] == "incomplete"  # neuron.py is missing; activations was graded in full
    sigmoid = [t for t in fifo["exercises"]["activations"]["tests"] if not t["passed"]]
    assert sigmoid and all("sigmoid" in t["name"] for t in sigmoid)
    assert 0 < score(fifo) < fifo["exercises"]["activations"]["max_score"]


@pytest.mark.slow
def test_bad_archives_are_rejected_rows_with_a_reason(rows, klass):
    assert rows["dotdot"]["status"] == rows["bomb"]["status"] == "rejected"
    assert "unsafe path" in rows["dotdot"]["note"] and "zip bomb" in rows["bomb"]["note"]
    assert rows["bomb"]["total"] == 0 and rows["bomb"]["max_score"] == rows["carol"]["max_score"]
    assert "zip bomb" in (klass["out"] / "feedback" / "bomb.md").read_text()


@pytest.mark.slow
def test_nothing_escapes_and_nothing_is_left_running(klass):
    assert not klass["outside"].exists()
    assert tree_hash(klass["class"]) == klass["before"]
    assert sorted(p.name for p in klass["root"].iterdir()) == ["alice-ws", "class", "out"]
    assert sorted(p.name for p in klass["out"].iterdir()) == [
        ".cache", "feedback", "grades.csv", "grades.json", "report"]
    assert processes_under(klass["tmp"]) == []  # grading returned only once all of it was gone
    assert list(klass["tmp"].iterdir()) == []


@pytest.mark.slow
def test_gradebook_files(klass, rows):
    out = klass["out"]
    lines = (out / "grades.csv").read_text().splitlines()
    assert lines[0] == ("id,original name,status,activations,activations status,neuron,neuron status,"
                        "quiz 01-intro,quiz 02-activations,quiz 03-neuron,total,max,note,needs attention")
    assert len(lines) == 21 and lines[1].startswith("alice,") and lines[1].split(",")[2] == "graded"
    alice = rows["alice"]
    assert set(alice) == {*SubmissionResult("x", "graded", {}).to_json(), "original_name", "attention"}
    assert set(alice["exercises"]["activations"]) == set(ExerciseGrade(0, 0, "failed").to_json())
    # the shapes `check --json` and `quiz --json` print
    assert set(alice["exercises"]["activations"]["tests"][0]) == set(TestOutcome("t", True, "", 1, 1).to_json())
    assert set(alice["quizzes"]["02-activations"]) == set(QuizResult("q").to_json())
    assert set(alice["quizzes"]["02-activations"]["questions"][0]) == set(QuestionResult("q", True).to_json())
    assert alice["total"] == sum(e["score"] for e in alice["exercises"].values()) + sum(
        q["score"] for q in alice["quizzes"].values())
    feedback = (out / "feedback" / "buggy.md").read_text()
    assert "test_relu_values" in feedback and "relu(z)" in feedback
    assert "conftest.py" in (out / "feedback" / "conftest.md").read_text()
    assert sorted(p.name for p in (out / "feedback").iterdir()) == sorted(f"{i}.md" for i in rows)
    report = out / "report"
    for png in ("scores.png", "exercises.png", "failing-tests.png"):
        assert (report / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert png in (report / "index.html").read_text()
    assert "test_relu_values" in (report / "index.md").read_text()


@pytest.mark.slow
def test_a_rerun_grades_nothing_again_and_writes_the_same_bytes(klass, course_path):
    out = klass["out"]
    before = {name: (out / name).read_bytes() for name in ("grades.csv", "grades.json")}
    result = grade_cli(course_path, klass["class"], "--out", out)
    assert result.exit_code == 0 and "(20 from the cache)" in result.output
    assert {name: (out / name).read_bytes() for name in before} == before


# ------------------------------------------------------------------ determinism, cache, interruption


@pytest.fixture
def small_class(tmp_path):
    cls = tmp_path / "class"
    learner(cls, "honest", {"activations.py": ACT, "neuron.py": NEURON,
                            "answers/02-activations.yaml": yaml.safe_dump(right_answers("02-activations"))})
    learner(cls, "buggy", {"activations.py": ACT.replace("keepdims=True", "keepdims=False"), "neuron.py": STUB})
    cls.joinpath("bad.zip").write_bytes(b"not a zip")
    return cls


@pytest.mark.slow
def test_grading_twice_from_scratch_gives_identical_files(small_class, course_path, tmp_path):
    for out in ("out1", "out2"):
        assert grade_cli(course_path, small_class, "--out", tmp_path / out, "--no-cache").exit_code == 0
    for rel in ("grades.csv", "grades.json", "feedback/honest.md", "feedback/buggy.md", "feedback/bad.md"):
        assert (tmp_path / "out1" / rel).read_bytes() == (tmp_path / "out2" / rel).read_bytes(), rel
    assert not (tmp_path / "out1" / ".cache").exists()


@pytest.mark.slow
def test_only_changed_submissions_are_regraded(small_class, course_path, tmp_path):
    out = tmp_path / "out"
    assert "(0 from the cache)" in grade_cli(course_path, small_class, "--out", out).output
    (small_class / "buggy" / "neuron.py").write_text(NEURON)
    (small_class / "honest" / "notes.txt").write_text("not graded, so not a change")
    result = grade_cli(course_path, small_class, "--out", out)
    assert "(2 from the cache)" in result.output
    assert len(list((out / ".cache").glob("*.json"))) == 3  # the old buggy result is pruned
    rows = {s["id"]: s for s in json.loads((out / "grades.json").read_text())["submissions"]}
    assert rows["buggy"]["exercises"]["neuron"]["passed"] and rows["honest"]["ignored"] == ["notes.txt"]


def own_run(tmp_path, course_path, cls, out):
    """`learnnn grade` in a process of its own, whose temp folder (so every process it starts) is tmp_path/tmp."""
    (tmp_path / "tmp").mkdir()
    cmd = [sys.executable, "-m", "learnnn", "--course", str(course_path), "grade", str(cls), "--out", str(out),
           "--jobs", "1"]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "TMPDIR": str(tmp_path / "tmp")})


def wait_for_cached(out, n, timeout=120):
    deadline = time.monotonic() + timeout
    while len(list((out / ".cache").glob("*.json"))) < n:
        assert time.monotonic() < deadline, f"fewer than {n} results were cached within {timeout} s"
        time.sleep(0.05)


@pytest.mark.slow
def test_an_interrupted_run_resumes_without_loss(tmp_path, course_path):
    cls = tmp_path / "class"
    learner(cls, "a", {"activations.py": ACT})
    learner(cls, "b", {"activations.py": ACT + "\n# b\n"})
    learner(cls, "c_slow", {"activations.py": relu_does("    import time\n    time.sleep(60)\n")})
    out = tmp_path / "out"
    proc = own_run(tmp_path, course_path, cls, out)
    wait_for_cached(out, 2)
    wait_for_worker_below(proc.pid)  # a and b are cached, so this worker runs c_slow's hanging relu
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "interrupted: 2 of 3" in err
    assert not (out / "grades.csv").exists() and not (out / "grades.json").exists()
    assert processes_under(tmp_path / "tmp") == []  # it returned only once all it started was gone
    (cls / "c_slow" / "activations.py").write_text(ACT + "\n# fixed\n")  # a changed file is graded afresh
    result = grade_cli(course_path, cls, "--out", out)
    assert "(2 from the cache)" in result.output
    assert len(json.loads((out / "grades.json").read_text())["submissions"]) == 3


@pytest.mark.slow
def test_a_killed_run_leaves_nothing_running(tmp_path, course_path):
    cls = tmp_path / "class"
    learner(cls, "a", {"activations.py": ACT})
    learner(cls, "b_slow", {"activations.py": relu_does("    import time\n    time.sleep(60)\n")})
    out = tmp_path / "out"
    proc = own_run(tmp_path, course_path, cls, out)
    wait_for_cached(out, 1)
    wait_for_worker_below(proc.pid)  # b_slow's worker, deep inside its hanging relu
    proc.kill()  # no chance to clean up: the grader processes must notice and stop themselves
    proc.communicate()
    assert settled(lambda: processes_under(tmp_path / "tmp")) == []


# ------------------------------------------------------------------ one submission, in this process


def test_time_budget_stops_one_exercise_not_the_submission(course):
    names = manifest.stub_functions(course.exercise("activations").stub)
    every_function_hangs = "\n".join(f"def {name}(*args, **kwargs):\n    while True:\n        pass\n" for name in names)
    sub = Submission("hangs", files={"activations.py": every_function_hangs.encode(), "neuron.py": NEURON.encode()})
    result = grade_submission(submission=sub, course=course, budget=2)
    activations, neuron = result.exercises["activations"], result.exercises["neuron"]
    assert activations.status == "stopped" and activations.score == 0
    kinds = [t.kind for t in activations.tests]
    assert kinds.count("timed_out") <= 1 and set(kinds) <= {"timed_out", "budget_exhausted"}, kinds
    assert any("time budget of 2 s" in t.message for t in activations.tests)
    assert neuron.passed and neuron.score == neuron.max_score
    assert result.status == "graded" and result.to_json()["id"] == "hangs"
    assert worker_processes() == []


def test_quiz_sheets_are_graded_and_bad_ones_explained(course):
    laughs = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n" for p, c in zip("abcdefgh", "bcdefghi"))
    sub = Submission("quizzes", files={
        "answers/02-activations.yaml": yaml.safe_dump(right_answers("02-activations")).encode(),
        "answers/03-neuron.yaml": laughs.encode(), "answers/01-intro.yaml": b"not: [valid"})
    result = grade_submission(submission=sub, course=course)
    assert result.quizzes["02-activations"].score == result.quizzes["02-activations"].max_score > 0
    assert result.quizzes["03-neuron"].score == 0 and "too large" in str(result.quizzes["03-neuron"].problems)
    assert result.quizzes["01-intro"].score == 0 and "not valid YAML" in str(result.quizzes["01-intro"].problems)
    assert result.status == "incomplete" and all(e.status == "missing" for e in result.exercises.values())


@pytest.mark.parametrize("attack", ["read_solution", "patch_realpath", "mkfifo", "symlink_out"])
def test_sandbox_gaps_that_are_closed(attack, course, tmp_path):
    target = tmp_path / "escaped"
    code = {
        "read_solution": f"_got = open({str(manifest.data_dir('solutions') / 'neuron.py')!r}).read()\n",
        "patch_realpath": "import os.path as _p, os as _o\n_p.realpath = lambda p, *a, **k: _o.getcwd() + '/x'\n"
                          f"open({str(target)!r}, 'w').write('x')\n",
        "mkfifo": f"import os as _o\n_o.mkfifo({str(target)!r})\n",
        "symlink_out": f"import os as _o\n_o.symlink({str(target)!r}, 'link')\nopen('link', 'w').write('x')\n",
    }[attack]
    attempt = "try:\n" + "".join(f"    {line}\n" for line in code.splitlines())
    attempt += "    _ESCAPED = True\nexcept Exception:\n    _ESCAPED = False\n"
    module = attempt + ACT.replace("def sigmoid(z):\n", "def sigmoid(z):\n    if _ESCAPED:\n        return 0\n", 1)
    result = grade_submission(submission=Submission("gap", files={"activations.py": module.encode()}), course=course)
    assert result.exercises["activations"].passed and not target.exists()


# ------------------------------------------------------------------ reading archives


@pytest.mark.parametrize("kind, reason", [
    ("dotdot", "unsafe path"), ("absolute", "unsafe path"), ("symlink", "symbolic link"),
    ("bomb", "zip bomb"), ("corrupt", "not a readable zip"),
])
def test_unsafe_archives_are_refused(tmp_path, course, kind, reason):
    path = tmp_path / f"{kind}.zip"
    if kind == "dotdot":
        write_zip(path, {"activations.py": ACT, "../../evil.py": "x"})
    elif kind == "absolute":
        write_zip(path, {"/tmp/evil.py": "x"})
    elif kind == "symlink":
        write_zip(path, {"activations.py": ACT}, links=[("neuron.py", str(manifest.data_dir("solutions")))])
    elif kind == "bomb":
        write_zip(path, {"activations.py": ACT, "zeros.bin": b"\0" * (5 * 2**20)})
    else:
        path.write_bytes(b"PK\x03\x04 not really a zip")
    learner(tmp_path / "class", "fine", {"activations.py": ACT})
    found = {s.id: s for s in discover([path, tmp_path / "class" / "fine"], course=course, quizzes=QUIZZES)}[kind]
    assert reason in found.problem and found.files == {}
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([path.name, "class"])  # nothing was extracted
    if kind != "symlink":  # the zip itself can't be read: as the only input, the instructor's problem, not a row
        with pytest.raises(LearnnnError, match=f"nothing to grade: {kind}.zip.*{reason}"):
            discover([path], course=course, quizzes=QUIZZES)


def test_a_symlink_in_a_folder_is_refused(tmp_path, course):
    learner(tmp_path / "class", "linky", {"neuron.py": NEURON})
    (tmp_path / "class" / "linky" / "activations.py").symlink_to(manifest.data_dir("solutions") / "activations.py")
    (found,) = discover([tmp_path / "class"], course=course, quizzes=QUIZZES).submissions
    assert "symbolic link" in found.problem and found.files == {}


def test_every_way_a_class_arrives(tmp_path, course):
    a, n = ACT.encode(), NEURON.encode()
    learners = {"ann": {"activations.py": a}, "ben": {"ben/neuron.py": n}}  # ben's zip has a folder inside
    write_zip(tmp_path / "class.zip", {f"{k}.zip": zip_bytes(v) for k, v in learners.items()})
    folder = tmp_path / "zips"
    folder.mkdir()
    for k, v in learners.items():
        write_zip(folder / f"{k}.zip", v)
    # an LMS download: a folder per learner, holding whatever they uploaded (here their submit zip)
    write_zip(tmp_path / "lms.zip", {"Ann Lee_1_file_/ann.zip": zip_bytes(learners["ann"]),
                                     "Ben Roe_2_file_/neuron.py": n, "Ben Roe_2_file_/report.pdf": "x"})
    write_zip(tmp_path / "wrapped.zip", {"week3/ann/activations.py": a, "week3/ben/neuron.py": n})
    for inputs, expected in [
        ([tmp_path / "class.zip"], {"ann": ["activations.py"], "ben": ["neuron.py"]}),
        ([folder], {"ann": ["activations.py"], "ben": ["neuron.py"]}),
        ([folder / "ben.zip"], {"ben": ["neuron.py"]}),
        ([tmp_path / "lms.zip"], {"Ann_Lee_1_file": ["activations.py"], "Ben_Roe_2_file": ["neuron.py"]}),
        ([folder / "ann.zip", folder / "ann.zip"], {"ann": ["activations.py"]}),  # one row, the copy set aside
        ([tmp_path / "wrapped.zip"], {"ann": ["activations.py"], "ben": ["neuron.py"]}),
    ]:
        found = discover(inputs, course=course, quizzes=QUIZZES).submissions
        assert {s.id: sorted(s.files) for s in found} == expected, inputs
    lms = discover([tmp_path / "lms.zip"], course=course, quizzes=QUIZZES).submissions
    assert lms[1].ignored == ["report.pdf"]


def test_the_output_folder_inside_the_class_folder_is_not_a_learner(tmp_path, course):
    learner(tmp_path / "class", "ann", {"activations.py": ACT})
    learner(tmp_path / "class", "out", {"activations.py": ACT})
    found = discover([tmp_path / "class"], course=course, quizzes=QUIZZES, skip=[tmp_path / "class" / "out"]).submissions
    assert [s.id for s in found] == ["ann"]


# ------------------------------------------------------------------ the command


def test_usage_errors(tmp_path, course_path):
    (tmp_path / "nothing").mkdir()
    result = grade_cli(course_path, tmp_path / "nothing", "--out", tmp_path / "out")
    assert result.exit_code == 2 and "no submissions found" in result.output
    broken = yaml.safe_load(course_path.read_text())
    broken["lessons"][1]["exercises"].append({"name": "no_such_suite", "title": "x", "hints": ["x"]})
    (tmp_path / "broken.yaml").write_text(yaml.safe_dump(broken))
    result = grade_cli(tmp_path / "broken.yaml", tmp_path / "nothing", "--out", tmp_path / "out")
    assert result.exit_code == 2 and "hidden suite for no_such_suite is missing" in result.output


def test_help_documents_the_statuses():
    result = CliRunner().invoke(app, ["grade", "--help"])
    assert result.exit_code == 0
    for status in ("graded", "incomplete", "empty", "rejected", "stopped", "error"):
        assert status in result.output


def test_terminal_escapes_a_learner_prints_never_reach_feedback(tmp_path, course_path):
    """What learner code prints or raises is quoted in feedback/<id>.md, which an instructor may `cat`: an OSC 8
    hyperlink or a screen clear must arrive as text, not as a terminal command."""
    from learnnn.printable import printable

    assert printable("a\x1b[2Jb\x07\x9b1m\r\n\tc\x00\x7f") == "a?[2Jb??1m\n\tc??"
    assert printable("evil\u202e)(lave\u2066x\u2028y\ud800") == "evil?)(lave?x?y\ufffd"  # bidi, separator, surrogate
    assert printable("a\u200bb\u200fc\ufeffd\u00a0é\u4e2d") == "a?b?c?d\u00a0é\u4e2d"  # zero-width, marks; spaces, letters
    hostile = ('    print("\\x1b]8;;https://evil.example\\x1b\\\\click\\x1b]8;;\\x1b\\\\ \\x1b[2J \\x9b31m \\x07 ok")\n'
               '    raise ValueError("\\x1b[2Jraised")\n')
    cls = tmp_path / "class"
    learner(cls, "eve", {"activations.py": relu_does(hostile), "neuron.py": NEURON})
    assert grade_cli(course_path, cls, "--out", tmp_path / "out", "--no-cache").exit_code == 0
    text = (tmp_path / "out" / "feedback" / "eve.md").read_text()
    assert "?]8;;https://evil.example?\\click?]8;;?\\ ?[2J ?31m ? ok" in text  # what it printed, defused
    assert "?[2Jraised" in text
    assert not any(c in text for c in "\x1b\x07\x9b\r")
