"""The learner's everyday commands: init, list, next, lesson, check, hint, reset, progress."""
import json
from pathlib import Path

import click

from .. import progress, render, workspace
from ..check import run_check
from ..manifest import LearnnnError
from ..plots import save_training_plot
from . import app, echo, load_course, open_workspace, workspace_option


@app.command()
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
@workspace_option
def init(directory, workspace_dir):
    """Make a workspace in DIRECTORY (default: here) with every exercise's starting file."""
    course = load_course()
    if directory and workspace_dir and directory.resolve() != workspace_dir.resolve():
        raise LearnnnError(f"two folders given ({directory} and --workspace {workspace_dir}): give one")
    report = workspace.init(course, directory or workspace_dir or Path.cwd())
    echo(f"Workspace ready in {report.root}")
    if report.created:
        echo(f"  created {len(report.created)} exercise files: {', '.join(report.created)}")
    if report.kept:
        echo(click.style(f"  kept your edited {', '.join(report.kept)} (not overwritten)", fg="yellow"))
    here = "" if report.root == Path.cwd().resolve() else f"cd {report.root} && "
    echo(f"\nStart with: {here}learnnn next")


def _status(course, state):
    return [(step, state.done(step)) for step in course.steps]


@app.command("list")
@workspace_option
@click.option("--json", "as_json", is_flag=True, help="Print the steps as JSON.")
def list_steps(workspace_dir, as_json):
    """Every lesson, quiz and exercise in order, with what is done."""
    course, _, state = open_workspace(workspace_dir)
    steps = _status(course, state)
    if as_json:
        echo(json.dumps([{"id": s.id, "kind": s.kind, "title": s.title, "done": d} for s, d in steps], indent=2))
        return
    tick = render._symbols()[0]
    for step, done in steps:
        if step.kind == "lesson":
            echo("")
        mark = render.ok(f"[{tick}]") if done else "[ ]"
        echo(f"{mark} {step.kind:<8} {step.id:<18} {step.title}")


def next_step(course, state):
    return next((s for s, done in _status(course, state) if not done), None)


def show_lesson(course, ws, state, lesson):
    echo(render.markdown(lesson.path.read_text(encoding="utf-8"), lesson.path.parent))
    state.mark_read(lesson.id)
    progress.save(ws, state)


@app.command("next")
@workspace_option
def next_command(workspace_dir):
    """Show the first unfinished step: the lesson to read, the quiz to take or the file to edit."""
    course, ws, state = open_workspace(workspace_dir)
    step = next_step(course, state)
    if step is None:
        echo(render.ok("You have finished every lesson, quiz and exercise. Well done!"))
        return
    if step.kind == "lesson":
        show_lesson(course, ws, state, course.lesson(step.id))
        echo(render.bold("\nWhen you have read this, run: learnnn next"))
    elif step.kind == "quiz":
        echo(f"Next: the quiz on lesson {step.id}.\n\n    learnnn quiz {step.id}\n")
    else:
        exercise = course.exercise(step.id)
        echo(f"Next: exercise {render.bold(exercise.name)} -- {exercise.title}.\n")
        echo(f"  1. Edit {ws.module(exercise)}")
        echo(f"  2. Run:  learnnn check {exercise.name}")
        echo(f"  Stuck? learnnn hint {exercise.name}   Lesson: learnnn lesson {exercise.lesson}")


@app.command()
@click.argument("lesson_id")
@workspace_option
def lesson(lesson_id, workspace_dir):
    """Show a lesson (by id or number, e.g. 02-activations or 2)."""
    course = load_course()
    chosen = course.lesson(lesson_id)
    try:
        _, ws, state = open_workspace(workspace_dir)
    except LearnnnError:
        echo(render.markdown(chosen.path.read_text(encoding="utf-8"), chosen.path.parent))
        return
    show_lesson(course, ws, state, chosen)


@app.command()
@click.argument("exercise")
@workspace_option
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option("--all", "show_all", is_flag=True, help="Show every failure, not only the first few.")
def check(exercise, workspace_dir, as_json, show_all):
    """Run EXERCISE's hidden tests against your code (exit 0 when all pass)."""
    course, ws, state = open_workspace(workspace_dir)
    chosen = course.exercise(exercise)
    from .. import isolation
    note = isolation.process_only_note(ws.state_dir if ws.managed else None)
    if note:
        echo(note, err=True)
    result = run_check(course=course, source_dir=ws.root, exercise=chosen.name)
    state.record_check(result)
    progress.save(ws, state)
    plot = save_training_plot(ws, result) if ws.managed else None  # never write into a plain submission folder
    if as_json:
        echo(json.dumps(result.to_json(), indent=2))
    else:
        echo(render.check_result(result, show_all=show_all))
        if plot:
            echo(f"\nYour loss and accuracy curves: {plot}")
        if result.passed:
            following = next_step(course, state)
            echo("\nNext: learnnn next" if following else "\nThat was the last exercise!")
        else:
            echo(f"\nFix the first failure, then run `learnnn check {chosen.name}` again. "
                 f"Stuck? `learnnn hint {chosen.name}`")
    raise SystemExit(0 if result.passed else 1)


@app.command()
@click.argument("exercise")
@workspace_option
def hint(exercise, workspace_dir):
    """Show EXERCISE's next hint (one more each time you ask)."""
    course, ws, state = open_workspace(workspace_dir)
    chosen = course.exercise(exercise)
    entry = state.exercise(chosen.name)
    shown = min(max(entry["hints"], 0), len(chosen.hints) - 1)
    echo(render.bold(f"Hint {shown + 1} of {len(chosen.hints)} for {chosen.name}:"))
    echo(f"  {chosen.hints[shown]}")
    if shown + 1 < len(chosen.hints):
        echo(f"\nStill stuck? `learnnn hint {chosen.name}` again for the next one.")
    else:
        echo(f"\nThat was the last hint. Re-read `learnnn lesson {chosen.lesson}`, or see the reference with "
             f"`learnnn solution {chosen.name} --give-up`.")
    entry["hints"] = shown + 1
    progress.save(ws, state)


@app.command()
@click.argument("exercise")
@workspace_option
def reset(exercise, workspace_dir):
    """Put EXERCISE's starting stub back; your version is kept in .learnnn/backups/."""
    course, ws, _ = open_workspace(workspace_dir)
    chosen = course.exercise(exercise)
    backup = workspace.reset(ws, chosen)
    if backup is None:
        echo(f"{chosen.filename} already is the starting stub.")
    else:
        echo(f"Restored the starting {chosen.filename}; your version is saved as {backup}")


@app.command("progress")
@workspace_option
def progress_command(workspace_dir):
    """How far you are: a bar and a line per lesson."""
    course, _, state = open_workspace(workspace_dir)
    steps = _status(course, state)
    done = sum(d for _, d in steps)
    echo(render.bold("Progress ") + render.bar(done, len(steps)))
    tick = render._symbols()[0]
    for lesson in course.lessons:
        read = lesson.id in state.lessons_read
        quiz = state.quizzes.get(lesson.id)
        quiz_text = f"quiz {quiz['best']}/{quiz['max']}" if quiz else "quiz not taken"
        passed = [n for n in lesson.exercises if state.exercises.get(n, {}).get("passed")]
        ex_text = f", exercises {len(passed)}/{len(lesson.exercises)}" if lesson.exercises else ""
        all_done = all(state.done(s) for s in course.steps if s.lesson == lesson.id)
        mark = render.ok(tick) if all_done else " "
        echo(f" {mark} {lesson.id:<18} {'read' if read else 'unread':<7} {quiz_text}{ex_text}")
    step = next_step(course, state)
    if step:
        echo(f"\nNext: `learnnn next` ({step.kind} {step.id})")
