"""A warm grading child grades submission after submission: the same bytes as a fresh child per submission,
nothing of one submission left for the next, and a fresh child after any fault."""
import os
import sys
import tempfile
import threading

import pytest
from click.testing import CliRunner

from learnnn import classpool, gradechild, manifest, watchdog
from learnnn.check import SUITES, run_checks
from learnnn.cli import app
from learnnn.intake import Submission

from conftest import processes_under, settled, write_course

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="the sandbox needs POSIX")

SOLUTIONS = manifest.data_dir("solutions")
ACT = (SOLUTIONS / "activations.py").read_text()
NEURON = (SOLUTIONS / "neuron.py").read_text()
STUB = (manifest.data_dir("exercises") / "neuron.py").read_text()
HANGS = ACT.replace("def relu(z):\n", "def relu(z):\n    import time\n    time.sleep(60)\n", 1)


@pytest.fixture
def starts(monkeypatch):
    """The PIDs of the grading children started, in order."""
    started, start = [], watchdog._start

    def counted(folder):
        child = start(folder)
        started.append(child.pid)
        return child

    monkeypatch.setattr(watchdog, "_start", counted)
    return started


@pytest.fixture
def own_tmp(tmp_path, monkeypatch):
    """The run's temp folder (and so every grading child's and worker's) lies in this test's folder."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


@pytest.mark.slow
def test_a_warm_child_writes_the_same_files_as_a_fresh_child_per_submission(tmp_path, monkeypatch, starts, own_tmp):
    course = write_course(tmp_path / "course.yaml", lessons=3, time_limit=1, time_budget=60)
    learners = {
        "honest": {"activations.py": ACT, "neuron.py": NEURON},
        "buggy": {"activations.py": ACT.replace("keepdims=True", "keepdims=False"), "neuron.py": STUB},
        "crash": {"activations.py": "import os\nos.abort()\n", "neuron.py": NEURON},
        "hangs": {"activations.py": HANGS, "neuron.py": NEURON},  # its worker times out; the child is unharmed
        "incomplete": {"neuron.py": NEURON},
    }
    for name, files in learners.items():
        (tmp_path / "class" / name).mkdir(parents=True)
        for file, text in files.items():
            (tmp_path / "class" / name / file).write_text(text)
    outs, children = {}, {}
    for mode, switch in (("warm", None), ("fresh", "1")):
        if switch:
            monkeypatch.setenv(watchdog.FRESH, switch)
        before = len(starts)
        outs[mode] = tmp_path / mode
        result = CliRunner().invoke(app, ["--course", str(course), "grade", str(tmp_path / "class"), "--out",
                                          str(outs[mode]), "--no-cache", "--jobs", "1"], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        children[mode] = len(starts) - before
    assert children == {"warm": 1, "fresh": len(learners)}
    # report/ ranks the submissions by wall-clock seconds, which differ between any two runs
    files = sorted(p.relative_to(outs["warm"]) for p in outs["warm"].rglob("*")
                   if p.is_file() and p.relative_to(outs["warm"]).parts[0] != "report")
    assert {"grades.csv", "grades.json", *(f"feedback/{name}.md" for name in learners)} <= {str(f) for f in files}
    for rel in files:
        assert (outs["warm"] / rel).read_bytes() == (outs["fresh"] / rel).read_bytes(), rel
    assert processes_under(own_tmp) == [] and list(own_tmp.iterdir()) == []


@pytest.mark.slow
def test_after_a_hard_limit_the_next_submission_gets_a_fresh_child(small_course, monkeypatch, starts, own_tmp):
    subs = [Submission("honest", files={"activations.py": ACT.encode()}),
            Submission("wedged", files={"activations.py": HANGS.encode()}),
            Submission("after", files={"activations.py": (ACT + "# after\n").encode()})]
    monkeypatch.setattr(classpool, "hard_limit", lambda sub, *a: 3 if b"sleep" in sub.files["activations.py"] else 120)
    results = {r.id: r for r in classpool.grade_class(subs, small_course, jobs=1)}
    assert results["wedged"].status == "stopped" and "did not finish within 3 s" in results["wedged"].note
    assert results["honest"].exercises["activations"].passed and results["after"].exercises["activations"].passed
    assert len(starts) == 2  # honest and wedged shared one child; it was killed with wedged
    assert processes_under(own_tmp) == [] and list(own_tmp.iterdir()) == []


def test_each_job_has_a_folder_of_its_own_and_nothing_of_it_outlives_it(small_course, own_tmp):
    children = watchdog.Children(str(own_tmp))
    sub = Submission("", files={"activations.py": ACT.encode()})
    try:
        with children.child() as child:
            first = child.grade((sub, small_course, None, False), 120)
            assert first.kind == "ok" and child.reusable
            # the child lives on, in its own folder; the job's folder, its workers and temp files are gone
            assert processes_under(own_tmp) == [child.proc.pid]
            assert os.listdir(child.folder) == []
            assert os.readlink(f"/proc/{child.proc.pid}/cwd") == child.folder
            second = child.grade((sub, small_course, None, False), 120)
        assert second.kind == "ok" and second.result.to_json() == first.result.to_json()
    finally:
        children.close()
    assert processes_under(own_tmp) == [] and list(own_tmp.iterdir()) == []


def test_a_changed_environment_or_a_closed_pool_means_a_new_child(small_course, own_tmp, monkeypatch, starts):
    children = watchdog.Children(str(own_tmp))
    job = (Submission("", files={}), small_course, None, False)
    try:
        for _ in range(2):
            with children.child() as child:
                assert child.grade(job, 120).kind == "ok"
        monkeypatch.setenv("LEARNNN_SIMULATE_MISSING", "userns")  # what the child inherited no longer holds
        for _ in range(2):
            with children.child() as child:
                assert child.grade(job, 120).kind == "ok"
                # on the process-only tier learner code runs as this user: no child grades a second submission
                assert not child.reusable
        assert len(starts) == 3
    finally:
        children.close()
    assert processes_under(own_tmp) == []


def test_an_idle_shared_child_stops_by_itself(small_course, own_tmp):
    children = watchdog.Children(str(own_tmp), idle=0.1)  # a Dask worker's, between runs
    with children.child() as child:
        assert child.grade((Submission("", files={}), small_course, None, False), 120).kind == "ok"
    assert not settled(lambda: processes_under(own_tmp) or list(own_tmp.iterdir()))


def test_the_child_puts_back_what_a_job_changed(small_course, solution_copy, tmp_path, monkeypatch):
    """In this process, as in the child: a job's suites, reference modules, environment and temp folder."""
    monkeypatch.setenv("LEARNNN_UNTOUCHED", "1")  # monkeypatch puts the environment back after the test too
    state = gradechild._State([str(SUITES) + os.sep, str(SOLUTIONS) + os.sep])
    environ, tempdir = dict(os.environ), tempfile.tempdir
    job = tmp_path / "job"
    job.mkdir()
    os.environ["TMPDIR"] = tempfile.tempdir = str(job)
    [result] = run_checks(course=small_course, source_dir=solution_copy("activations"), exercises=["activations"])
    assert result.passed
    suites = [name for name, m in sys.modules.items() if str(getattr(m, "__file__", "")).startswith(str(SUITES))]
    assert suites and "activations" in sys.modules  # the suite, and the reference it compares against
    assert state.restore(str(job))
    assert not [name for name, m in sys.modules.items()
                if str(getattr(m, "__file__", "")).startswith((str(SUITES), str(SOLUTIONS)))]
    assert dict(os.environ) == environ and tempfile.tempdir == tempdir
    stop = threading.Event()
    lingering = threading.Thread(target=stop.wait)
    lingering.start()
    try:
        assert not state.restore(str(job))  # a thread a job left running: the child can't vouch for itself
    finally:
        stop.set()
        lingering.join()


def test_missing_exercises_cost_one_session_once_per_process(small_course, monkeypatch):
    from learnnn import check, grading

    monkeypatch.setattr(grading, "_NOTHING", {})
    sessions, run = [], check.run_checks

    def counted(**kwargs):
        sessions.append(kwargs["exercises"])
        return run(**kwargs)

    monkeypatch.setattr(check, "run_checks", counted)
    empty = Submission("", files={})
    first = grading.grade_submission(submission=empty, course=small_course)
    second = grading.grade_submission(submission=empty, course=small_course)
    assert sessions == [["activations", "neuron"]]  # both suites run on nothing in one session, the first time only
    assert first.to_json() == second.to_json() and first.exercises["neuron"].status == "missing"
    assert first.exercises["neuron"].max_score > 0 and first.exercises["neuron"].tests[0].kind.value == "missing"
