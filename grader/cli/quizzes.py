"""`learnnn quiz`: asked in the terminal, or an answer sheet graded without prompting."""
import json
from pathlib import Path

import click

from .. import progress, quiz, render
from ..manifest import LearnnnError
from . import app, echo, load_course, open_workspace, workspace_option

ANSWERS = "answers"  # workspace folder for the learner's own answer sheets (what `submit` packs)


def _ask(question):
    echo("")
    echo(render.bold(question.prompt))
    for letter, choice in zip(quiz.LETTERS, question.choices):
        echo(f"  {letter}) {choice}")
    how = {"single": "one letter", "multiple": "letters separated by commas",
           "numeric": "a number", "text": "a word or short phrase"}[question.kind]
    return click.prompt(f"Your answer ({how})", default="", show_default=False)


@app.command("quiz")
@click.argument("quiz_id")
@click.option("--answers", "sheet", type=click.Path(dir_okay=False, path_type=Path),
              help="Grade this answer sheet (YAML or JSON) instead of asking.")
@click.option("--json", "as_json", is_flag=True, help="Print the graded sheet as JSON.")
@workspace_option
def quiz_command(quiz_id, sheet, as_json, workspace_dir):
    """Take the quiz of lesson QUIZ_ID, or grade an answer sheet with --answers."""
    course = load_course()
    chosen = quiz.load(course.lesson(quiz_id))
    if sheet is not None:
        answers, problems = quiz.read_sheet(sheet)
        result = quiz.grade(chosen, answers, problems)
    else:
        answers = {}
        tick, cross, _, _ = render._symbols()
        for question in chosen.questions:
            answers[question.id] = _ask(question)
            correct, problem = quiz.check(question, answers[question.id])
            verdict = render.ok(f"{tick} right") if correct else render.bad(f"{cross} not quite")
            echo(f"{verdict}{' (' + problem + ')' if problem else ''}. {question.explanation}")
        result = quiz.grade(chosen, answers)
    _record(chosen, result, answers if sheet is None else None, workspace_dir)
    if as_json:
        echo(json.dumps(result.to_json(), indent=2))
    else:
        for problem in result.problems:
            echo(click.style(f"note: {problem}", fg="yellow"))
        if sheet is not None:
            for q in result.questions:
                mark = render.ok("right") if q.correct else render.bad("wrong")
                echo(f"  {q.id:<24} {mark}{' (' + q.problem + ')' if q.problem else ''}")
        echo(render.bold(f"\nScore: {result.score}/{result.max}"))
    raise SystemExit(0 if result.score == result.max else 1)


def _record(chosen, result, answers, workspace_dir):
    try:
        _, ws, state = open_workspace(workspace_dir)
    except LearnnnError:
        return  # grading a sheet needs no workspace
    state.record_quiz(chosen.id, result.score, result.max)
    progress.save(ws, state)
    if answers is not None and ws.managed:
        quiz.write_sheet(ws.root / ANSWERS / f"{chosen.id}.yaml", answers)
