"""The gradebook: grades.csv, grades.json and feedback/<id>.md, and the result cache.

Every file is written whole or not at all (learnnn.atomic), and
nothing in them depends on timing, so grading a class twice gives the same bytes.
"""
import csv
import hashlib
import io
import json
import os
import re
from pathlib import Path

from . import __version__
from .atomic import atomic_write
from .markup import code, fenced, inline
from .printable import printable
from .grading import STATUSES, quiz_lessons
from .results import VERSION, SubmissionResult
from .review import ROW_STATUSES, cause_keys
from .manifest import PACKAGE, data_dir

def course_fingerprint(course):
    """A hash of everything that decides a grade: the manifest, suites, solutions, quizzes, the engine (the
    worker's modules included) and the model splits' secret (learnnn.modelgrading)."""
    from .modelgrading import DEFAULT_SECRET, SECRET_ENV

    engine = (p for p in PACKAGE.rglob("*.py") if p.relative_to(PACKAGE).parts[0] != "_course")  # a wheel's course
    paths = [Path(course.source), *sorted(engine),  # the engine, the worker and the suites
             *sorted(p for p in (PACKAGE / "suites").glob("*") if p.suffix != ".py"),  # pytest.ini and the like
             *sorted(data_dir("solutions").glob("*.py")), *(lesson.quiz_path for lesson in quiz_lessons(course))]
    h = hashlib.sha256(__version__.encode())
    for path in paths:
        if path.is_file():
            h.update(str(path.relative_to(PACKAGE) if path.is_relative_to(PACKAGE) else path.name).encode()
                     + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    h.update(hashlib.sha256((os.environ.get(SECRET_ENV) or DEFAULT_SECRET).encode()).digest())
    return h.hexdigest()


class Cache:
    """Results by a hash of (submission content, learnnn's version, the course files, the time budget)."""

    def __init__(self, folder, course, budget):
        self.folder = Path(folder)
        self.salt = f"{course_fingerprint(course)}\0{budget:g}\0"
        self.used = set()

    def key(self, submission):
        key = hashlib.sha256((self.salt + submission.digest).encode()).hexdigest()[:32]
        self.used.add(key)
        return key

    def prune(self):
        """After a complete run: drop results no submission of it needs (older versions, another course)."""
        for path in self.folder.glob("*.json"):
            if path.stem not in self.used:
                path.unlink(missing_ok=True)

    def get(self, key):
        try:
            return SubmissionResult.from_cache(json.loads((self.folder / f"{key}.json").read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError):
            return None  # absent, or damaged by a crash of something else: grade again

    def put(self, key, result):
        atomic_write(self.folder / f"{key}.json", json.dumps(result.to_cache()))


# ------------------------------------------------------------------ grades


def _quiz_ids(course):
    return [lesson.id for lesson in quiz_lessons(course)]


def spreadsheet_cell(value):
    """``value`` as CSV text a spreadsheet shows as text: a leading = + - @ (a formula) gets a quote,
    unless the cell is a number; control characters become ``?`` (learnnn.printable), so ``cat`` runs no
    escape sequence. Learner-chosen text (folder names, notes) reaches every gradebook file."""
    text = printable(str(value))
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        try:
            float(text)
        except ValueError:
            return "'" + text
    return text


def grades_csv(results, course, reviews):
    """One row per learner: id, original name, status, each exercise's points and status, quizzes, totals."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    quiz_ids = _quiz_ids(course)
    writer.writerow(["id", "original name", "status",
                     *(c for n in course.exercises for c in (n, f"{n} status")),
                     *(f"quiz {q}" for q in quiz_ids), "total", "max", "note", "needs attention"])
    for r in results:
        review = reviews[r.id]
        cells = [c for n in course.exercises for c in
                 ((r.exercises[n].score, review.exercises[n]) if n in r.exercises else ("", ""))]
        writer.writerow(map(spreadsheet_cell, [
            r.id, review.original_name, review.status, *cells,
            *(r.quizzes[q].score if q in r.quizzes else "" for q in quiz_ids), r.total, r.max_score,
            "; ".join(filter(None, [r.note, *(f"graded {x}" for x in _unsaid(review.graded_as, r.note))])),
            "; ".join(review.attention)]))
    return out.getvalue()


def grades_json(results, reviews):
    rows = []
    for r in results:
        review = reviews[r.id]
        row = r.to_json()
        row["status"] = review.status
        row["original_name"] = review.original_name
        for name, grade in row["exercises"].items():
            grade["status"] = review.exercises[name]
        row["attention"] = review.attention
        rows.append(row)
    return json_text({"version": VERSION, "submissions": rows})


# JSON escapes C0 controls itself; these it writes raw with ensure_ascii=False: DEL and C1 (0x9b is a one-byte CSI),
# bidi controls that reorder what a terminal shows, line separators, lone surrogates (no UTF-8 file takes them).
_RAW_IN_JSON = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]")


def json_text(data):
    """``data`` as indented JSON, non-ASCII text kept readable but every character in _RAW_IN_JSON as a \\u escape,
    so the file shows no control sequence in a terminal and still loads back to the same strings."""
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    return _RAW_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _unsaid(renamed, note):
    """The files graded renamed that the row's note (intake's, for a download) doesn't name already."""
    return [x for x in renamed if x not in (note or "")]


def feedback(result, review=None):
    """The learner's page: every failed test's message (once for an exercise whose every test fails for one
    cause), quiz mistakes with their explanations, and what was not graded."""
    status = review.status if review else result.status
    statuses = review.exercises if review else {n: e.status for n, e in result.exercises.items()}
    lines = [f"# Feedback for {inline(result.id)}", "",
             f"Status: **{status}** ({STATUSES.get(status) or ROW_STATUSES.get(status, '')}). "
             f"Total: **{result.total} / {result.max_score}**.", ""]
    note = "; ".join(part for part in result.note.split("; ")  # the renamed files get a line of their own below
                     if not review or not review.graded_as or part != "graded " + ", ".join(review.graded_as))
    if note:
        lines += [f"Note: {inline(note)}", ""]
    if review and review.graded_as:
        lines += ["Files graded under another name: " + ", ".join(code(x) for x in review.graded_as) + ".", ""]
    lines += ["| exercise | points | status |", "|---|---|---|"]
    lines += [f"| {n} | {e.score} / {e.max_score} | {statuses[n].replace('_', ' ')} |" for n, e in result.exercises.items()]
    lines += [f"| quiz {q} | {g.score} / {g.max_score} | {g.status} |" for q, g in result.quizzes.items()]
    for name, grade in result.exercises.items() if result.status != "rejected" else ():
        lines += ["", f"## {name}: {grade.score} / {grade.max_score}", ""]
        if grade.status == "missing":
            lines.append(f"`{name}.py` was not in the submission, so none of its tests could pass.")
            continue
        if statuses[name] == "stub":
            lines.append(f"`{name}.py` is still the starting stub: write the functions it asks for.")
        if review and name in review.reference_copies:
            lines.append(f"`{name}.py` has the code of the reference solution (`learnnn solution --give-up`), "
                         "comments, docstrings and layout aside. The points stand; your instructor sees this note.")
        if grade.error:
            lines += ["The hidden tests could not run (not your fault; tell your instructor):", "",
                      *fenced(grade.error), ""]
        failed = grade.failures
        if len(failed) == len(grade.tests) > 1 and len(set(cause_keys(failed).values())) == 1:
            lines += [f"All {len(failed)} tests fail for this reason:", "", *fenced(failed[0].message)]
            continue  # one cause, said once: a learner fixes it once
        lines.append("Every test passed." if not failed and not grade.error else
                     f"{len(failed)} of {len(grade.tests)} tests failed:")
        for test in failed:
            lines += ["", f"- {code(test.name)}", "", *fenced(test.message, indent="  ")]
    for quiz_id, grade in result.quizzes.items() if result.status != "rejected" else ():
        lines += ["", f"## Quiz {quiz_id}: {grade.score} / {grade.max_score}", ""]
        if grade.status == "missing":
            lines.append(f"No answer sheet `answers/{quiz_id}.yaml` was in the submission.")
            continue
        lines += [f"- {inline(p, opens_block=True)}" for p in grade.problems]
        for q in grade.questions:
            if not q.correct:
                why = f" ({inline(q.problem)})" if q.problem else ""
                lines.append(f"- {code(q.id)}: not right{why}. {q.explanation}")
        if grade.score == grade.max_score:
            lines.append("Every answer is right.")
    if result.ignored:
        lines += ["", "## Files not graded", "",
                  "Only the exercise modules and `answers/<quiz id>.yaml` are graded; these were ignored:", ""]
        lines += [f"- {code(name)}" for name in result.ignored]
    return "\n".join(lines) + "\n"


def write(out, results, course, reviews):
    """grades.csv, grades.json and feedback/; stale feedback of submissions no longer there is removed.

    ``reviews`` is review.review(...)'s {id: Review}: the statuses and attention notes written beside the points.
    """
    out = Path(out)
    results = sorted(results, key=lambda r: r.id)
    atomic_write(out / "grades.json", grades_json(results, reviews))
    atomic_write(out / "grades.csv", grades_csv(results, course, reviews))
    folder = out / "feedback"
    keep = {f"{r.id}.md" for r in results}
    for r in results:
        atomic_write(folder / f"{r.id}.md", feedback(r, reviews[r.id]))
    for stale in folder.glob("*.md"):
        if stale.name not in keep:
            stale.unlink()
