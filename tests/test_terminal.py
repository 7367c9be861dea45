"""The learner's terminal, driven through a pseudo-terminal: the interactive quiz asks again instead
of scoring what it can't read, lessons go through the pager wrapped to the width, and `watch` names
the running test and stops at the first call that times out."""
import json
import re
import signal
import subprocess
import sys

import pytest
from click.testing import CliRunner

from learnnn import lessonview, manifest, quiz
from learnnn.cli import app

from conftest import write_course
from test_watch import Terminal, child_env

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
COURSE = manifest.load()


@pytest.fixture
def course_file(tmp_path):
    return write_course(tmp_path / "course.yaml", time_limit=1)  # activations and neuron; hangs fail fast


@pytest.fixture
def ws(tmp_path, course_file):
    root = tmp_path / "ws"
    assert CliRunner().invoke(app, ["init", str(root)], env={"LEARNNN_COURSE": str(course_file)}).exit_code == 0
    return root


@pytest.fixture
def term(course_file):
    opened = []

    def start(*args, **env):
        opened.append(Terminal(list(args), {**child_env(course_file), **env}))
        return opened[-1]

    yield start
    for t in opened:
        t.close()


def wrong(question):
    if question.kind in ("single", "multiple"):
        return next(letter for letter in quiz.LETTERS[:len(question.choices)] if letter not in question.answer)
    return "12345" if question.kind == "numeric" else "no idea"


def test_quiz_asks_again_states_the_pass_mark_and_says_how_to_retake(ws, term):
    loaded = quiz.load(COURSE.lesson("01-intro"))
    count, need = len(loaded.questions), -(-len(loaded.questions) * 4 // 5)
    t = term("quiz", "01-intro", "--workspace", str(ws), COLUMNS="200")
    t.expect(rf"{count} questions; you pass with {need} right, 80%")
    for number, question in enumerate(loaded.questions, start=1):
        t.expect(rf"Question {number} of {count}")
        t.expect(r"Your answer")
        if number == 1:
            t.send("\n")
            t.expect(r"no answer given\. Try again\.")
            t.send("zz\n" if question.kind in ("single", "multiple") else "\n")
            t.expect(r"Try again\.")
        if question.kind == "numeric":
            t.send("half\n")
            t.expect(r"'half' is not a number learnnn can read.*Try again")
        t.send(wrong(question) + "\n")
        t.expect(r"not quite")
        if question.kind == "text":
            t.expect(re.escape(f"An accepted answer: {question.answer}."))
    t.expect(rf"Score: 0/{count}\. The pass mark is {need}/{count} \(80%\)\. .*learnnn quiz 01-intro")
    assert t.finish() == 1
    assert "could not convert" not in t.text and "Traceback" not in t.text
    state = json.loads((ws / ".learnnn" / "progress.json").read_text())
    assert state["quizzes"]["01-intro"] == {"score": 0, "max_score": count, "best": 0}  # re-asked answers never scored
    state["lessons_read"] = ["01-intro"]
    (ws / ".learnnn" / "progress.json").write_text(json.dumps(state))
    shown = CliRunner().invoke(app, ["next", "--workspace", str(ws)], env={"COLUMNS": "200"}).output
    assert f"Score: 0/{count}" in shown and f"pass mark is {need}/{count} (80%)" in shown
    assert "learnnn quiz 01-intro" in shown


def test_lesson_goes_through_the_pager_wrapped_to_the_terminal(ws, term):
    t = term("lesson", "2", "--workspace", str(ws), PAGER="cat", COLUMNS="60")
    t.expect(r"Figure: Activation functions and their derivatives")
    assert t.finish() == 0
    lines = t.text.splitlines()
    source = COURSE.lesson("02-activations").path.read_text()
    code = {line for block in lessonview.FENCE.finditer(source) for line in block["code"].splitlines()}
    assert [line for line in lines if len(line) > 60 and line not in code] == [], "prose wraps; code never does"
    assert any(set(line.strip()) <= set("─━") and line.strip() for line in lines), "the table of activations is drawn"
    assert not any(line.strip().startswith("|") for line in lines)


def test_lesson_in_colour_on_a_terminal_without_no_color(ws, term, course_file):
    env = child_env(course_file)
    env.pop("NO_COLOR")
    t = Terminal(["lesson", "2", "--workspace", str(ws)], {**env, "PAGER": "cat", "COLUMNS": "80"})
    try:
        t.expect(r"Activation functions")
        assert t.finish() == 0
        assert "\x1b[" in t.text
    finally:
        t.close()


def test_watch_names_the_running_test_and_stops_at_the_first_timeout(ws, term):
    (ws / "activations.py").write_text("def sigmoid(z):\n    while True:\n        pass\n")
    t = term("watch", "activations", "--workspace", str(ws), "--poll")
    t.expect(r"running test 1 of \d+")
    t.expect(r"Stopped at the first call that timed out")
    t.send("q")
    assert t.finish() == 0
    assert t.text.count("did not return within") == 1


@pytest.mark.parametrize("key,code", [(None, 130), ("\x04", 1)], ids=["ctrl-c", "ctrl-d"])
def test_quiz_stopped_midway_says_nothing_was_recorded(ws, term, key, code):
    t = term("quiz", "01-intro", "--workspace", str(ws), COLUMNS="200")
    t.expect(r"Question 1 of")
    t.expect(r"Your answer")
    if key is None:  # the child's own session has no controlling terminal to turn Ctrl-C into SIGINT
        for _ in range(5):  # a signal that lands before the prompt reads is seen only once it does: repeat
            t.proc.send_signal(signal.SIGINT)
            try:
                t.proc.wait(timeout=3)
                break
            except subprocess.TimeoutExpired:
                continue
    else:
        t.send(key)
    assert t.finish() == code
    assert "quiz stopped: nothing recorded" in t.text and "Aborted" not in t.text and "Traceback" not in t.text
    state = ws / ".learnnn" / "progress.json"
    assert not state.exists() or "01-intro" not in json.loads(state.read_text()).get("quizzes", {})


def test_solution_is_aligned_by_function_and_paged(ws, term):
    reference = COURSE.exercise("activations").solution.read_text()
    head, _, rest = reference.partition("def softmax")
    (ws / "activations.py").write_text("def softmax" + rest.rstrip() + "\n\n\n" + head)  # softmax first
    t = term("solution", "activations", "--give-up", "--workspace", str(ws), COLUMNS="200", PAGER="sed s/^/PAGED:/")
    assert t.finish() == 0
    rows = [line for line in t.text.splitlines() if line.startswith("PAGED:")]
    assert any("Reference solution" in row for row in rows), "the solution goes through the pager"
    for name in ("softmax", "relu", "sigmoid"):
        row = next(row for row in rows if f"def {name}(" in row)
        assert row.count(f"def {name}(") == 2, f"{name} sits beside {name}: {row}"


def test_quiz_lines_wrap_at_word_boundaries(ws, term):
    t = term("quiz", "01-intro", "--workspace", str(ws), COLUMNS="40")
    t.expect(r"Your answer")
    t.send("\n")
    t.expect(r"Try again\.")
    t.send("\x04")
    t.finish()
    lines = [line for line in t.text.splitlines() if not line.startswith("Your answer")]
    assert [line for line in lines if len(line) > 40] == []
    assert "no answer given. Try again." in " ".join(line.strip() for line in lines)
