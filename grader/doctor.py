"""`learnnn doctor`: is this Python, its NumPy and the workspace fit for the course?

Every check gives a :class:`Finding` that says what is wrong and how to fix it.
Learner files are read and compiled, never imported: compiling runs no code.
A progress file that can't be used is set aside and rebuilt by re-running the
checks of the exercises the learner changed and regrading saved answer sheets.
"""
import importlib.metadata
import importlib.util
import os
import re
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import progress, quiz, workspace
from .manifest import LearnnnError
from .submit import ANSWERS, syntax_problem

MIN_PYTHON = (3, 10)
THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")
SET_ASIDE = "old-progress"  # .learnnn/ subfolder where unreadable progress files go once rebuilt


@dataclass
class Finding:
    status: str  # "ok", "note" (worth knowing, not a problem) or "problem"
    message: str
    fix: str = ""


@dataclass
class Report:
    findings: list = field(default_factory=list)
    workspace: object = None  # the Workspace checked, if one was found
    state: object = None  # its Progress, loaded (and repaired) by the checks
    rebuild: bool = False  # progress had to start again: rebuild_progress() should run

    def add(self, status, message, fix=""):
        self.findings.append(Finding(status, message, fix))

    @property
    def problems(self):
        return [f for f in self.findings if f.status == "problem"]


# ---------------------------------------------------------------- the environment


def _version_tuple(text):
    return tuple(int(m.group()) for m in (re.match(r"\d+", part) for part in str(text).split(".")[:3]) if m)


def check_python(report, version_info=sys.version_info):
    shown = ".".join(map(str, version_info[:3]))
    if tuple(version_info[:2]) >= MIN_PYTHON:
        report.add("ok", f"Python {shown} ({sys.executable})")
    else:
        report.add("problem", f"Python {shown} is too old: learnnn needs {'.'.join(map(str, MIN_PYTHON))} or newer",
                   "install a newer Python, make a new virtual environment with it and `pip install learnnn` there")


def check_numpy(report):
    try:
        import numpy
    except Exception as exc:  # a broken install can fail in many ways
        report.add("problem", f"NumPy can't be imported ({type(exc).__name__}: {exc})",
                   "pip install --force-reinstall numpy")
        return
    report.add("ok", f"NumPy {numpy.__version__}")
    report.add(*_blas(numpy))
    _thread_variables(report)


def _blas(numpy):
    try:
        from threadpoolctl import threadpool_info
        pools = [p for p in threadpool_info() if p.get("user_api") == "blas"]
        if pools:
            text = ", ".join(f"{p.get('internal_api')} {p.get('version') or ''} with {p.get('num_threads')} threads"
                             .replace("  ", " ") for p in pools)
            return "ok", f"BLAS: {text} (checks run your code with 1 thread)"
    except Exception:
        pass
    try:
        blas = numpy.show_config(mode="dicts")["Build Dependencies"]["blas"]
        return "ok", f"BLAS: {blas.get('name')} {blas.get('version', '')}".rstrip() + " (checks run your code with 1 thread)"
    except Exception:
        return "note", "BLAS: NumPy does not say which BLAS it uses (that is fine: checks run your code with 1 thread)"


def _thread_variables(report):
    values = {name: os.environ[name] for name in THREAD_VARIABLES if name in os.environ}
    bad = {n: v for n, v in values.items() if not v.strip().isdigit() or int(v) < 1}
    for name, value in bad.items():
        report.add("problem", f"{name}={value!r} is not a positive whole number; BLAS may ignore it or fail",
                   f"unset {name}, or set it to a number of threads such as {name}=1")
    cpus = os.cpu_count() or 1
    many = {n: v for n, v in values.items() if n not in bad and int(v) > cpus}
    for name, value in many.items():
        report.add("note", f"{name}={value} asks for more threads than this machine's {cpus} CPUs",
                   f"export {name}={cpus}")
    if not bad and not many:
        shown = ", ".join(f"{n}={v}" for n, v in values.items()) or "none set"
        report.add("ok", f"thread variables: {shown}")


def check_dependencies(report, dist="learnnn"):
    """Every requirement of the installed package is there and new enough."""
    try:
        requirements = importlib.metadata.requires(dist) or []
    except importlib.metadata.PackageNotFoundError:
        report.add("note", "learnnn is not installed as a package, so its dependencies can't be listed")
        return
    found, bad = [], []
    for req in requirements:
        if ";" in req:  # extras and markers: optional
            continue
        match = re.match(r"\s*([A-Za-z0-9_.\-]+)\s*(?:>=\s*([\w.]+))?", req)
        name, minimum = match.group(1), match.group(2)
        try:
            version = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            bad.append((f"{name} is not installed", f"pip install '{req}'"))
            continue
        if minimum and _version_tuple(version) < _version_tuple(minimum):
            bad.append((f"{name} {version} is older than the {minimum} learnnn needs", f"pip install -U '{req}'"))
        else:
            found.append(f"{name} {version}")
    for message, fix in bad:
        report.add("problem", message, fix)
    if found:
        report.add("ok", "packages: " + ", ".join(found))


def check_worker(report):
    """Start the sandboxed worker that runs learner code, and call a function in it."""
    from .sandbox import LearnerFailure, Sandbox, SandboxSpec

    with tempfile.TemporaryDirectory(prefix="learnnn-doctor-") as folder:
        module = Path(folder) / "doctor_ping.py"
        module.write_text("import numpy as np\n\n\ndef ping():\n    return np.arange(3.0) @ np.ones(3)\n")
        started = time.perf_counter()
        try:
            with Sandbox(SandboxSpec(files={"doctor_ping": module}, time_limit=30)) as sandbox:
                value = sandbox.call("doctor_ping", "ping")
        except LearnerFailure as exc:
            report.add("problem", f"the sandboxed worker that runs your code does not work: {exc}",
                       "check that `python -c 'import numpy'` works in this environment; "
                       "if it does, please report this output")
            return
    if float(value) != 3.0:
        report.add("problem", f"the worker computed {value!r} for 0+1+2", "please report this output")
    else:
        report.add("ok", f"the worker that runs your code starts and computes ({time.perf_counter() - started:.2f} s)")


def check_isolation(report):
    """Which walls stand around learner code here (learnnn.isolation.tier), and why any is missing."""
    from . import isolation

    tier = isolation.tier()
    why = f" ({'; '.join(tier.missing)})" if tier.missing else ""
    if tier.kernel:
        report.add("ok", f"isolation: {tier.name}{why}; workers are uid {tier.host_uid} outside their namespaces")
    else:
        report.add("note", f"isolation: {tier.name}{why}",
                   "checks work as usual; `learnnn grade` needs the kernel tier (Linux with user namespaces) "
                   "unless given --allow-process-only-isolation")


# ---------------------------------------------------------------- the workspace


def check_files(report, course, ws):
    fine, changed = 0, 0
    for exercise in course.exercises.values():
        path, name = ws.module(exercise), exercise.filename
        if not path.exists():
            report.add("problem", f"{name} is missing", f"learnnn reset {exercise.name}")
            continue
        if not path.is_file():
            report.add("problem", f"{name} is not a file", f"move it away, then `learnnn reset {exercise.name}`")
            continue
        try:
            data = path.read_bytes()
        except OSError as exc:
            report.add("problem", f"{name} can't be read ({exc.strerror or exc})", f"chmod u+rw {path}")
            continue
        if exercise.stub.is_file() and data == exercise.stub.read_bytes():
            fine += 1
            continue
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            report.add("problem", f"{name} is not UTF-8 text (byte {exc.start})",
                       f"save it as UTF-8 in your editor, or `learnnn reset {exercise.name}` to start again")
            continue
        if problem := syntax_problem(data, name):
            report.add("problem", f"{name} is not valid Python ({problem})",
                       f"fix that line, or `learnnn reset {exercise.name}` to start again "
                       "(your version is kept in .learnnn/backups/)")
            continue
        fine, changed = fine + 1, changed + 1
    if fine:
        report.add("ok", f"{fine} exercise files readable and valid Python ({changed} changed from the stub)")
    for path in sorted((ws.root / ANSWERS).glob("*.yaml")) if (ws.root / ANSWERS).is_dir() else []:
        _, problems = quiz.read_sheet(path)
        for problem in problems:
            report.add("problem", problem, f"fix {path}, or take the quiz again: learnnn quiz {path.stem}")


def check_progress(report, course, ws):
    """Load progress; one that can't be read or used is set aside and marked for a rebuild."""
    if not ws.managed:
        report.add("note", f"{ws.root} was not made by `learnnn init`, so it keeps no progress",
                   f"learnnn init {ws.root}")
        report.state = progress.Progress()
        return
    if not os.access(ws.state_dir, os.W_OK):
        report.add("problem", f"{ws.state_dir} is not writable: progress can't be saved", f"chmod u+rwx {ws.state_dir}")
    try:
        state = progress.load(ws)
    except OSError as exc:  # e.g. progress.json itself is unreadable: no command can use it
        report.add("problem", f"{progress.path(ws)} can't be read or moved ({exc.strerror or exc})",
                   f"chmod u+rw {progress.path(ws)} {ws.state_dir}")
        return
    if state.problem:
        report.add("problem", state.problem.split(" and progress starts again")[0],
                   "rebuilt now by re-running your checks and regrading your saved quiz answers")
        report.rebuild = True
    else:
        report.add("ok", f"progress file readable ({sum(state.done(s) for s in course.steps)} of "
                         f"{len(course.steps)} steps done)")
    report.state = state
    old = sorted(ws.state_dir.glob("progress.corrupt-*.json"))
    if old and not report.rebuild:
        report.add("note", f"{len(old)} earlier unreadable progress file(s) are kept in {ws.state_dir}",
                   "learnnn doctor --rebuild re-runs your checks to restore what they held")


def diagnose(*, course, workspace_dir=None, start=None, worker=True):
    """Check the environment and, if there is one, the workspace."""
    report = Report()
    check_python(report)
    check_numpy(report)
    check_dependencies(report)
    if worker:
        check_isolation(report)
        check_worker(report)
    try:
        ws = workspace.find(course, workspace_dir, start=start)
    except LearnnnError as exc:
        status = "problem" if workspace_dir is not None else "note"
        report.add(status, f"no workspace checked: {exc}")
        return report
    report.workspace = ws
    report.add("ok", f"workspace {ws.root}")
    check_files(report, course, ws)
    check_progress(report, course, ws)
    return report


# ---------------------------------------------------------------- rebuilding progress


@dataclass
class Rebuilt:
    checked: list = field(default_factory=list)  # exercises whose checks were re-run
    passed: list = field(default_factory=list)  # ... and pass
    quizzes: dict = field(default_factory=dict)  # quiz id -> (score, max) from the saved answer sheet
    lessons: list = field(default_factory=list)  # marked read: every lesson up to the furthest recovered work


def changed_exercises(course, ws):
    """Exercises whose file differs from the starting stub (a stub can't pass, so only these need a check)."""
    out = []
    for exercise in course.exercises.values():
        try:
            if ws.module(exercise).read_bytes() != exercise.stub.read_bytes():
                out.append(exercise.name)
        except OSError:
            continue
    return out


def rebuild_progress(*, course, ws, state=None):
    """Fill progress in again from the workspace itself; only ever adds to ``state``."""
    from .check import run_checks

    state = state if state is not None else progress.load(ws)
    state.problem = ""
    done = Rebuilt(checked=changed_exercises(course, ws))
    for result in run_checks(course=course, source_dir=ws.root, exercises=done.checked) if done.checked else []:
        state.record_check(result)
        if result.passed:
            done.passed.append(result.exercise)
    for lesson in course.lessons:
        sheet = ws.root / ANSWERS / f"{lesson.id}.yaml"
        if not sheet.is_file():
            continue
        try:
            chosen = quiz.load(lesson)
        except LearnnnError:
            continue
        answers, problems = quiz.read_sheet(sheet)
        result = quiz.grade(chosen, answers, problems)
        state.record_quiz(lesson.id, result.score, result.max)
        done.quizzes[lesson.id] = (result.score, result.max)
    reached = [i for i, lesson in enumerate(course.lessons)
               if lesson.id in done.quizzes or set(lesson.exercises) & set(done.passed)]
    for lesson in course.lessons[:max(reached) + 1] if reached else []:
        if lesson.id not in state.lessons_read:
            state.mark_read(lesson.id)
            done.lessons.append(lesson.id)
    progress.save(ws, state)
    old = sorted(ws.state_dir.glob("progress.corrupt-*.json"))
    if old:  # rebuilt: keep the unreadable files, out of the way of the next doctor
        (ws.state_dir / SET_ASIDE).mkdir(exist_ok=True)
        for file in old:
            os.replace(file, ws.state_dir / SET_ASIDE / file.name)
    return done
