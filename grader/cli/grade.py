"""`learnnn grade`: bulk grading for instructors."""
import os
import signal
import sys
import time
from pathlib import Path

import click

from .. import grading, quiz
from ..manifest import LearnnnError
from . import app, echo, load_course

STATUS_HELP = "\n".join(f"  {name:<11} {what}" for name, what in grading.STATUSES.items())


def _cores():
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _interrupt(signum, frame):
    raise KeyboardInterrupt  # a kill takes the same careful way out as Ctrl-C


@app.command(epilog=f"\b\nStatuses (grades.csv, grades.json):\n{STATUS_HELP}")
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
@click.option("--scheduler", metavar="ADDRESS", envvar="DASK_SCHEDULER_ADDRESS", default=None,
              help="Grade on a Dask cluster: its scheduler's address (tcp://HOST:8786; default "
                   "$DASK_SCHEDULER_ADDRESS), or local:N for a cluster of N workers on this machine. "
                   'Needs pip install "learnnn[dask]"; every worker must have the kernel sandbox.')
def grade(submissions, out, jobs, budget, no_cache, lms, pattern, attempt, roster, scheduler):
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
    from .. import classpool, classreport, executors, gradebook  # only instructors pay for these imports
    from ..intake import discover
    course = load_course()
    for exercise in course.exercises.values():
        if not exercise.suite.is_file():
            raise LearnnnError(f"the hidden suite for {exercise.name} is missing ({exercise.suite}): "
                               "grade with a course that lists only the exercises you have suites for (--course)")
    quiz_ids = [lesson.id for lesson in grading.quiz_lessons(course)]
    for lesson in grading.quiz_lessons(course):
        quiz.load(lesson)  # a broken quiz file is the course's problem: say so before grading
    intake = discover(submissions, course=course, quizzes=quiz_ids, skip=[out], lms=lms, pattern=pattern,
                      attempt=attempt, roster=roster)
    found = intake.submissions
    for what, why in intake.set_aside:
        echo(f"set aside: {what}: {why}", err=True)
    if intake.not_on_roster:
        echo(f"not on the roster: {', '.join(intake.not_on_roster)}", err=True)
    if not found:
        raise LearnnnError(f"no submissions found in {', '.join(map(str, submissions))}")
    out.mkdir(parents=True, exist_ok=True)
    cache = None if no_cache else gradebook.Cache(out / ".cache", course, budget or 0)
    jobs = jobs or _cores()
    started, results = time.perf_counter(), []
    try:
        previous = signal.signal(signal.SIGTERM, _interrupt)
    except ValueError:  # not the main thread (embedded use): leave signals alone
        previous = None
    try:
        with executors.engine(scheduler, jobs=jobs) as engine, \
                click.progressbar(length=len(found), label="Grading", file=sys.stderr, show_eta=True,
                                  show_pos=True, item_show_func=lambda r: r.id if r else "") as bar:
            def done(result):
                results.append(result)
                bar.update(1, result)

            results = classpool.grade_class(found, course, jobs=jobs, executor=engine.executor, budget=budget,
                                            cache=cache, on_result=done, require_kernel=engine.remote)
    except KeyboardInterrupt:
        kept = f"are cached in {out / '.cache'}; run the same command again to finish" if cache else "were not kept"
        echo(f"\ninterrupted: {len(results)} of {len(found)} submissions were graded and {kept}. "
             "The grades files were not touched.", err=True)
        raise SystemExit(130)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    gradebook.write(out, results, course)
    if cache is not None:
        cache.prune()
    page = classreport.write(out / "report", results, course)
    summary = classreport.summarise(results, course)
    echo(f"Graded {len(results)} submissions in {time.perf_counter() - started:.1f} s {engine.description} "
         f"({sum(r.cached for r in results)} from the cache): "
         f"{', '.join(f'{n} {s}' for s, n in sorted(summary['statuses'].items()))}; "
         f"mean score {summary['mean']:.0f}%.")
    echo(f"Wrote {out / 'grades.csv'}, {out / 'grades.json'}, {out / 'feedback'}/ and {page}")
    raise SystemExit(1 if summary["statuses"]["error"] else 0)
