"""Grading a class from an LMS download: what `learnnn grade` does, as one function that prints nothing.

Intake (learners' folders and zips) -> the grading engine (local processes or a Dask
cluster) -> points -> every file an instructor reads: grades.csv, grades.json,
feedback/, the chosen LMS exports and report/.
"""
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import classpool, classreport, drawing, executors, exports, gradebook, grading, isolation, quiz, review
from . import weights as points_of
from .errors import LearnnnError
from .intake import discover


@dataclass
class ClassGrading:
    """What grading a class did. ``results`` are SubmissionResults with the points applied, in the intake's
    (id) order; ``reviews`` {id: review.Review}; ``written`` every file or folder written, in that order."""

    results: list
    reviews: dict
    statuses: dict  # row status -> how many submissions have it ("graded", "error", ...)
    mean: float  # mean total of the graded submissions, in % of the maximum
    ran: int  # how many submissions that mean is over: those whose code ran (graded, incomplete, stopped)
    written: list
    report: Path  # report/index.html
    tier: str  # the isolation tier learner code ran on, as the report states it
    engine: str  # where it ran: "with 4 jobs", "on a local Dask cluster of 2 workers"
    seconds: float  # wall-clock seconds of the whole run
    set_aside: list = field(default_factory=list)  # (what, why) no learner got: unnamed files, merged copies
    not_on_roster: list = field(default_factory=list)  # submission ids the roster does not list
    figures: str = ""  # why the report's charts were not drawn (drawing.MISSING), else ""
    public_secret: bool = False  # model exercises were graded on the public default split secret

    @property
    def cached(self):
        """How many results came from the cache instead of being graded again."""
        return sum(r.cached for r in self.results)

    @property
    def attention(self):
        """Ids of the submissions the report lists under "needs attention"."""
        return [i for i, r in self.reviews.items() if r.attention]

    @property
    def errors(self):
        """Submissions learnnn itself failed to grade (status error)."""
        return self.statuses.get("error", 0)


class Interrupted(KeyboardInterrupt):
    """Ctrl-C (or a kill the caller turned into one) during grading: no grades file was touched.
    ``graded`` of ``total`` submissions were finished; they are in ``cache`` (None when caching was off)."""

    def __init__(self, graded, total, cache):
        super().__init__(f"{graded} of {total} submissions graded")
        self.graded, self.total, self.cache = graded, total, cache


def cores():
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _check_course(course):
    """A missing suite or a broken quiz is the course's problem: said before any learner is graded."""
    for exercise in course.exercises.values():
        if not exercise.suite.is_file():
            raise LearnnnError(f"the hidden suite for {exercise.name} is missing ({exercise.suite}): "
                               "grade with a course that lists only the exercises you have suites for (--course)")
    for lesson in grading.quiz_lessons(course):
        quiz.load(lesson)


def _tier(scheduler, allow_process_only):
    if scheduler:  # the grading happens on the workers, and each one refuses without the kernel sandbox
        return "kernel, required of every Dask worker"
    tier = isolation.tier()
    if not tier.kernel and not allow_process_only:
        raise LearnnnError(f"refusing to grade: learner code would run on the '{tier.name}' isolation tier "
                           f"({'; '.join(tier.missing)}), where {isolation.PROCESS_ONLY_RISK}. Grade on Linux "
                           "with user namespaces, or pass --allow-process-only-isolation to accept that risk")
    return str(tier)


def grade_class_download(*, submissions, out, course, jobs=None, budget=None, cache=True, lms="auto",
                         pattern=None, attempt="newest", roster=None, formats=(), weights=None, assignment=None,
                         allow_process_only=False, scheduler=None, on_intake=None, on_result=None):
    """Grade every learner in ``submissions`` (paths: folders or zips, one per learner, a folder of them or a
    zip of zips) and write the class's files into the folder ``out``.

    ``lms``, ``pattern``, ``attempt`` and ``roster`` (a CSV path) steer intake.discover; ``jobs`` submissions
    are graded at once (default: the cores this process may use), or on the Dask cluster ``scheduler``
    (executors.engine). ``budget``: stop an exercise's tests after that many times its time limit (default:
    the manifest's). ``cache``: reuse results in ``out``/.cache for unchanged submissions. ``weights``: a
    YAML or CSV of points (weights.read); ``formats``: any of exports.FORMATS; ``assignment``: the grade
    column's name in them (default: the course title). ``allow_process_only``: grade even where learner code
    can't be isolated by the kernel.

    ``on_intake(intake)`` is called once the submissions are found, before any is graded (e.g. to start a
    progress bar); ``on_result(result)`` after each is graded, in the order they finish.

    Raises LearnnnError (nothing graded) for a broken course, a refused isolation tier or no submissions;
    Interrupted on Ctrl-C, with the grades files untouched.
    """
    out = Path(out)
    tier = _tier(scheduler, allow_process_only)
    points = points_of.resolve(course, points_of.read(weights, course) if weights else None)
    _check_course(course)
    intake = discover(submissions, course=course, quizzes=[lesson.id for lesson in grading.quiz_lessons(course)],
                      skip=[out], lms=lms, pattern=pattern, attempt=attempt, roster=roster)
    if on_intake:
        on_intake(intake)
    found = intake.submissions
    if not found:
        raise LearnnnError(f"no submissions found in {', '.join(map(str, submissions))}")
    out.mkdir(parents=True, exist_ok=True)
    store = gradebook.Cache(out / ".cache", course, budget or 0) if cache else None
    jobs = jobs or cores()
    started, finished = time.perf_counter(), []

    def done(result):
        finished.append(result)
        if on_result:
            on_result(result)

    try:
        with executors.engine(scheduler, jobs=jobs) as engine:
            results = classpool.grade_class(found, course, jobs=jobs, executor=engine.executor, budget=budget,
                                            cache=store, on_result=done, require_kernel=engine.remote)
    except KeyboardInterrupt:
        raise Interrupted(len(finished), len(found), store.folder if store else None) from None
    results = [points_of.apply(r, points) for r in results]
    reviews = review.review(results, found, course)
    gradebook.write(out, results, course, reviews)
    written = [out / "grades.csv", out / "grades.json", out / "feedback"]
    written += exports.write(out, formats, results, reviews, {s.id: exports.person(s) for s in found}, course,
                             assignment=assignment or course.title)
    if store is not None:
        store.prune()
    page = classreport.write(out / "report", results, course, reviews, tier=tier)
    summary = classreport.summarise(results, course, reviews)
    return ClassGrading(results=results, reviews=reviews, statuses=dict(sorted(summary["statuses"].items())),
                        mean=summary["mean"], ran=len(summary["percent"]), written=[*written, page], report=page,
                        tier=tier, engine=engine.description, seconds=time.perf_counter() - started,
                        set_aside=list(intake.set_aside), not_on_roster=list(intake.not_on_roster),
                        figures=drawing.missing(), public_secret=_public_secret(course))


def _public_secret(course):
    """True when a model exercise (iris, digits) was graded without LEARNNN_SPLIT_SECRET: its hidden splits'
    column order is then the one every copy of learnnn knows (learnnn.modelgrading)."""
    from .modelgrading import SECRET_ENV

    if os.environ.get(SECRET_ENV):
        return False
    return any(e.suite.is_file() and "modelgrading" in e.suite.read_text(encoding="utf-8", errors="replace")
               for e in course.exercises.values())
