"""`learnnn submit`: one zip of the learner's modules and quiz answer sheets.

The layout is what `learnnn grade` reads as one submission: every exercise
module present in the workspace at the top level, and ``answers/<quiz id>.yaml``.
Nothing else goes in; in particular never .learnnn/ (progress, backups).
"""
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from .atomic import replacing
from .manifest import LearnnnError

ANSWERS = "answers"


@dataclass
class SubmitReport:
    path: Path
    modules: list = field(default_factory=list)  # file names put in the zip
    answers: list = field(default_factory=list)  # "answers/<id>.yaml" put in the zip
    missing: list = field(default_factory=list)  # exercise files not in the workspace
    untouched: list = field(default_factory=list)  # still exactly the starting stub
    broken: list = field(default_factory=list)  # (file name, why it won't import): included all the same
    unreadable: list = field(default_factory=list)  # (file name, why): left out
    unanswered: list = field(default_factory=list)  # ids of the course's quizzes with no answer sheet


def syntax_problem(source, filename):
    """Why ``source`` is not valid Python, or "". Compiling never runs the code, so it is safe here."""
    try:
        compile(source, filename, "exec", dont_inherit=True)
    except SyntaxError as exc:
        return f"line {exc.lineno}: {exc.msg}" if exc.lineno else exc.msg
    except (ValueError, RecursionError, MemoryError) as exc:  # e.g. a NUL byte, absurdly deep nesting
        return f"{type(exc).__name__}: {exc}"
    return ""


def default_path(ws):
    return Path(ws.root) / f"{Path(ws.root).name}-submission.zip"


def build(*, course, ws, out=None):
    """Write the submission zip (atomically) and say what went in and what deserves a look."""
    root = Path(ws.root)
    target = Path(out).expanduser() if out else default_path(ws)
    if target.is_dir():
        target = target / default_path(ws).name
    if not target.parent.is_dir():
        raise LearnnnError(f"can't write {target}: there is no folder {target.parent}")
    report = SubmitReport(target.resolve())
    files = []  # (name in the zip, path, bytes)
    for exercise in course.exercises.values():
        path = root / exercise.filename
        if not path.is_file():
            report.missing.append(exercise.filename)
            continue
        try:
            data = path.read_bytes()
        except OSError as exc:
            report.unreadable.append((exercise.filename, exc.strerror or str(exc)))
            continue
        files.append((exercise.filename, path, data))
        report.modules.append(exercise.filename)
        if exercise.stub.is_file() and data == exercise.stub.read_bytes():
            report.untouched.append(exercise.filename)
        elif problem := syntax_problem(data, exercise.filename):
            report.broken.append((exercise.filename, problem))
    for path in sorted((root / ANSWERS).glob("*.yaml")) if (root / ANSWERS).is_dir() else []:
        name = f"{ANSWERS}/{path.name}"
        if not path.is_file():
            continue
        try:
            files.append((name, path, path.read_bytes()))
            report.answers.append(name)
        except OSError as exc:
            report.unreadable.append((name, exc.strerror or str(exc)))
    answered = {Path(name).stem for name in report.answers}
    report.unanswered = [lesson.id for lesson in course.lessons
                         if lesson.quiz_path.is_file() and lesson.id not in answered]
    if not files:
        raise LearnnnError(f"nothing to submit: {root} holds none of the exercise files and no quiz answers")
    _write_zip(report.path, files)
    return report


def _write_zip(target, files):
    with replacing(target) as raw, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, path, data in files:  # a half-written zip never sits under the real name
            info = zipfile.ZipInfo.from_file(path, name, strict_timestamps=False)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
