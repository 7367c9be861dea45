"""Gradebook exports an LMS imports: one function per format, each returning the file's text.

Identity columns come from the learner's roster row when intake found one
(``Submission.roster``: the LMS's own columns), else from the learner id.
Every format carries each exercise's status beside its points.

- Canvas, "Import grades" in the Gradebook: ``Student,ID,SIS User ID,SIS Login ID,Section``
  then one column per assignment. Canvas matches a learner by ID, SIS User ID or
  SIS Login ID (or the name); a column it does not know becomes a new assignment,
  so the per-exercise status goes into ``Notes``, the Gradebook's notes column.
- Moodle, "Import > CSV file" in the gradebook: any identifier column mapped to a
  user field (email, ID number, username), grade columns mapped to grade items,
  and a text column mapped to their feedback; columns left unmapped are ignored.
- Gradescope: the autograder's ``results.json`` (``score``, ``tests[]`` with
  ``name``, ``score``, ``max_score``, ``status``, ``output``, ``visibility``).
"""
import csv
import io
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from .atomic import atomic_write
from .gradebook import json_text, spreadsheet_cell as _cell

ROSTER_KEYS = {  # our field -> roster headers that hold it (lower case)
    "name": ("student", "name", "full name", "student name"),
    "canvas_id": ("id", "canvas user id", "user id"),
    "sis_user": ("sis user id", "student number"),
    "sis_login": ("sis login id", "login id"),
    "section": ("section",),
    "email": ("email address", "email", "e-mail"),
    "idnumber": ("id number", "idnumber"),
    "username": ("username", "user name", "login"),
}


@dataclass
class Person:
    id: str
    name: str  # the learner's name as the LMS gave it (the original file or folder name without a roster)
    roster: dict = field(default_factory=dict)  # the roster row, headers in lower case
    lms_id: str = ""  # the LMS's user id when intake read one from a file name (Canvas: lastname_<id>_...)

    def get(self, key, default=""):
        for header in ROSTER_KEYS[key]:
            if self.roster.get(header, "").strip():
                return self.roster[header].strip()
        if key == "name":  # Moodle's and Blackboard's exports split the name
            parts = [self.roster.get(h, "").strip() for h in ("first name", "last name")]
            if any(parts):
                return " ".join(p for p in parts if p)
        return default


def person(submission_or_id):
    """A Person from a Submission (w10a's intake fields when present) or a bare id."""
    sub = submission_or_id
    ident = getattr(sub, "id", sub)
    roster = getattr(sub, "roster", None) or {}
    return Person(ident, str(getattr(sub, "original_name", "") or ident),
                  {str(k).strip().lower(): str(v) for k, v in dict(roster).items()},
                  str(getattr(sub, "lms_id", "") or getattr(sub, "user_id", "") or ""))


def _csv(rows):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerows([[_cell(c) for c in row] for row in rows])
    return out.getvalue()


def status_line(result, review):
    """``activations 8.33/10 failed; neuron 10/10 passed``: every exercise's points and status."""
    return "; ".join(f"{n} {g.score}/{g.max_score} {review.exercises[n].replace('_', ' ')}"
                     for n, g in result.exercises.items())


def canvas_csv(results, reviews, people, *, assignment):
    """Canvas Gradebook import: identity columns, ``assignment`` (its total) and Notes."""
    rows = [["Student", "ID", "SIS User ID", "SIS Login ID", "Section", assignment, "Notes"]]
    if results:
        rows.append(["Points Possible", "", "", "", "", results[0].max_score, ""])
    for r in results:
        p = people[r.id]
        rows.append([p.get("name", p.name), p.get("canvas_id", p.lms_id), p.get("sis_user"),
                     p.get("sis_login"), p.get("section"), r.total,
                     f"{reviews[r.id].status}: {status_line(r, reviews[r.id])}"])
    return _csv(rows)


MOODLE_FOLDER = re.compile(r"^(.+?)_\d+_assignsubmission_(?:file|onlinetext)_?$")


def moodle_csv(results, reviews, people, *, assignment, exercises):
    """Moodle CSV grade import: identifiers, ``assignment`` (the total), feedback, then per-exercise columns."""
    header = ["Full name", "Email address", "ID number", "Username", assignment, "Feedback", "Status"]
    for name in exercises:
        header += [f"{name} points", f"{name} status"]
    rows = [header]
    for r in results:
        p, review = people[r.id], reviews[r.id]
        # without a roster: the name in Moodle's folder name, `<Full Name>_<participant id>_assignsubmission_...`
        row = [p.get("name", MOODLE_FOLDER.sub(r"\1", p.name)), p.get("email"), p.get("idnumber"),
               p.get("username", "" if p.roster else r.id), r.total, status_line(r, review), review.status]
        for name in exercises:
            grade = r.exercises.get(name)
            row += [grade.score, review.exercises[name]] if grade else ["", ""]
        rows.append(row)
    return _csv(rows)


def gradescope_results(result, review, *, execution_time=None):
    """Gradescope's results.json for one learner: a test entry per exercise and per quiz.

    ``execution_time`` (seconds) is left out unless given, so a bulk export is the
    same bytes every run.
    """
    tests = []
    for name, grade in result.exercises.items():
        status = review.exercises[name]
        failed = grade.failures
        lines = [f"Status: {status.replace('_', ' ')}."]
        if status == "missing":
            lines.append(f"{name}.py was not in the submission.")
        lines += [f"- {t.name}: {t.message}" for t in failed if status != "missing"]
        tests.append({"name": name, "score": grade.score, "max_score": grade.max_score,
                      "status": "passed" if status == "passed" else "failed",
                      "output": "\n".join(lines), "visibility": "visible"})
    for quiz_id, grade in result.quizzes.items():
        wrong = [q.id for q in grade.questions if not q.correct]
        output = "No answer sheet." if grade.status == "missing" else \
            "Every answer is right." if not wrong else f"Not right: {', '.join(wrong)}."
        tests.append({"name": f"quiz {quiz_id}", "score": grade.score, "max_score": grade.max_score,
                      "status": "passed" if grade.score == grade.max_score else "failed",
                      "output": output, "visibility": "visible"})
    data = {"score": result.total, "output": f"Status: {review.status}. {result.note}".strip(),
            "visibility": "visible", "stdout_visibility": "hidden", "tests": tests}
    if execution_time is not None:
        data["execution_time"] = int(round(execution_time))
    return json_text(data)


FORMATS = ("canvas", "moodle", "gradescope")


def write(out, formats, results, reviews, people, course, *, assignment):
    """The chosen formats into ``out``: canvas.csv, moodle.csv, gradescope/<id>/results.json. Returns the paths."""
    out, written = Path(out), []
    results = sorted(results, key=lambda r: r.id)
    if "canvas" in formats:
        atomic_write(out / "canvas.csv", canvas_csv(results, reviews, people, assignment=assignment))
        written.append(out / "canvas.csv")
    if "moodle" in formats:
        atomic_write(out / "moodle.csv", moodle_csv(results, reviews, people, assignment=assignment,
                                                     exercises=list(course.exercises)))
        written.append(out / "moodle.csv")
    if "gradescope" in formats:
        folder = out / "gradescope"
        for r in results:
            atomic_write(folder / r.id / "results.json", gradescope_results(r, reviews[r.id]))
        for stale in folder.iterdir():
            if stale.name not in {r.id for r in results}:
                shutil.rmtree(stale, ignore_errors=True)
        written.append(folder)
    return written
