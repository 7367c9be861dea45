"""Quizzes: every one loads, has one way to be fully right, and grades sheets without tracebacks."""
import json

import pytest
from click.testing import CliRunner

from learnnn import manifest, quiz
from learnnn.cli import app
from learnnn.results import VERSION

LESSONS = manifest.load().lessons


def reference_sheet(loaded):
    return {q.id: list(q.answer) if q.kind == "multiple" else q.answer for q in loaded.questions}


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda l: l.id)
def test_quiz_loads_with_five_questions_of_several_kinds(lesson):
    loaded = quiz.load(lesson)
    assert len(loaded.questions) >= 5
    assert len({q.kind for q in loaded.questions}) >= 2
    assert all(q.explanation for q in loaded.questions)


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda l: l.id)
def test_exactly_one_way_to_be_fully_right(lesson):
    for q in quiz.load(lesson).questions:
        if q.kind == "single":
            right = [letter for letter in quiz.LETTERS[:len(q.choices)] if quiz.check(q, letter)[0]]
            assert right == [q.answer], q.id
            assert len(set(q.choices)) == len(q.choices), f"{q.id}: repeated choices"
        elif q.kind == "multiple":
            assert quiz.check(q, list(q.answer))[0], q.id
            for letter in quiz.LETTERS[:len(q.choices)]:
                flipped = set(q.answer) ^ {letter}
                assert not quiz.check(q, sorted(flipped))[0], f"{q.id}: {sorted(flipped)} also counts as right"
        elif q.kind == "numeric":
            assert quiz.check(q, q.answer)[0]
            assert not quiz.check(q, q.answer + 10 * q.tolerance + 1e-3)[0], q.id
        else:
            assert quiz.check(q, q.answer)[0] and quiz.check(q, f"  {str(q.answer).upper()} ")[0]
            assert not quiz.check(q, "something else entirely")[0]


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda l: l.id)
def test_reference_sheet_scores_full_and_empty_scores_zero(lesson):
    loaded = quiz.load(lesson)
    full = quiz.grade(loaded, reference_sheet(loaded))
    assert full.score == full.max_score == len(loaded.questions)
    assert quiz.grade(loaded, {}).score == 0


def test_right_letters_are_spread_so_one_letter_everywhere_never_passes():
    singles = [q for lesson in LESSONS for q in quiz.load(lesson).questions if q.kind == "single"]
    letters = [q.answer for q in singles]
    commonest = max(set(letters), key=letters.count)
    assert letters.count(commonest) <= 0.4 * len(letters), f"'{commonest}' is right {letters.count(commonest)} times"
    for lesson in LESSONS:
        loaded = quiz.load(lesson)
        for letter in quiz.LETTERS[:max((len(q.choices) for q in loaded.questions), default=0)]:
            score = quiz.grade(loaded, {q.id: letter for q in loaded.questions}).score
            assert score < len(loaded.questions) / 3, f"{loaded.id}: answering '{letter}' everywhere scores {score}"


@pytest.fixture
def sheet(tmp_path):
    def write(text, name="sheet.yaml"):
        path = tmp_path / name
        path.write_text(text)
        return path
    return write


def test_answers_cli_json(sheet):
    loaded = quiz.load(LESSONS[1])
    answers = reference_sheet(loaded)
    result = CliRunner().invoke(app, ["quiz", loaded.id, "--answers", str(sheet(json.dumps(answers), "a.json")), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["version"] == VERSION and data["quiz"] == loaded.id
    assert data["score"] == data["max_score"] == len(loaded.questions) and data["status"] == "graded"
    assert set(data) == {"version", *quiz.QuizResult("q").to_json()}  # the shape grades.json's quizzes have
    assert all(set(q) == set(quiz.QuestionResult("q", True).to_json()) for q in data["questions"])


@pytest.mark.parametrize("text,problem", [
    ("", "empty"),
    ("{{{not: yaml", "not valid YAML"),
    ("- just\n- a list\n", "should map question ids"),
    (None, "can't read"),
    ("a: " + "[" * 50_000 + "]" * 50_000, "nested too deeply"),
    ("a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
                                                 for p, c in zip("abcdefgh", "bcdefghi")), "too large"),
    ('{"sigmoid-zero": "\\ud800"}', "not valid Unicode"),  # JSON's escape for a lone surrogate (a YAML-read .yaml)
])
def test_a_sheet_that_cant_be_read_is_a_usage_error_that_records_nothing(tmp_path, sheet, text, problem):
    runner = CliRunner()
    ws = tmp_path / "ws"
    runner.invoke(app, ["init", str(ws)])
    path = sheet(text) if text is not None else tmp_path / "missing.yaml"
    result = runner.invoke(app, ["quiz", LESSONS[0].id, "--answers", str(path), "--json", "--workspace", str(ws)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert problem in result.output and "Nothing was graded or recorded" in result.output
    stored = ws / ".learnnn" / "progress.json"
    assert not stored.exists() or not json.loads(stored.read_text()).get("quizzes")
    assert not (ws / "answers").exists()


def test_a_graded_sheet_is_saved_for_submit_and_a_worse_one_never_replaces_it(tmp_path, sheet):
    runner = CliRunner()
    ws = tmp_path / "ws"
    runner.invoke(app, ["init", str(ws)])
    loaded = quiz.load(LESSONS[1])
    full = reference_sheet(loaded)
    result = runner.invoke(app, ["quiz", loaded.id, "--answers", str(sheet(json.dumps(full), "full.json")),
                                 "--workspace", str(ws)])
    assert result.exit_code == 0, result.output
    saved = ws / "answers" / f"{loaded.id}.yaml"
    assert quiz.grade(loaded, quiz.read_sheet(saved)[0]).score == len(loaded.questions)
    worse = dict(full, **{loaded.questions[0].id: "z" if loaded.questions[0].kind != "numeric" else 1e9})
    result = runner.invoke(app, ["quiz", loaded.id, "--answers", str(sheet(json.dumps(worse), "worse.json")),
                                 "--workspace", str(ws)])
    assert result.exit_code == 1 and "best answers" in result.output
    assert quiz.grade(loaded, quiz.read_sheet(saved)[0]).score == len(loaded.questions)
    (ws / ".learnnn" / "progress.json").unlink()  # doctor --rebuild regrades the saved (best) sheet
    runner.invoke(app, ["doctor", "--rebuild", "--workspace", str(ws)])
    state = json.loads((ws / ".learnnn" / "progress.json").read_text())
    assert state["quizzes"][loaded.id]["best"] == len(loaded.questions)


def test_unknown_questions_are_named_and_known_ones_still_count(sheet):
    loaded = quiz.load(LESSONS[0])
    first = loaded.questions[0]
    answers = {first.id: list(first.answer) if first.kind == "multiple" else first.answer, "no-such-question": "a"}
    result = CliRunner().invoke(app, ["quiz", loaded.id, "--answers", str(sheet(json.dumps(answers), "s.json")), "--json"])
    data = json.loads(result.output)
    assert data["score"] == 1 and "no-such-question" in " ".join(data["problems"])


def test_malformed_answer_to_one_question(sheet):
    loaded = quiz.load(LESSONS[0])
    numeric = next((q for q in loaded.questions if q.kind == "numeric"), None)
    if numeric is None:
        pytest.skip("no numeric question in this quiz")
    result = quiz.grade(loaded, {numeric.id: "seven"})
    entry = next(q for q in result.questions if q.id == numeric.id)
    assert not entry.correct and "'seven' is not a number" in entry.problem


def test_interactive_quiz_explains_and_records(tmp_path):
    runner = CliRunner()
    ws = tmp_path / "ws"
    runner.invoke(app, ["init", str(ws)])
    loaded = quiz.load(LESSONS[0])
    typed = []
    for q in loaded.questions:
        typed.append(",".join(q.answer) if q.kind == "multiple" else str(q.answer))
    result = runner.invoke(app, ["quiz", loaded.id, "--workspace", str(ws)], input="\n".join(typed) + "\n")
    assert result.exit_code == 0, result.output
    assert loaded.questions[0].explanation[:30] in result.output
    assert f"Score: {len(typed)}/{len(typed)}" in result.output
    listed = json.loads(runner.invoke(app, ["list", "--json", "--workspace", str(ws)]).output)
    assert next(s for s in listed if s["kind"] == "quiz")["done"]
    saved = (ws / "answers" / f"{loaded.id}.yaml")
    assert saved.exists()
    # the answer key itself never lands in the workspace
    assert not any("explanation" in p.read_text(errors="ignore") for p in ws.rglob("*") if p.is_file())


def test_a_sheets_text_reaches_the_terminal_as_text(sheet):
    """An instructor may check a learner's sheet with --answers: its keys and answers are quoted on screen."""
    loaded = quiz.load(LESSONS[0])
    answers = {"\x1b]0;OWNED\x07x": "a", loaded.questions[0].id: "\x1b[2J\u202e"}
    result = CliRunner().invoke(app, ["quiz", loaded.id, "--answers", str(sheet(json.dumps(answers), "s.json"))])
    assert "?]0;OWNED?x" in result.output and not any(c in result.output for c in "\x1b\x07\u202e")
