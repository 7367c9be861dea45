"""Grading one submission: every exercise through the check runner, and its quiz sheets.

`grade_submission` is a plain function of (submission, course) that returns a
SubmissionResult and keeps no state between calls, so calls may run side by side;
classpool.py maps it over a class through watchdog.py. Learner code only ever
runs in the check runner's workers.
"""
import copy
import dataclasses
import os
import re
import tempfile
import time
from pathlib import Path

from . import isolation
from . import quiz as quizzes
from .archives import SHEET_SUFFIXES
from .outcomes import Outcome
from .results import ExerciseGrade, ExerciseStatus, QuizResult, QuizStatus, SubmissionResult, SubmissionStatus, _num

STATUSES = {
    SubmissionStatus.GRADED: "every exercise file was there and was graded",
    SubmissionStatus.INCOMPLETE: "graded, but some exercise files were missing: they score 0",
    SubmissionStatus.EMPTY: "no exercise file and no quiz answer sheet was found",
    SubmissionStatus.MISSING: "on the roster, but nothing of theirs was in the download",
    SubmissionStatus.REJECTED: "the archive was refused as unsafe, too big or unreadable: see the note",
    SubmissionStatus.STOPPED: "grading overran the submission's hard time limit: it scores 0",
    SubmissionStatus.ERROR: "learnnn itself failed to grade it; not cached, so a rerun retries it",
}
SESSION_PER_EXERCISE = "_LEARNNN_SESSION_PER_EXERCISE"  # private: the old slow path, for the test comparing both
# Temp folders make messages differ run to run: from the first "/" of a path to the end of its learnnn- folder.
TEMP_FOLDER, PATH_TAIL = re.compile(r"learnnn-(?:worker|grade)-"), re.compile(r"[^\s'\"]*")
# a worker forked by the session's zygote works in /sandbox/<n>, one of its own bwrap in /sandbox (learnnn.zygote)
FORKED_FOLDER = re.compile(rf"(?<![\w/]){re.escape(isolation.SCRATCH)}/\d+(?![\w.-])")


def quiz_lessons(course):
    return [lesson for lesson in course.lessons if lesson.quiz_path.is_file()]


# ------------------------------------------------------------------ one submission


def grade_submission(*, submission, course, budget=None):
    """Grade one submission's exercises (each in the check runner's sandbox) and quiz sheets.

    Never raises for anything in the submission. Each exercise's calls into
    learner code share one time budget: the manifest's ``time_budget``, or
    ``budget`` times the exercise's time limit when given.
    """
    started = time.perf_counter()
    files = {} if submission.problem else submission.files
    with tempfile.TemporaryDirectory(prefix="learnnn-grade-") as tmp:
        src = Path(tmp, "src")
        src.mkdir()
        for name, data in files.items():
            if "/" not in name and name.endswith(".py"):
                (src / name).write_bytes(data)
        exercises = _grade_exercises(course, src, budget)
        graded_quizzes = {lesson.id: _grade_quiz(lesson, files, Path(tmp)) for lesson in quiz_lessons(course)}
    present = [e for e in exercises.values() if e.status is not ExerciseStatus.MISSING]
    if any(e.status is ExerciseStatus.ERROR for e in exercises.values()):
        status = SubmissionStatus.ERROR
    elif not present and all(q.status is QuizStatus.MISSING for q in graded_quizzes.values()):
        status = SubmissionStatus.EMPTY
    else:
        status = SubmissionStatus.INCOMPLETE if len(present) < len(exercises) else SubmissionStatus.GRADED
    result = SubmissionResult("", status, exercises, graded_quizzes, seconds=time.perf_counter() - started)
    return result.labelled(submission)


def _grade_exercises(course, src, budget):
    """{name: ExerciseGrade} in the course's order: the exercises present run in one pytest session.

    One session, not one per exercise: pytest's start-up and collection are paid once per
    submission. What must stay apart still does: each exercise has its own worker(s) with
    only its modules, and its own time budget, so one exercise's code can't touch another's
    calls, and a hang uses up its own budget only.
    """
    from .check import run_checks  # deferred: pytest is imported only where grading happens

    present = [e.name for e in course.exercises.values() if (src / e.filename).is_file()]
    groups = [[name] for name in present] if os.environ.get(SESSION_PER_EXERCISE) else [present] if present else []
    graded = {}
    for names in groups:
        started = time.perf_counter()
        # One lane and every split: the grader processes already fill the cores, and the grades files
        # list every split's accuracy.
        results = run_checks(course=course, source_dir=src, exercises=names, budget_factor=budget, lanes=1,
                             early_stop=False)
        seconds = (time.perf_counter() - started) / len(names)
        graded.update((r.exercise, _exercise_grade(r, seconds)) for r in results)
    graded.update(_missing(course, [e for e in course.exercises.values() if e.name not in graded]))
    return {name: graded[name] for name in course.exercises}


def _exercise_grade(result, seconds):
    tests = [dataclasses.replace(t, message=_scrub(t.message)) for t in result.tests]
    status = (ExerciseStatus.ERROR if result.error else ExerciseStatus.STOPPED if result.budget_exhausted
              else ExerciseStatus.PASSED if result.passed else ExerciseStatus.FAILED)
    return ExerciseGrade(_num(result.score), _num(result.max_score), status, tests,
                         _scrub(result.error), seconds)


def _scrub(message):
    """``message`` without what differs between two runs of the same code: temp folders, a forked worker's number."""
    return _scrub_temp_folders(FORKED_FOLDER.sub("/sandbox", message))


def _scrub_temp_folders(message):
    """Each temp folder's path, from its first "/" (in the same run of non-space characters) through the end of
    the folder's name, becomes <sandbox>. In one pass: the regex it replaces backtracked over every "/" of a
    long line (a learner's 40,000 slashes took 9.7 s a message)."""
    parts, done, back = [], 0, 0
    for found in TEMP_FOLDER.finditer(message):
        if found.start() < done:
            continue  # inside a path already replaced
        start = found.start()
        while start > max(done, back) and not message[start - 1].isspace():
            start -= 1  # back to the start of the path's run of non-space characters (never twice over)
        back = found.start()
        slash = message.find("/", start, found.start())
        if slash >= 0:
            parts += [message[done:slash], "<sandbox>"]
            done = PATH_TAIL.match(message, found.end()).end()
    return "".join(parts) + message[done:]


_NOTHING = {}  # (exercise, its suite's bytes) -> its grade when missing: the same for every submission


def _missing(course, exercises):
    """{name: ExerciseGrade} for exercises not in the submission: every test failed with one message; the
    maximum comes from running the suites on nothing, in one session, once per process (a warm grading
    child grades many submissions, and an incomplete submission would otherwise pay a session each)."""
    from .check import run_checks

    keys = {e.name: (e, e.suite.read_bytes() if e.suite.is_file() else b"") for e in exercises}
    todo = [e.name for e in exercises if keys[e.name] not in _NOTHING]
    if todo:
        with tempfile.TemporaryDirectory(prefix="learnnn-grade-") as empty:
            results = run_checks(course=course, source_dir=empty, exercises=todo)
        for result in results:
            _NOTHING[keys[result.exercise]] = _nothing(course.exercise(result.exercise), result)
    return {e.name: copy.deepcopy(_NOTHING[keys[e.name]]) for e in exercises}


def _nothing(exercise, result):
    message = f"{exercise.filename} is not in the submission"
    tests = [dataclasses.replace(t, passed=False, kind=Outcome.MISSING, message=message, score=0)
             for t in result.tests]
    return ExerciseGrade(0, _num(result.max_score), ExerciseStatus.ERROR if result.error else ExerciseStatus.MISSING,
                         tests, _scrub(result.error))


def _grade_quiz(lesson, files, tmp):
    chosen = quizzes.load(lesson)
    name = next((f"answers/{lesson.id}{s}" for s in SHEET_SUFFIXES if f"answers/{lesson.id}{s}" in files), None)
    if name is None:
        return QuizResult(chosen.id, status=QuizStatus.MISSING, max_score=len(chosen.questions))
    sheet = tmp / name
    sheet.parent.mkdir(exist_ok=True)
    sheet.write_bytes(files[name])
    try:
        answers, problems = quizzes.read_sheet(sheet)
    except Exception as exc:  # learnnn's own failure on one sheet: that quiz, not the submission
        answers, problems = {}, [f"can't read the answer sheet {sheet.name} ({type(exc).__name__})"]
    return quizzes.grade(chosen, answers, problems)

