"""The learner CLI through click's CliRunner."""
import json
import shutil

import pytest
from click.testing import CliRunner

from learnnn import manifest, results
from learnnn.cli import app

from conftest import write_course


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture
def ws(tmp_path, runner):
    folder = tmp_path / "ws"
    result = runner.invoke(app, ["init", str(folder)])
    assert result.exit_code == 0, result.output
    return folder


def run(runner, *args, **kw):
    return runner.invoke(app, [str(a) for a in args], **kw)


def solve(ws, name):
    shutil.copy(manifest.data_dir("solutions") / f"{name}.py", ws / f"{name}.py")


def test_init_copies_every_stub_and_keeps_edits(tmp_path, runner, ws):
    names = sorted(p.name for p in ws.glob("*.py"))
    assert names == sorted(f"{n}.py" for n in manifest.load().exercises)
    assert (ws / ".learnnn").is_dir()
    (ws / "activations.py").write_text("# my work\n")
    result = run(runner, "init", ws)
    assert result.exit_code == 0
    assert "kept your edited activations.py" in result.output
    assert (ws / "activations.py").read_text() == "# my work\n"


def test_list_json(runner, ws):
    result = run(runner, "list", "--json", "--workspace", ws)
    assert result.exit_code == 0
    steps = json.loads(result.output)
    assert steps[0] == {"id": "01-intro", "kind": "lesson", "title": "What a neural network is", "done": False}
    assert {s["kind"] for s in steps} == {"lesson", "quiz", "exercise"}
    assert [s["id"] for s in steps if s["kind"] == "exercise"][:2] == ["activations", "neuron"]


def test_next_shows_lesson_then_quiz_then_exercise(runner, ws):
    first = run(runner, "next", "--workspace", ws)
    assert first.exit_code == 0 and "1. What a neural network is\n====" in first.output
    second = run(runner, "next", "--workspace", ws)
    assert "learnnn quiz 01-intro" in second.output


def test_next_names_the_file_and_command(runner, ws):
    progress = ws / ".learnnn" / "progress.json"
    progress.write_text(json.dumps({"lessons_read": ["01-intro", "02-activations"],  # a version 1 file: "max"
                                    "quizzes": {"01-intro": {"score": 5, "max": 5, "best": 5},
                                                "02-activations": {"score": 5, "max": 5, "best": 5}}}))
    result = run(runner, "next", "--workspace", ws)
    assert "activations.py" in result.output and "learnnn check activations" in result.output


def test_check_exit_codes_and_json(runner, ws):
    failing = run(runner, "check", "neuron", "--workspace", ws)
    assert failing.exit_code == 1
    assert "not implemented yet" in failing.output
    solve(ws, "neuron")
    passing = run(runner, "check", "neuron", "--json", "--workspace", ws)
    assert passing.exit_code == 0, passing.output
    data = json.loads(passing.output)
    assert set(data) >= {"version", "exercise", "passed", "score", "max_score", "metrics", "tests"}
    assert data["version"] == results.VERSION
    assert data["passed"] and data["score"] == data["max_score"] == len(data["tests"])
    assert set(data) == set(results.CheckResult("neuron").to_json())
    assert set(data["tests"][0]) == {"name", "passed", "kind", "message", "score", "max_score"}  # as in grades.json
    assert {t["kind"] for t in data["tests"]} == {"passed"}
    listed = json.loads(run(runner, "list", "--json", "--workspace", ws).output)
    assert next(s for s in listed if s["id"] == "neuron")["done"] is True


def test_unknown_exercise_suggests_the_right_one(runner, ws):
    result = run(runner, "check", "activation", "--workspace", ws)
    assert result.exit_code == 2
    assert "Did you mean 'activations'?" in result.output
    assert "Traceback" not in result.output


def test_missing_workspace_is_a_clear_error(runner, tmp_path, monkeypatch):
    result = run(runner, "check", "neuron", "--workspace", tmp_path / "nowhere")
    assert result.exit_code == 2 and "learnnn init" in result.output
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.chdir(empty)
    result = run(runner, "next")
    assert result.exit_code == 2 and "not a learnnn workspace" in result.output


def test_plain_folder_works_without_progress(runner, tmp_path):
    folder = tmp_path / "submission"
    folder.mkdir()
    solve(folder, "activations")
    result = run(runner, "check", "activations", "--workspace", folder)
    assert result.exit_code == 0
    assert not (folder / ".learnnn").exists()


def test_workspace_found_from_a_subfolder(runner, ws, monkeypatch):
    (ws / "notes").mkdir()
    monkeypatch.chdir(ws / "notes")
    result = run(runner, "check", "neuron")
    assert result.exit_code == 1 and "neuron.py" in result.output


def test_hints_come_one_at_a_time(runner, ws):
    hints = manifest.load().exercise("activations").hints
    outputs = [run(runner, "hint", "activations", "--workspace", ws).output for _ in range(len(hints) + 1)]
    for number, (hint, output) in enumerate(zip(hints, outputs), start=1):
        assert f"Hint {number} of {len(hints)}" in output and hint[:40] in output
    assert "last hint" in outputs[-1]


def test_reset_restores_stub_and_keeps_backup(runner, ws):
    (ws / "neuron.py").write_text("# my attempt\n")
    result = run(runner, "reset", "neuron", "--workspace", ws)
    assert result.exit_code == 0
    assert (ws / "neuron.py").read_bytes() == manifest.load().exercise("neuron").stub.read_bytes()
    backups = list((ws / ".learnnn" / "backups").glob("neuron-*.py"))
    assert len(backups) == 1 and backups[0].read_text() == "# my attempt\n"


def test_progress_shows_bar_and_lessons(runner, ws):
    solve(ws, "activations")
    run(runner, "check", "activations", "--workspace", ws)
    result = run(runner, "progress", "--workspace", ws)
    assert result.exit_code == 0
    assert "1/" in result.output and "02-activations" in result.output and "exercises 1/1" in result.output


def test_corrupt_progress_is_reported_and_set_aside(runner, ws):
    (ws / ".learnnn" / "progress.json").write_text("{not json")
    result = run(runner, "progress", "--workspace", ws)
    assert result.exit_code == 0
    assert "could not be read" in result.output
    assert list((ws / ".learnnn").glob("progress.corrupt-*.json"))


def test_no_color_means_no_escape_codes(runner, ws, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    result = runner.invoke(app, ["check", "neuron", "--workspace", str(ws)], color=True)
    assert "\x1b[" not in result.output


def test_broken_manifest_names_file_and_line(runner, tmp_path, ws):
    bad = write_course(tmp_path / "bad.yaml")
    bad.write_text(bad.read_text().replace("time_limit: 10", "time_limt: 10", 1))
    result = run(runner, "--course", bad, "list", "--workspace", ws)
    assert result.exit_code == 2
    assert f"{bad}:" in result.output and "unknown key 'time_limt'" in result.output and "time_limit" in result.output


@pytest.mark.parametrize("text,expected", [
    ("lessons: [", "not valid YAML"),
    ("title: x\nlessons:\n  - id: a\n    title: A\n    exercises:\n      - name: activations\n        title: t\n", "no 'hints'"),
    ("title: x\nlessons:\n  - id: a\n    title: A\n  - id: a\n    title: B\n", "used twice"),
    ("", "empty"),
])
def test_manifest_errors(tmp_path, text, expected):
    path = tmp_path / "course.yaml"
    path.write_text(text)
    with pytest.raises(manifest.ManifestError, match=expected) as info:
        manifest.load(path)
    assert str(path) in str(info.value)


def test_lesson_command_shows_a_lesson(runner, ws):
    result = run(runner, "lesson", "2", "--workspace", ws)
    assert result.exit_code == 0 and "2. Activation functions\n====" in result.output
    assert run(runner, "lesson", "99", "--workspace", ws).exit_code == 2


def test_python_dash_m_works(ws):
    import subprocess
    import sys
    out = subprocess.run([sys.executable, "-m", "learnnn", "list", "--json", "--workspace", str(ws)],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and json.loads(out.stdout)


def test_next_at_a_checkout_root_names_the_one_workspace_below(runner, tmp_path, monkeypatch):
    assert run(runner, "init", tmp_path / "my-course").exit_code == 0
    (tmp_path / "docs").mkdir()
    monkeypatch.chdir(tmp_path)
    result = run(runner, "next", env={"COLUMNS": "200"})
    assert result.exit_code == 2
    assert "your workspace is my-course/: cd my-course" in result.output and "learnnn init" not in result.output
    assert run(runner, "init", tmp_path / "other").exit_code == 0
    both = run(runner, "next", env={"COLUMNS": "200"})
    assert both.exit_code == 2 and "my-course/, other/" in both.output and "learnnn init" not in both.output


def test_list_shows_the_last_score_of_a_failed_quiz(runner, ws):
    from learnnn import progress, workspace
    found = workspace.find(manifest.load(), ws)
    state = progress.load(found)
    state.record_quiz("01-intro", 7, 10)
    progress.save(found, state)
    shown = run(runner, "list", "--workspace", ws).output.splitlines()
    line = next(line for line in shown if "quiz" in line and "01-intro" in line)
    assert line.startswith("[ ]") and line.endswith("(7/10, pass mark 8)")
    assert not any("pass mark" in other for other in shown if other != line)


def test_lone_surrogates_in_learner_text_are_shown_not_a_crash(ws):
    """A worker's JSON reply can carry "\\ud800": neither the terminal nor --json may meet it raw."""
    import subprocess
    import sys
    source = (manifest.data_dir("solutions") / "activations.py").read_text()
    (ws / "activations.py").write_text(source.replace(
        "def relu(", "def relu(z):\n    warnings.warn('w\\udfff')\n    raise ValueError('bad \\ud800 thing')\n\n\n"
                     "def _relu(", 1).replace("import numpy as np", "import warnings\n\nimport numpy as np", 1))
    for extra in ([], ["--json"]):
        out = subprocess.run([sys.executable, "-m", "learnnn", "check", "activations", "--workspace", str(ws), *extra],
                             capture_output=True, timeout=120, env={**__import__("os").environ, "PYTHONIOENCODING": ""})
        assert out.returncode == 1, out.stderr
        text = out.stdout.decode("utf-8")  # strict: every byte is valid UTF-8
        assert "internal error" not in text + out.stderr.decode("utf-8", "replace")
        assert ("bad \ufffd thing" if not extra else "bad \\ufffd thing") in text


def test_a_message_of_newlines_is_cut_to_a_screenful(runner, ws):
    from learnnn.plugin import MESSAGE_LINES

    source = (manifest.data_dir("solutions") / "activations.py").read_text()
    (ws / "activations.py").write_text(source.replace("def relu(", "def relu(z):\n    raise ValueError('x' + '\\n' * 50 + 'y\\nz\\n' * 300)"
                                                                   "\n\n\ndef _relu(", 1))
    result = run(runner, "check", "activations", "--json", "--workspace", ws)
    assert result.exit_code == 1
    messages = [t["message"] for t in json.loads(result.output)["tests"] if "ValueError" in t["message"]]
    assert messages and all(m.count("\n") <= MESSAGE_LINES for m in messages)
    assert not any("\n\n\n" in m for m in messages)  # a run of blank lines is shown as one
    assert any(m.endswith(" more lines)") for m in messages)
