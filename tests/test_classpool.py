"""Bulk grading's process pool: a watchdog in the parent, nothing left when it returns, reproducible files."""
import os
import signal
import sys
import tempfile

import pytest
import yaml
from click.testing import CliRunner

from learnnn import classpool, manifest, watchdog
from learnnn.intake import Submission
from learnnn.cli import app

from conftest import processes_under

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="the sandbox needs POSIX")

SOLUTIONS = manifest.data_dir("solutions")
ACT = (SOLUTIONS / "activations.py").read_text()
GRADCHECK = (SOLUTIONS / "gradient_check.py").read_text()


@pytest.fixture
def course(tmp_path):
    data = yaml.safe_load(manifest.MANIFEST.read_text())
    data["lessons"] = data["lessons"][1:2]  # activations only
    data["defaults"]["time_limit"] = 1
    path = tmp_path / "course.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return manifest.load(path)


@pytest.mark.slow
def test_the_parent_stops_a_wedged_grader_and_returns_only_when_all_is_gone(course, tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the run's folder, so we look only at our processes
    hangs = ACT.replace("def relu(z):\n", "def relu(z):\n    import time\n    time.sleep(60)\n", 1)
    honest = Submission("honest", files={"activations.py": ACT.encode()})
    wedged = Submission("wedged", files={"activations.py": hangs.encode()})
    # The grader process itself can't be trusted to stop: the only timer is the parent's hard limit.
    monkeypatch.setattr(classpool, "hard_limit", lambda sub, *a: 3 if b"sleep" in sub.files["activations.py"] else 120)
    seen = []
    results = classpool.grade_class([honest, wedged], course, jobs=2, on_result=seen.append)
    by_id = {r.id: r for r in results}
    assert by_id["honest"].status == "graded" and by_id["honest"].exercises["activations"].passed
    assert by_id["wedged"].status == "stopped" and by_id["wedged"].total == 0
    assert "did not finish within 3 s" in by_id["wedged"].note
    assert {t.kind for t in by_id["wedged"].exercises["activations"].tests} == {"timed_out"}
    assert sorted(r.id for r in seen) == ["honest", "wedged"]
    assert processes_under(tmp_path) == []
    assert not list(tmp_path.glob("learnnn-grade-run-*"))


def test_a_grader_stopped_by_a_signal_is_caught_by_the_parent(course, tmp_path, monkeypatch):
    """SIGSTOP freezes every thread of the grader process: only a watchdog outside it can notice."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    frozen = Submission("frozen", files={"activations.py": (ACT + "\n# frozen\n").encode()})
    monkeypatch.setattr(classpool, "hard_limit", lambda sub, *a: 2)
    monkeypatch.setattr(watchdog, "STARTUP_SECONDS", 0)  # frozen before it could say it was ready
    start = watchdog._start

    def start_then_freeze(folder):
        child = start(folder)
        os.kill(child.pid, signal.SIGSTOP)
        return child

    monkeypatch.setattr(watchdog, "_start", start_then_freeze)
    [result] = classpool.grade_class([frozen], course, jobs=1)
    assert result.status == "stopped" and result.total == 0 and "within 2 s" in result.note
    assert processes_under(tmp_path) == []


@pytest.mark.slow
def test_grading_with_one_or_two_jobs_writes_the_same_bytes(tmp_path):
    """Includes gradient_check, whose suite must draw every input from the per-test generator."""
    data = yaml.safe_load(manifest.MANIFEST.read_text())
    data["lessons"] = [lesson for lesson in data["lessons"] if lesson["id"] in ("02-activations", "08-gradient-check")]
    course_path = tmp_path / "course.yaml"
    course_path.write_text(yaml.safe_dump(data, sort_keys=False))
    cls = tmp_path / "class"
    modules = {
        "honest": {"activations.py": ACT, "gradient_check.py": GRADCHECK},
        "a_offset": {"gradient_check.py": GRADCHECK.replace("(f_plus - f_minus) / (2 * h)",
                                                               "(f_plus - f_minus) / (2 * h) + 1e-3")},
        "forward_difference": {"gradient_check.py": GRADCHECK.replace("(f_plus - f_minus) / (2 * h)",
                                                                      "(f_plus - f_minus) / h")},
        "stub": {"gradient_check.py": (manifest.data_dir("exercises") / "gradient_check.py").read_text()},
    }
    for learner, files in modules.items():
        (cls / learner).mkdir(parents=True)
        for name, text in files.items():
            (cls / learner / name).write_text(text)
    for jobs in (1, 2):
        result = CliRunner().invoke(app, ["--course", str(course_path), "grade", str(cls), "--out",
                                          str(tmp_path / f"out{jobs}"), "--jobs", str(jobs), "--no-cache"],
                                    catch_exceptions=False)
        assert result.exit_code == 0, result.output
    for rel in ("grades.csv", "grades.json", *(f"feedback/{learner}.md" for learner in modules)):
        assert (tmp_path / "out1" / rel).read_bytes() == (tmp_path / "out2" / rel).read_bytes(), rel
