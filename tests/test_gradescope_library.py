"""gradescope.write_results as a library: results.json for one submission, also when grading can't run."""
import json
import shutil
import sys

import pytest

from learnnn import gradescope, manifest
from learnnn.errors import LearnnnError

from conftest import write_course

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="the sandbox needs POSIX")


def test_a_broken_course_is_written_into_results_json_and_raised(tmp_path):
    (tmp_path / "course.yaml").write_text("lessons: [\n")
    (tmp_path / "sub").mkdir()
    out = tmp_path / "results" / "results.json"
    with pytest.raises(LearnnnError) as raised:
        gradescope.write_results(submission=tmp_path / "sub", out=out, course_file=tmp_path / "course.yaml")
    data = json.loads(out.read_text())
    assert data["score"] == 0 and str(raised.value) in data["output"]


def test_learnnns_own_failure_is_written_into_results_json_and_raised(tmp_path, monkeypatch):
    def broken(**kwargs):
        raise TypeError("a bug of ours")
    monkeypatch.setattr(gradescope, "grade_one", broken)
    (tmp_path / "sub").mkdir()
    out = tmp_path / "results.json"
    with pytest.raises(TypeError):
        gradescope.write_results(submission=tmp_path / "sub", out=out)
    data = json.loads(out.read_text())
    assert data["score"] == 0 and "learnnn failed to grade this submission (TypeError: a bug of ours)" in data["output"]


@pytest.mark.slow
def test_one_submission_is_graded_into_results_json(tmp_path):
    course = write_course(tmp_path / "course.yaml", lessons=2, time_budget=60)
    (tmp_path / "sub").mkdir()
    shutil.copy(manifest.data_dir("solutions") / "activations.py", tmp_path / "sub")
    out = tmp_path / "results.json"
    result, item = gradescope.write_results(submission=tmp_path / "sub", out=out, course_file=course)
    data = json.loads(out.read_text())
    assert item.status == "graded" and data["score"] == result.total > 0
    assert [t["name"] for t in data["tests"]][0] == "activations"
