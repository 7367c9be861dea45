"""Learner tools: watch, solution, submit, doctor and plot. The logic lives in
learnnn.watch, .submit, .doctor and .plots; this module only draws and exits."""
import functools
import shutil
import sys
from pathlib import Path

import click

from .. import doctor as doctoring
from .. import manifest, plots, render, sidebyside, tutoring
from .. import submit as submitting
from .. import watch as watching
from . import app, echo, load_course, open_workspace, workspace_option
from .learn import page, pick_exercise, short


def _note(text):
    return click.style(text, fg="yellow")


# ---------------------------------------------------------------- watch


@app.command()
@click.argument("exercise", required=False)
@workspace_option
@click.option("--auto-advance", is_flag=True, help="Move on to the next exercise by itself once this one passes.")
@click.option("--poll", is_flag=True, help="Look for changes every 0.5 s instead of waiting for file events.")
def watch(exercise, workspace_dir, auto_advance, poll):
    """Check EXERCISE (default: the first that does not pass) again every time you save it.

    Keys: h hint, n next exercise, l list, r check again, q quit.
    """
    course, ws, state = open_workspace(workspace_dir)
    name = pick_exercise(course, exercise).name if exercise else watching.first_unpassed(course, state, ws)
    if name is None:
        echo(render.ok("Every exercise passes! To watch one again: learnnn watch NAME"))
        return
    session = watching.Session(course=course, ws=ws, exercise=name, auto_advance=auto_advance,
                               on_check=_checking, on_test=functools.partial(_running, sys.stdout))
    keys = watching.Keys(sys.stdin)
    with watching.FileWatcher(events=not poll) as watcher, keys:
        try:
            why = watching.run(session=session, watcher=watcher, keys=keys,
                               show=lambda screen: _draw(screen, watcher.mode))
        except KeyboardInterrupt:
            why = "Ctrl-C"
    echo(render.wrap(f"\nStopped watching ({why}). Progress is saved; learnnn progress shows it."))


def _checking(name):
    """A check starts: a clean screen on a terminal, so old output never mixes with the new."""
    if sys.stdout.isatty():
        click.clear()
        echo(render.bold(f"learnnn watch: {name}") + render.dim("   checking..."))
    else:
        echo(render.dim(f"\nchecking {name}..."))


def _running(out, number, count, test):
    """The test now running, on one line rewritten in place (only on a terminal: a log stays short).
    ``out`` is the real stdout: during a check sys.stdout is pytest's buffer."""
    if out.isatty():
        line = f"  running test {number} of {count}: {render.pretty_test(test)}"
        click.echo("\r\x1b[K" + line[:render.terminal_width() - 1], nl=False, file=out)


def _draw(screen, mode):
    tick, cross, _, _ = render.symbols()
    if sys.stdout.isatty():
        click.clear()
    else:
        echo("\n" + "-" * 60)
    echo(render.bold(f"learnnn watch: {screen.exercise}") + f"   {screen.file} ({mode})")
    for note in screen.notes:
        echo(render.wrap(_note(note)))
    echo("")
    if screen.result is not None:
        echo(render.check_result(screen.result, limit=4,
                                 functions=manifest.stub_functions(screen.stub)))  # the keys stay on screen
    if screen.plot:
        echo(f"\n  Your training curves: {screen.plot}")
    echo("\nProgress " + render.bar(screen.done, screen.total))
    if screen.result is not None and screen.result.passed:
        then = f"Press n for the next exercise ({screen.following})." if screen.following else "Every exercise passes!"
        echo(render.wrap(render.ok(f"{screen.exercise} passes! ") + then +
                         f" Compare with the reference: learnnn solution {screen.exercise}", hang=""))
    else:
        echo(render.wrap(f"Edit {screen.file.name} and save: it is checked again every time.", hang=""))
    if screen.hint:
        number, count, text = screen.hint
        echo("\n" + render.wrap(render.bold(f"Hint {number} of {count}:") + f" {text}", hang=""))
    if screen.listing:
        echo("")
        for name, title, passed, current in screen.listing:
            mark = render.ok(f"[{tick}]") if passed else "[ ]"
            echo(f"{'>' if current else ' '} {mark} {name:<16} {title}")
    echo(click.style("\nh hint   n next exercise   l list   r check again   q quit", dim=True))


# ---------------------------------------------------------------- solution


@app.command()
@click.argument("exercise")
@click.option("--give-up", is_flag=True, help="Show it before your code passes (your progress records that).")
@workspace_option
def solution(exercise, give_up, workspace_dir):
    """Show EXERCISE's reference solution beside your code, once your code passes."""
    course, ws, state = open_workspace(workspace_dir)
    chosen = pick_exercise(course, exercise)
    seen = tutoring.open_solution(ws=ws, state=state, exercise=chosen, give_up=give_up)
    if not seen.shown:
        _how_to_get_there(chosen, seen)
        raise SystemExit(1)
    if seen.gave_up:
        echo(_note("Your progress now records that you saw this solution before your code passed.\n"))
    _beside(seen.mine, seen.reference, f"Your {chosen.filename}", "Reference solution",
            files=(short(ws.module(chosen)), short(chosen.solution)))
    if not seen.passed:
        echo(f"\nNow make yours pass: learnnn check {chosen.name}")


def _how_to_get_there(chosen, seen):
    echo(f"The reference solution for {render.bold(chosen.name)} opens once your own code passes.")
    if seen.max_score:
        echo(f"Your last check scored {seen.score:g}/{seen.max_score:g}.")
    echo(f"\n  1. learnnn check {chosen.name}     and fix the first failure it shows")
    echo(f"  2. learnnn hint {chosen.name}      ({seen.hints_seen} of {len(chosen.hints)} hints seen)")
    echo(f"  3. learnnn lesson {chosen.lesson}")
    echo(f"\nOr see it now with learnnn solution {chosen.name} --give-up (your progress records that).")


def _beside(left, right, left_title, right_title, *, files):
    """Both sources aligned by function (side by side on a wide terminal), through the pager on a terminal."""
    if left is None:
        lines = [render.bold(right_title), right.rstrip()]
    else:
        lines = sidebyside.beside(left, right, titles=(left_title, right_title),
                                  width=shutil.get_terminal_size((100, 24)).columns)
        if sidebyside.cut(lines):
            lines += ["", render.wrap(f"{sidebyside.CUT.strip()} marks a line cut at the column's edge; the whole "
                                      f"files: {files[0]} and {files[1]}", hang="")]
    page("\n".join(lines))


# ---------------------------------------------------------------- submit


@app.command()
@workspace_option
@click.option("--out", "-o", type=click.Path(path_type=Path),
              help="Where to write the zip (default: <workspace>/<workspace name>-submission.zip).")
def submit(workspace_dir, out):
    """Pack your exercise modules and quiz answer sheets into one zip to upload."""
    course, ws, _ = open_workspace(workspace_dir)
    report = submitting.build(course=course, ws=ws, out=out)
    echo(render.wrap(render.ok(f"Wrote {report.path}") +
                     f" ({len(report.modules)} exercise files, {len(report.answers)} quiz answer sheets).", hang=""))
    if report.untouched:
        echo(_note(render.wrap(f"  not started (still the starting stub): {', '.join(report.untouched)}",
                               hang="    ")))
    if report.missing:
        echo(_note(render.wrap(f"  missing, so not included: {', '.join(report.missing)}", hang="    ")))
    if report.unanswered:  # a quiz is graded from its answer sheet, which `learnnn quiz` writes
        echo(_note(render.wrap(f"  quizzes with no answer sheet, which score 0 where your course grades them: "
                               f"{', '.join(report.unanswered)} (take one with `learnnn quiz <id>`)", hang="    ")))
    for name, why in report.broken:
        echo(render.bad(render.wrap(f"  {name} is not valid Python ({why}): it will score nothing until you fix it",
                                    hang="    ")))
    for name, why in report.unreadable:
        echo(render.bad(render.wrap(f"  {name} can't be read ({why}), so it is not included", hang="    ")))
    echo("\nUpload that one file.")


# ---------------------------------------------------------------- doctor


@app.command()
@workspace_option
@click.option("--rebuild", is_flag=True,
              help="Re-run the checks of every exercise you changed and regrade your saved quiz answers, "
                   "adding what passes to your progress.")
def doctor(workspace_dir, rebuild):
    """Check Python, NumPy and your workspace, and say how to fix each problem (exit 1 if any)."""
    course = load_course()
    report = doctoring.diagnose(course=course, workspace_dir=workspace_dir)
    tick, cross, _, _ = render.symbols()
    marks = {"ok": render.ok(tick), "note": _note("!"), "problem": render.bad(cross)}
    for finding in report.findings:
        echo(render.wrap(f" {marks[finding.status]} {finding.message}", hang="   "))
        if finding.fix:
            echo(render.wrap(f"     fix: {finding.fix}", hang="          "))
    ws = report.workspace
    if ws is not None and ws.managed and report.state is not None and (report.rebuild or rebuild):
        count = len(doctoring.changed_exercises(course, ws))
        echo(f"\nRebuilding your progress: re-running the checks of the {count} exercises you changed...")
        done = doctoring.rebuild_progress(course=course, ws=ws, state=report.state)
        echo(f"  {len(done.passed)} of {len(done.checked)} pass: {', '.join(done.passed) or 'none'}")
        if done.quizzes:
            echo("  quizzes regraded from answers/: " +
                 ", ".join(f"{q} {s}/{m}" for q, (s, m) in done.quizzes.items()))
        if done.lessons:
            echo(f"  lessons marked read: {', '.join(done.lessons)}")
    problems = len(report.problems)
    if problems:
        echo(render.bad(f"\n{problems} problem{'s' if problems > 1 else ''} found.") +
             (" Progress was rebuilt; run learnnn doctor again to confirm." if report.rebuild else ""))
    else:
        echo(render.ok("\nEverything looks healthy."))
    raise SystemExit(1 if problems else 0)


# ---------------------------------------------------------------- plot


@app.group()
def plot():
    """Draw your work as PNG files in the workspace's plots/ folder."""


@plot.command("activations")
@workspace_option
@click.option("--out", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Where to write the PNG.")
def plot_activations(workspace_dir, out):
    """Your activation functions and their derivatives, drawn over the reference ones."""
    course, ws, _ = open_workspace(workspace_dir)
    drawn = plots.plot_activations(course=course, ws=ws, out=out)
    tick, cross, _, _ = render.symbols()
    echo(f"Saved {drawn.path}")
    for curve in drawn.curves:
        if curve.ok:
            echo(render.ok(f"  {tick} {curve.name}") + " matches the reference")
        else:
            echo(render.bad(f"  {cross} {curve.name}") + f": {curve.problem}")
    if not drawn.all_ok:
        echo("\nGrey is the reference, red is yours. learnnn check activations says more.")
