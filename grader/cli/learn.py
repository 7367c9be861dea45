"""The learner's everyday commands: init, list, next, lesson, check, hint, reset, progress."""
import json
import os
import shutil
import sys
from pathlib import Path

import click

from .. import manifest, progress, render, workspace
from ..manifest import LearnnnError
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
    tick = render.symbols()[0]
    for step, done in steps:
        if step.kind == "lesson":
            echo("")
        mark = render.ok(f"[{tick}]") if done else "[ ]"
        taken = state.quizzes.get(step.id) if step.kind == "quiz" and not done else None
        last = render.bad(f"  ({taken.score}/{taken.max_score}, pass mark {progress.pass_mark(taken.max_score)})") \
            if taken else ""
        echo(f"{mark} {step.kind:<8} {step.id:<18} {step.title}{last}")


def next_step(course, state):
    return next((s for s, done in _status(course, state) if not done), None)


def pick_exercise(course, name):
    """The exercise called ``name``, in any case ("Activations", "activations.py")."""
    name = name[:-3] if name.lower().endswith(".py") else name
    folded = {n.lower(): n for n in course.exercises}
    return course.exercise(folded.get(name.lower(), name))


def current_exercise(course, ws, state, *, command):
    """The exercise a command without a name acts on: the one `learnnn watch` would pick."""
    from .. import watch as watching

    name = watching.first_unpassed(course, state, ws)
    if name is None:
        raise LearnnnError(f"every exercise passes. Name one (learnnn {command} NAME)"
                           + (", or re-verify them all with learnnn check --all" if command == "check" else ""))
    return course.exercise(name)


def short(path):
    """The shortest way to name ``path`` from here: relative when below this folder, else from ~."""
    path = Path(path).resolve()
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        relative = ".."
    if not relative.startswith(".."):
        return relative
    return f"~/{path.relative_to(Path.home())}" if path.is_relative_to(Path.home()) else str(path)


def _figure_path(ws, lesson):
    return lambda src: short(workspace.figure(ws, (lesson.path.parent / src).resolve()))


def page(text):
    """A lesson or a solution through the pager when stdout is a terminal; as it is otherwise."""
    if sys.stdout.isatty():
        os.environ.setdefault("LESS", "-FRXS")  # S: long code lines scroll sideways, never wrap
        click.echo_via_pager(text, color=colour())
    else:
        echo(text)


def colour():
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def show_lesson(course, ws, state, lesson, *, figures=False):
    from .. import lessonview

    where = _figure_path(ws, lesson)
    text = lesson.path.read_text(encoding="utf-8")
    page(lessonview.lesson(text, figure_path=where, color=colour()))
    if figures:
        paths = [where(src) for _, src in lessonview.FIGURE.findall(text)]
        if not paths:
            echo("This lesson has no figures.")
        elif _can_open_images():
            for path in paths:
                echo(f"opening {path}")
                click.launch(path)
        else:
            echo(render.wrap("No image viewer can be opened from this terminal (no display), so open these "
                             "files yourself:"))
            echo("\n".join(f"  {path}" for path in paths))
    if state is not None:
        state.mark_read(lesson.id)
        progress.save(ws, state)


def _can_open_images():
    """Whether click.launch can show an image: macOS and Windows always can; elsewhere it needs a
    display and xdg-open, which click.launch calls without checking either."""
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")) and bool(shutil.which("xdg-open"))


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
        from .quizzes import verdict_text

        taken = state.quizzes.get(step.id)
        if taken:
            echo(render.wrap(f"Next: pass the quiz on lesson {step.id}. " +
                             verdict_text(step.id, taken.score, taken.max_score, taken.best)))
        else:
            echo(f"Next: the quiz on lesson {step.id}.\n\n    learnnn quiz {step.id}\n")
    else:
        exercise = course.exercise(step.id)
        echo(f"Next: exercise {render.bold(exercise.name)} -- {exercise.title}.\n")
        echo(f"  1. Edit {ws.module(exercise)}")
        echo(f"  2. Run:  learnnn check {exercise.name}   (or learnnn watch: it checks on every save)")
        echo(f"  Stuck? learnnn hint {exercise.name}   Lesson: learnnn lesson {exercise.lesson}")


@app.command()
@click.argument("lesson_id")
@workspace_option
@click.option("--figures", is_flag=True, help="Also open the lesson's figures in your image viewer.")
def lesson(lesson_id, workspace_dir, figures):
    """Show a lesson (by id or number, e.g. 02-activations or 2)."""
    course = load_course()
    chosen = course.lesson(lesson_id)
    try:
        _, ws, state = open_workspace(workspace_dir)
    except LearnnnError:
        ws = state = None
    show_lesson(course, ws, state, chosen, figures=figures)


@app.command()
@click.argument("exercise", required=False)
@workspace_option
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option("--all", "everything", is_flag=True,
              help="Every failure shown on its own; without EXERCISE, re-check every exercise you have worked on.")
def check(exercise, workspace_dir, as_json, everything):
    """Run the hidden tests of EXERCISE (default: the current one) against your code.

    Exit 0 when every test passes, 1 when any fails, 2 for a usage error.
    """
    from ..check import check_workspace  # deferred like every command's heavy imports: the CLI starts fast

    course, ws, state = open_workspace(workspace_dir)
    if exercise:
        chosen = [pick_exercise(course, exercise).name]
    elif everything:
        from ..doctor import changed_exercises

        chosen = changed_exercises(course, ws)
        if not chosen:
            raise LearnnnError("you have not changed any exercise file yet: nothing to re-check. "
                               "Start with learnnn next")
    else:
        chosen = [current_exercise(course, ws, state, command="check").name]
    if len(chosen) > 1 and not as_json:
        echo(render.dim(f"re-checking {len(chosen)} exercises: {', '.join(chosen)}"))
    checked = check_workspace(course=course, ws=ws, exercises=chosen, draw_plots=False)  # drawn after the result
    from .. import isolation

    # Asked after the check, which probes the isolation tier while pytest loads; shown before its result.
    note = isolation.process_only_note(ws.state_dir if ws.managed else None)
    if note:
        echo(note, err=True)
    results, regressed, state = checked.results, checked.regressed, checked.state
    if as_json:
        data = [r.to_json() for r in results]
        echo(json.dumps(data[0] if exercise or not everything else data, indent=2))
        raise SystemExit(0 if all(r.passed for r in results) else 1)
    for result in results:
        echo(render.check_result(result, show_all=everything,
                                       functions=manifest.stub_functions(course.exercise(result.exercise).stub)))
        plot = _training_plot(ws, result) if ws.managed else None  # never write into a plain submission folder
        if plot:
            echo(f"\nYour loss and accuracy curves: {short(plot)}")
        if len(results) > 1:
            echo("")
    if ws.managed and any((r.artifacts or {}).get("history") for r in results):
        from ..drawing import missing

        if missing():  # said once, however many exercises had curves to draw
            echo(render.wrap(f"note: your loss and accuracy curves were not drawn: {missing()}."), err=True)
    failing = [r.exercise for r in results if not r.passed]
    if regressed:
        echo(render.wrap(render.bad(f"{', '.join(regressed)} passed before and fail now") +
                         ": its tick is gone from learnnn progress until it passes again."))
    if len(results) > 1:
        echo(render.bold(f"{len(results) - len(failing)} of {len(results)} pass.") +
             (f" Fix {failing[0]} first: learnnn check {failing[0]}" if failing else " Next: learnnn next"))
    elif not failing:
        following = next_step(course, state)
        echo("\nNext: learnnn next" if following else "\nThat was the last exercise!")
    else:
        echo(render.wrap(f"\nFix the first failure, then run learnnn check {failing[0]} again. "
                         f"Stuck? learnnn hint {failing[0]}"))
    raise SystemExit(1 if failing else 0)


def _training_plot(ws, result):
    """Drawn after the result is on screen: importing matplotlib and drawing take longer than most checks."""
    if not (result.artifacts or {}).get("history"):
        return None
    sys.stdout.flush()
    from ..plots import save_training_plot

    return save_training_plot(ws, result)


@app.command()
@click.argument("exercise", required=False)
@workspace_option
def hint(exercise, workspace_dir):
    """Show the next hint for EXERCISE (default: the current one), one more each time you ask."""
    from ..tutoring import next_hint

    course, ws, state = open_workspace(workspace_dir)
    chosen = pick_exercise(course, exercise) if exercise else current_exercise(course, ws, state, command="hint")
    shown = next_hint(ws=ws, state=state, exercise=chosen)
    echo(render.bold(f"Hint {shown.number} of {shown.count} for {chosen.name}:"))
    echo(render.wrap(shown.text, indent="  ", hang="  "))
    if not shown.last:
        echo(render.wrap(f"\nStill stuck? learnnn hint {chosen.name} again for the next one."))
    else:
        echo(render.wrap(f"\nThat was the last hint. Re-read learnnn lesson {chosen.lesson}, or see the reference "
                         f"with learnnn solution {chosen.name} --give-up."))


@app.command()
@click.argument("exercise")
@workspace_option
def reset(exercise, workspace_dir):
    """Put EXERCISE's starting stub back; your version is kept in .learnnn/backups/."""
    from ..tutoring import reset_exercise

    course, ws, state = open_workspace(workspace_dir)
    chosen = pick_exercise(course, exercise)
    report = reset_exercise(ws=ws, state=state, exercise=chosen)
    if report.was_missing:
        echo(f"{chosen.filename} was missing: restored the starting stub.")
    elif report.backup is None:
        echo(f"{chosen.filename} already is the starting stub.")
    else:
        echo(render.wrap(f"Restored the starting {chosen.filename}; your version is saved as "
                         f"{short(report.backup)}"))


@app.command("progress")
@workspace_option
def progress_command(workspace_dir):
    """How far you are: a bar and a line per lesson."""
    course, _, state = open_workspace(workspace_dir)
    steps = _status(course, state)
    done = sum(d for _, d in steps)
    echo(render.bold("Progress ") + render.bar(done, len(steps)))
    tick = render.symbols()[0]
    for lesson in course.lessons:
        read = lesson.id in state.lessons_read
        quiz = state.quizzes.get(lesson.id)
        quiz_text = f"quiz {quiz.best}/{quiz.max_score}" if quiz else "quiz not taken"
        if quiz and quiz.best < progress.pass_mark(quiz.max_score):
            quiz_text += f" (pass mark {progress.pass_mark(quiz.max_score)})"
        passed = [n for n in lesson.exercises if state.passes(n)]
        ex_text = f", exercises {len(passed)}/{len(lesson.exercises)}" if lesson.exercises else ""
        all_done = all(state.done(s) for s in course.steps if s.lesson == lesson.id)
        mark = render.ok(tick) if all_done else " "
        echo(f" {mark} {lesson.id:<18} {'read' if read else 'unread':<7} {quiz_text}{ex_text}")
    step = next_step(course, state)
    if step:
        echo(f"\nNext: learnnn next ({step.kind} {step.id})")
