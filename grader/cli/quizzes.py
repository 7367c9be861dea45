"""`learnnn quiz`: asked in the terminal, or an answer sheet graded without prompting; grading a sheet and
recording the attempt are quizattempt's."""
import json
from pathlib import Path

import click

from .. import progress, quiz, quizattempt, render
from ..manifest import LearnnnError
from ..printable import printable
from ..results import VERSION
from ..submit import ANSWERS
from . import app, echo, load_course, open_workspace, workspace_option

HOW = {"single": "one letter", "multiple": "letters separated by commas",
       "numeric": "a number; 1/2, 50% and sqrt(2) work too", "text": "a word or short phrase"}


def _ask(question, number, count):
    """Ask until the answer can be read; an empty or unreadable answer is never scored."""
    echo("")
    echo(render.dim(f"Question {number} of {count}"))
    echo(render.wrap(render.bold(question.prompt)))
    for letter, choice in zip(quiz.LETTERS, question.choices):
        echo(render.wrap(f"{letter}) {choice}", indent="  ", hang="     "))
    while True:
        try:
            given = click.prompt(f"Your answer ({HOW[question.kind]})", default="", show_default=False)
        except click.Abort as stop:  # Ctrl-C or Ctrl-D: click says "Aborted!"; say what happened to the attempt
            echo("\nquiz stopped: nothing recorded", err=True)
            raise SystemExit(130 if isinstance(stop.__context__, KeyboardInterrupt) else 1) from None
        correct, problem = quiz.check(question, given)
        if not problem:
            return given, correct
        echo(render.warn(render.wrap(f"  {problem}. Try again.", hang="  ")))


@app.command("quiz")
@click.argument("quiz_id")
@click.option("--answers", "sheet", type=click.Path(path_type=Path),
              help="Grade this answer sheet (YAML or JSON) instead of asking.")
@click.option("--json", "as_json", is_flag=True, help="Print the graded sheet as JSON.")
@workspace_option
def quiz_command(quiz_id, sheet, as_json, workspace_dir):
    """Take the quiz of lesson QUIZ_ID, or grade an answer sheet with --answers.

    You pass a quiz with 80% of the answers right; exit 0 when every answer is right.
    """
    course = load_course()
    chosen = quiz.load(course.lesson(quiz_id))
    count = len(chosen.questions)
    if sheet is not None:
        result, answers = quizattempt.grade_sheet(chosen=chosen, path=sheet)
    else:
        echo(render.wrap(render.bold(f"Quiz: {chosen.title}") +
                         f" ({count} questions; you pass with {progress.pass_mark(count)} right, "
                         f"{progress.QUIZ_PASS:.0%})"))
        answers = {}
        tick, cross, _, _ = render.symbols()
        for number, question in enumerate(chosen.questions, start=1):
            answers[question.id], correct = _ask(question, number, count)
            verdict = render.ok(f"{tick} right.") if correct else render.bad(f"{cross} not quite.")
            if not correct and question.kind == "text":
                verdict += f" An accepted answer: {question.answer}."
            echo(render.wrap(f"{verdict} {question.explanation}"))
        result = quiz.grade(chosen, answers)
    kept = _record(chosen, result, answers, workspace_dir, sheet)
    if as_json:
        echo(json.dumps({"version": VERSION, **result.to_json()}, indent=2))
    else:
        for problem in result.problems:
            echo(render.warn(render.wrap(printable(f"note: {problem}"), hang="  ")))  # quotes the sheet's text
        if sheet is not None:
            for q in result.questions:
                mark = render.ok("right") if q.correct else render.bad("wrong")
                why = printable(f" ({q.problem})") if q.problem else ""
                echo(render.wrap(f"  {q.id:<24} {mark}{why}", hang="    "))
        echo("")
        echo(render.wrap(verdict_text(chosen.id, result.score, result.max_score)))
        if kept:
            echo(render.wrap(kept))
    raise SystemExit(0 if result.score == result.max_score else 1)


def verdict_text(quiz_id, score, maximum, best=None):
    """The score, the pass mark and what to do next; shared with `learnnn next` after a failed quiz."""
    need = progress.pass_mark(maximum)
    line = render.bold(f"Score: {score}/{maximum}")
    if best is not None and best != score:
        line += f" (your best: {best}/{maximum})"
    if max(score, best or 0) >= need:
        return line + render.ok(f". Passed: the pass mark is {need}/{maximum} ({progress.QUIZ_PASS:.0%}).") + \
            " Next: learnnn next"
    return line + render.bad(f". The pass mark is {need}/{maximum} ({progress.QUIZ_PASS:.0%}).") + \
        f" Re-read learnnn lesson {quiz_id}, then retake it: learnnn quiz {quiz_id}"


def _record(chosen, result, answers, workspace_dir, sheet):
    """Record the attempt when there is a workspace (grading a sheet needs none); a note when the
    saved sheet was kept, else ""."""
    try:
        _, ws, state = open_workspace(workspace_dir)
    except LearnnnError:
        return ""
    recorded = quizattempt.record(ws=ws, state=state, chosen=chosen, result=result, answers=answers, sheet=sheet)
    if recorded.kept_best is None:
        return ""
    return (f"Your best answers ({recorded.kept_best}/{result.max_score}) stay in {ANSWERS}/{chosen.id}.yaml, "
            "which is what learnnn submit sends.")
