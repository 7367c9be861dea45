"""`learnnn quiz`: asked in the terminal, or an answer sheet graded without prompting."""
import json
from pathlib import Path

import click

from .. import progress, quiz, render
from ..manifest import LearnnnError
from ..results import VERSION
from . import app, echo, load_course, open_workspace, workspace_option

ANSWERS = "answers"  # workspace folder for the learner's own answer sheets (what `submit` packs)
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
        answers, problems = quiz.read_sheet(sheet)
        if problems:  # nothing to grade: a usage error, and no attempt is recorded
            raise LearnnnError(f"{'; '.join(problems)}. Nothing was graded or recorded.")
        answers = {str(k): v for k, v in answers.items()}
        result = quiz.grade(chosen, answers)
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
    kept = _record(chosen, result, {q.id: answers[q.id] for q in chosen.questions if q.id in answers},
                   workspace_dir, sheet)
    if as_json:
        echo(json.dumps({"version": VERSION, **result.to_json()}, indent=2))
    else:
        for problem in result.problems:
            echo(render.warn(render.wrap(f"note: {problem}", hang="  ")))
        if sheet is not None:
            for q in result.questions:
                mark = render.ok("right") if q.correct else render.bad("wrong")
                why = f" ({q.problem})" if q.problem else ""
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


def _record(chosen, result, answers, workspace_dir, sheet_path=None):
    """Record the attempt; save the sheet for `submit` unless an earlier one scored higher.
    Returns a note when the saved sheet was kept, else ""."""
    try:
        _, ws, state = open_workspace(workspace_dir)
    except LearnnnError:
        return ""  # grading a sheet needs no workspace
    best = state.quizzes[chosen.id].best if chosen.id in state.quizzes else 0
    state.record_quiz(chosen.id, result.score, result.max_score)
    progress.save(ws, state)
    if not ws.managed:
        return ""
    saved = ws.root / ANSWERS / f"{chosen.id}.yaml"
    if saved.is_file() and result.score < best:
        return (f"Your best answers ({best}/{result.max_score}) stay in {ANSWERS}/{saved.name}, "
                "which is what learnnn submit sends.")
    if not (sheet_path is not None and Path(sheet_path).resolve() == saved.resolve()):  # never rewrite the learner's own file
        quiz.write_sheet(saved, answers)
    return ""
