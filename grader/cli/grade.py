"""`learnnn grade`: bulk grading for instructors. The work is classgrading.grade_class_download's;
this module parses the options, shows progress and prints what it did."""
import contextlib
import signal
import sys
import time
from pathlib import Path

import click

from .. import grading
from ..exports import FORMATS
from ..printable import printable
from ..review import EXERCISE_STATUSES, ROW_STATUSES
from . import app, echo, load_course

STATUS_HELP = "\n".join(f"  {name:<11} {what}" for name, what in {**grading.STATUSES, **ROW_STATUSES}.items())
EXERCISE_HELP = "\n".join(f"  {name:<15} {what}" for name, what in EXERCISE_STATUSES.items())


def _count(n, noun):
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _interrupt(signum, frame):
    raise KeyboardInterrupt  # a kill takes the same careful way out as Ctrl-C


def _formats(ctx, param, values):
    chosen = [v.strip().lower() for value in values for v in value.split(",") if v.strip()]
    for name in chosen:
        if name not in FORMATS:
            raise click.BadParameter(f"'{name}' is not one of {', '.join(FORMATS)}")
    return tuple(dict.fromkeys(chosen))


class LogProgress:
    """Progress for a log (stderr not a terminal): a line for the first result, then every few seconds, and the last."""

    def __init__(self, total, every=5.0, clock=time.monotonic):
        self.total, self.done, self.every, self.clock = total, 0, every, clock
        self.started = self.last = clock()

    def update(self, n, result):  # click's progressbar.update signature
        self.done += n
        now = self.clock()
        if self.done in (1, self.total) or now - self.last >= self.every:
            self.last = now
            echo(f"graded {self.done}/{self.total} ({result.id}), {now - self.started:.0f} s", err=True)


@app.command(epilog=f"\b\nStatuses (grades.csv, grades.json):\n{STATUS_HELP}\n\n"
                    f"\b\nExercise statuses (beside each exercise's points):\n{EXERCISE_HELP}")
@click.argument("submissions", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--out", "-o", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for grades.csv, grades.json, feedback/ and report/.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Submissions graded at once (default: the number of cores).")
@click.option("--budget", type=click.FloatRange(min=1), default=None,
              help="Stop an exercise's tests after this many times its time limit, all together "
                   "(default: the manifest's time_budget, 10 times the time limit unless it sets one).")
@click.option("--no-cache", is_flag=True, help="Grade everything again, ignoring results cached in DIR/.cache.")
@click.option("--lms", type=click.Choice(["auto", "canvas", "moodle", "blackboard", "gradescope", "folders"]),
              default="auto", show_default=True,
              help="The download's layout; auto recognises each LMS by its file names.")
@click.option("--pattern", metavar="REGEX", default=None,
              help="Replace the LMS's file-name pattern: a regex capturing (?P<id>...), and optionally "
                   "(?P<name>...), (?P<attempt>...), (?P<late>...), (?P<file>...).")
@click.option("--attempt", type=click.Choice(["newest", "oldest"]), default="newest", show_default=True,
              help="Which of a learner's attempts (or copies in several inputs) is graded; the rest are listed.")
@click.option("--roster", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="A CSV of the class (e.g. the LMS's gradebook export): its rows are matched to submissions, "
                   "learners with no submission get a `missing` row.")
# -- exports, report and weights
@click.option("--format", "formats", multiple=True, callback=_formats, metavar="canvas|moodle|gradescope",
              help="Also write DIR/canvas.csv, DIR/moodle.csv or DIR/gradescope/<id>/results.json "
                   "(repeat or comma-separate).")
@click.option("--weights", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="YAML (`activations: 10`) or CSV (`exercise,points`) of points per exercise over the "
                   "manifest's `points:`; `quizzes` or `quiz <lesson id>` set a quiz's points (default 1 per question).")
@click.option("--assignment", default=None, help="The grade column's name in canvas.csv and moodle.csv, e.g. "
                                                 "'Neural nets (1234)' for Canvas assignment 1234 (default: the course title).")
@click.option("--allow-process-only-isolation", "process_only", is_flag=True,
              help="Grade even where learner code can't be isolated by the kernel (no bubblewrap or user "
                   "namespaces): submissions can then read and change anything this user can.")
@click.option("--scheduler", metavar="ADDRESS", envvar="DASK_SCHEDULER_ADDRESS", default=None,
              help="Grade on a Dask cluster: its scheduler's address (tcp://HOST:8786; default "
                   "$DASK_SCHEDULER_ADDRESS), or local:N for a cluster of N workers on this machine. "
                   'Needs pip install "learnnn[dask]"; every worker must have the kernel sandbox.')
def grade(submissions, out, jobs, budget, no_cache, lms, pattern, attempt, roster, formats, weights, assignment,
          process_only, scheduler):
    """Grade a class: SUBMISSIONS are folders or zips, one per learner (an LMS download),
    a folder of them, or a zip of zips.

    Each learner's modules are found wherever they sit (Activations.py,
    activations.ipynb, src/activations.py) and graded in the sandbox, like
    `learnnn check`; quiz answers from answers/<quiz id>.yaml (or <quiz id>.yaml). Canvas,
    Moodle, Blackboard and Gradescope downloads are recognised by their names
    (see --lms, --pattern); every learner gets one row. Writes DIR/grades.csv,
    DIR/grades.json, DIR/feedback/<id>.md and DIR/report/index.html. Results are
    cached by content, so a rerun (also after Ctrl-C) grades only what changed.
    Exit 0 when every submission was graded, 1 when learnnn failed on some (status error).
    """
    from .. import classgrading

    try:
        previous = signal.signal(signal.SIGTERM, _interrupt)
    except ValueError:  # not the main thread (embedded use): leave signals alone
        previous = None
    with contextlib.ExitStack() as stack:
        shown = []

        def found(intake):
            for what, why in intake.set_aside:  # file names come from learners: no terminal escapes
                echo(printable(f"set aside: {what}: {why}"), err=True)
            if intake.not_on_roster:
                echo(printable(f"not on the roster: {', '.join(intake.not_on_roster)}"), err=True)
            if intake.submissions:
                shown.append(stack.enter_context(_progress(len(intake.submissions))))

        try:
            done = classgrading.grade_class_download(
                submissions=submissions, out=out, course=load_course(), jobs=jobs, budget=budget,
                cache=not no_cache, lms=lms, pattern=pattern, attempt=attempt, roster=roster, formats=formats,
                weights=weights, assignment=assignment, allow_process_only=process_only, scheduler=scheduler,
                on_intake=found, on_result=lambda result: shown[0].update(1, result))
        except classgrading.Interrupted as stop:
            stack.close()
            kept = (f"are cached in {stop.cache}; run the same command again to finish" if stop.cache
                    else "were not kept")
            echo(f"\ninterrupted: {stop.graded} of {stop.total} submissions were graded and {kept}. "
                 "The grades files were not touched.", err=True)
            raise SystemExit(130)
        finally:
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)
    echo(f"Graded {len(done.results)} submissions in {done.seconds:.1f} s {done.engine} "
         f"({done.cached} from the cache): {', '.join(f'{n} {s}' for s, n in done.statuses.items())}; "
         f"mean score {done.mean:.0f}% over the {_count(done.ran, 'submission')} whose code ran.")
    echo(f"Isolation: {done.tier}. {_count(len(done.attention), 'submission')} "
         f"{'needs' if len(done.attention) == 1 else 'need'} attention (listed in the report).")
    if done.figures:
        echo(f"note: the report has no charts: {done.figures}.", err=True)
    if done.public_secret:
        echo("note: iris and digits were scored on hidden splits anyone with learnnn can reproduce: set "
             "LEARNNN_SPLIT_SECRET to a value of your own (the same one for every run of a class).", err=True)
    echo(f"Wrote {', '.join(str(p) + ('/' if p.is_dir() else '') for p in done.written[:-1])} "
         f"and {done.report}")
    raise SystemExit(1 if done.errors else 0)


def _progress(total):
    """A bar on a terminal, a line every few seconds in a log."""
    if sys.stderr.isatty():
        return click.progressbar(length=total, label="Grading", file=sys.stderr, show_eta=True, show_pos=True,
                                 item_show_func=lambda r: r.id if r else "")
    return contextlib.nullcontext(LogProgress(total))
