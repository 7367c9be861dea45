"""learnnn as a Gradescope autograder: the bundle an instructor uploads, and one submission's results.json.

Gradescope builds an image from the bundle's ``setup.sh``, then for every
submission runs ``run_autograder`` with the learner's files in
/autograder/submission and reads /autograder/results/results.json
(format: exports.gradescope_results).
"""
import io
import json
import time
import zipfile
from pathlib import Path

from . import __version__
from .atomic import atomic_write
from .manifest import MANIFEST, LearnnnError

SOURCE = "/autograder/source"
SETUP = """#!/usr/bin/env bash
# Gradescope runs this once, as root, while it builds the autograder image.
set -euo pipefail
apt-get update -q
apt-get install -y -q python3 python3-venv python3-pip
python3 -m venv /autograder/venv
/autograder/venv/bin/pip install -q {install}
"""
RUN = """#!/usr/bin/env bash
# Gradescope runs this for every submission; it must always leave results/results.json behind.
cd {source}
exec /autograder/venv/bin/learnnn {course}gradescope results /autograder/submission \\
    --out /autograder/results/results.json{weights}
"""
README = """learnnn autograder for Gradescope
=================================

Upload autograder.zip in the assignment's "Configure Autograder" page
(Ubuntu base image). setup.sh installs {install} into a virtual environment;
run_autograder grades /autograder/submission with `learnnn gradescope results`
and writes /autograder/results/results.json: one test per exercise and quiz,
each with its points, out of the course's points per exercise.
Set the assignment's total points to {total}.
"""


def write_bundle(*, out, course, points, install=None, weights=None):
    """Write setup.sh, run_autograder, README.txt (+ the course manifest, weights file, a wheel) and autograder.zip.

    ``install`` is what pip installs: a requirement (default ``learnnn==<version>``)
    or a local wheel, which goes into the bundle. Returns the zip's path.
    """
    files = {}
    install = install or f"learnnn=={__version__}"
    shown = install
    if install.endswith(".whl"):
        wheel = Path(install)
        if not wheel.is_file():
            raise LearnnnError(f"{wheel}: no such wheel")
        files[wheel.name] = wheel.read_bytes()
        install = f"{SOURCE}/{wheel.name}"
    course_arg = ""
    if Path(course.source).resolve() != MANIFEST.resolve():
        files["course.yaml"] = Path(course.source).read_bytes()
        course_arg = f"--course {SOURCE}/course.yaml "
    weights_arg = ""
    if weights is not None:
        name = "weights" + Path(weights).suffix.lower()
        files[name] = Path(weights).read_bytes()
        weights_arg = f" --weights {SOURCE}/{name}"
    files["setup.sh"] = SETUP.format(install=install).encode()
    files["run_autograder"] = RUN.format(source=SOURCE, course=course_arg, weights=weights_arg).encode()
    files["README.txt"] = README.format(install=shown, total=_fmt(total_points(course, points))).encode()
    return _write(Path(out), files)


def total_points(course, points):
    """The most a submission can score: every exercise's points and every quiz question."""
    from . import quiz
    from .grading import quiz_lessons

    return sum(points.exercises.values()) + sum(points.quiz(lesson.id, len(quiz.load(lesson).questions))
                                                for lesson in quiz_lessons(course))


def _fmt(x):
    return str(int(x)) if float(x).is_integer() else str(x)


def _write(out, files):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in sorted(files.items()):
            info = zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0))  # the same bytes every time
            executable = name in ("setup.sh", "run_autograder")
            info.external_attr = (0o100755 if executable else 0o100644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    for name, data in files.items():
        atomic_write(out / name, data)
        if name in ("setup.sh", "run_autograder"):
            (out / name).chmod(0o755)
    atomic_write(out / "autograder.zip", buf.getvalue())
    return out / "autograder.zip"


def grade_one(*, folder, course, points, budget, discover):
    """Grade the learner's files in ``folder`` as one submission; returns (result, review, seconds).

    ``discover`` is intake's function from paths to submissions; several found
    (folders of several learners) are merged by file name, the first taking precedence.
    """
    from . import classpool, review, weights
    from .intake import Submission
    from .grading import quiz_lessons

    started = time.monotonic()
    found = discover([folder], course=course, quizzes=[lesson.id for lesson in quiz_lessons(course)], skip=())
    sub = found[0] if len(found) == 1 else Submission("submission")
    if len(found) > 1:
        for other in found:
            for name, data in other.files.items():
                sub.files.setdefault(name, data)
    sub.id = "submission"
    (result,) = classpool.grade_class([sub], course, jobs=1, budget=budget)
    result = weights.apply(result, points)
    item = review.review([result], [sub], course)[result.id]
    return result, item, time.monotonic() - started


def failed_results(message):
    """results.json when grading itself could not run: Gradescope shows the message and no score."""
    return json.dumps({"score": 0, "output": f"learnnn could not grade this submission: {message}",
                       "visibility": "visible", "tests": []}, indent=2) + "\n"


def write_results(*, submission, out, course_file=None, weights=None):
    """Grade the learner's files in the folder ``submission`` with the course of ``course_file`` (default:
    the packaged one) and write Gradescope's results.json to ``out``; returns (result, review).

    When grading can't run (a broken manifest or weights file, or learnnn's own failure) results.json still
    says why, so the learner sees it on Gradescope, and the exception is raised again.
    """
    from . import exports, manifest, weights as points_of
    from .intake import discover

    try:
        course = manifest.load(course_file) if course_file else manifest.load()
        points = points_of.resolve(course, points_of.read(weights, course) if weights else None)
        result, item, seconds = grade_one(folder=submission, course=course, points=points, budget=None,
                                          discover=discover)
    except LearnnnError as exc:
        atomic_write(out, failed_results(str(exc)))
        raise
    except Exception as exc:
        atomic_write(out, failed_results(f"learnnn failed to grade this submission ({type(exc).__name__}: "
                                         f"{str(exc)[:300]}); please tell your course staff"))
        raise
    atomic_write(out, exports.gradescope_results(result, item, execution_time=seconds))
    return result, item
