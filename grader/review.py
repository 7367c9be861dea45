"""What an instructor should look at: each exercise's status and the rows that need attention.

Everything here reads graded results (and the submissions they came from);
nothing grades. Each failed test's outcome kind (``TestOutcome.kind``) refines
the exercise-level status the grader gave.
"""
import ast
import collections
import warnings
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from .feedback import SAME_REASON
from .submit import syntax_problem

EXERCISE_STATUSES = {
    "passed": "every test passed",
    "failed": "some tests failed",
    "not_implemented": "every failed test met a function that is not written yet",
    "stub": "the file is the untouched starting stub (an honest 0 is `failed`)",
    "timed_out": "a call or the exercise's time budget ran out: what it stopped scores 0",
    "crashed": "the code crashed the process running it",
    "missing": "the file was not in the submission",
    "error": "learnnn could not run the hidden tests",
    "rejected": "the whole submission was refused: see the note",
}
ROW_STATUSES = {"timed_out": "graded, but some code hung: the tests it stopped score 0"}
HUNG = {"timed_out", "budget_exhausted"}  # outcome kinds of code that did not finish


@dataclass
class Review:
    id: str
    status: str  # the submission's status, with hung code shown as timed_out rather than graded
    exercises: dict  # exercise -> one of EXERCISE_STATUSES
    attention: list = field(default_factory=list)  # sentences for the "needs attention" list
    original_name: str = ""
    identical: list = field(default_factory=list)  # ids of submissions with the same graded files
    graded_as: list = field(default_factory=list)  # "src/Activations.py -> activations.py": files graded renamed
    reference_copies: list = field(default_factory=list)  # exercises whose module is the reference solution


def failed_kinds(grade):
    return {t.kind for t in grade.failures}


def exercise_status(grade, *, stub=False, rejected=False):
    if rejected:
        return "rejected"
    if grade.status in ("missing", "error"):
        return grade.status
    if stub:
        return "stub"
    kinds = failed_kinds(grade)
    if grade.status == "stopped" or kinds & HUNG:
        return "timed_out"
    if "crashed" in kinds:
        return "crashed"
    if grade.status == "passed":
        return "passed"
    if kinds == {"not_implemented"} and not any(t.passed for t in grade.tests):
        return "not_implemented"
    return "failed"


def _text(data):
    text = data.decode("utf-8", "replace").removeprefix("\ufeff")
    return "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").splitlines()).strip()


def _stubs(course):
    return {e.filename: _text(e.stub.read_bytes()) for e in course.exercises.values() if e.stub.is_file()}


class _Docstrings(ast.NodeTransformer):
    def visit_Expr(self, node):
        return None if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str) else node


def code_shape(text):
    """The code of a module as ast.dump, with comments, docstrings (any statement that is only a string),
    blank lines and layout set aside; None when it does not parse. Nothing is run."""
    try:
        return ast.dump(_Docstrings().visit(ast.parse(text)))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _references(course):
    """{module file name: (code_shape of its reference solution, the most bytes a copy of it is given)}.

    Parsing is done in the trusted process and costs 7 to 15 s and over 1 GB for a hostile 2 MB module, so a
    module over four times the reference's size and 8 KiB more (comments enough for any honest copy) is
    not compared."""
    out = {}
    for e in course.exercises.values():
        if e.solution.is_file():
            source = e.solution.read_bytes()
            shape = code_shape(_text(source))
            if shape is not None:
                out[e.filename] = (shape, 4 * len(source) + 8 * 2**10)
    return out


def _is_reference(data, reference):
    shape, most = reference
    return len(data) <= most and code_shape(_text(data)) == shape


def compile_error(data):
    """Where and why the module's source ``data`` (bytes) does not compile, as "line 27: expected ':'"; None when
    it compiles. Compiled, never run, by the check `learnnn submit` makes (submit.syntax_problem)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # an invalid escape sequence warns and still compiles
        return syntax_problem(data, "<learner>")[:120] or None


def _uncompiled(result, files, references):
    """{file: why} for each exercise module that does not compile, looked for only where the exercise failed with
    an exception (as every test of such a module does). A module is compiled only when no larger than its reference
    solution allows (``_references``): compiling a hostile file costs seconds and gigabytes in this, the trusted,
    process."""
    out = {}
    for name, grade in result.exercises.items():
        file = f"{name}.py"
        if "raised" in failed_kinds(grade) and file in files and file in references \
                and len(files[file]) <= references[file][1]:
            why = compile_error(files[file])
            if why:
                out[file] = why
    return out


def review(results, submissions, course):
    """{id: Review} for every result; ``submissions`` (same ids) give file contents and names.

    A module whose code is the reference solution's (``code_shape`` equal: comments, docstrings and layout
    aside) is named in ``Review.reference_copies`` and the attention notes; its score is left as graded. So is a
    module that does not compile (``compile_error``): one missing colon zeroes it and every exercise built on it."""
    by_id = {s.id: s for s in submissions}
    stubs = _stubs(course)
    references = _references(course)
    stubbed = {}
    for sub in submissions:
        stubbed[sub.id] = {f for f, data in sub.files.items() if f in stubs and _text(data) == stubs[f]}
    groups = collections.defaultdict(list)
    for sub in submissions:
        modules = {f for f in sub.files if f in stubs}
        if modules - stubbed[sub.id] and not sub.problem:  # copies of the stubs are flagged as stubs instead
            groups[sub.digest].append(sub.id)
    twins = {i: sorted(set(ids) - {i}) for ids in groups.values() if len(ids) > 1 for i in ids}
    out = {}
    for r in results:
        sub = by_id.get(r.id)
        stubs_here = stubbed.get(r.id, set())
        statuses = {n: exercise_status(g, stub=f"{n}.py" in stubs_here, rejected=r.status == "rejected")
                    for n, g in r.exercises.items()}
        status = "timed_out" if r.status in ("graded", "incomplete") and "timed_out" in statuses.values() \
            else r.status
        files = getattr(sub, "files", None) or {}
        copied = [n for n in r.exercises if f"{n}.py" in references and f"{n}.py" in files
                  and _is_reference(files[f"{n}.py"], references[f"{n}.py"])]
        item = Review(r.id, status, statuses, original_name=str(getattr(sub, "original_name", "") or r.id),
                      identical=twins.get(r.id, []), graded_as=list(getattr(sub, "renamed", None) or []),
                      reference_copies=copied if r.status != "rejected" else [])
        broken = _uncompiled(r, files, references) if r.status != "rejected" else {}
        item.attention = _attention(r, item, sub, course, broken)
        out[r.id] = item
    return out


def _attention(result, item, sub, course, broken=None):
    notes = []
    if result.status == "rejected":
        return [f"rejected: {result.note}"]
    if result.status in ("stopped", "error"):
        notes.append(f"{result.status}: {result.note}" if result.note else result.status)
    if result.status == "empty":
        notes.append("nothing gradable: no exercise file and no quiz answer sheet")
    by_status = collections.defaultdict(list)
    for name, status in item.exercises.items():
        by_status[status].append(name)
    for status, what in (("timed_out", "timed out"), ("crashed", "crashed"), ("error", "could not be graded"),
                         ("stub", "untouched starting stub")):
        if by_status[status]:
            notes.append(f"{what}: {', '.join(by_status[status])}")
    if broken:
        notes.append("does not compile (every test that imports it fails): "
                     + ", ".join(f"{file} ({why})" for file, why in broken.items()))
    if item.reference_copies:
        notes.append(f"the reference solution's code (comments and layout aside): {', '.join(item.reference_copies)}")
    ignored = list(getattr(sub, "ignored", []) or [])
    if by_status["missing"] and result.status != "empty":
        notes.append(f"missing: {', '.join(f'{n}.py' for n in by_status['missing'])}")
    for name in by_status["missing"]:
        near = [f for f in ignored if PurePosixPath(str(f)).stem.lower() == name]
        if near:
            notes.append(f"misplaced? {name}.py is missing but the submission holds {', '.join(near)}")
    refused = [n for n, g in result.exercises.items() if "refused" in failed_kinds(g)]
    if refused:
        notes.append(f"refused an import or operation (a borrowed model?): {', '.join(refused)}")
    for entry in getattr(sub, "set_aside", None) or []:
        what, why = entry if isinstance(entry, (tuple, list)) and len(entry) == 2 else (entry, "")
        notes.append(f"set aside: {what}" + (f" ({why})" if why else ""))
    if getattr(sub, "missing", False):
        notes.append("on the roster, but nothing was submitted")
    if getattr(sub, "late", False):
        notes.append("marked late by the LMS")
    if item.identical:
        notes.append(f"identical graded files to {', '.join(item.identical)}")
    return notes


def cause_keys(failed):
    """{test name: (kind, message)}, where a test that "fails for the same reason as" an earlier one takes
    that test's key (feedback.same_reason writes the pointer): one root cause, one key."""
    keys = {}
    for t in failed:
        pointer = SAME_REASON.match(t.message)
        keys[t.name] = keys.get(pointer[1]) if pointer and pointer[1] in keys else (t.kind, t.message)
    return keys


def failure_causes(results, reviews, course):
    """Most-failed tests counted by root cause: {(exercise, cause): learners}, and learners per exercise.

    Tests of one exercise failing with one identical message (a module that does
    not import, a function not written, a stub) count once, under the first of
    them; an own-stack exercise whose learner broke an earlier module counts
    nothing, since that module's own failures already count.
    """
    causes, tried = collections.Counter(), collections.Counter()
    order = list(course.exercises)
    for r in results:
        statuses = reviews[r.id].exercises
        for name, grade in r.exercises.items():
            status = statuses[name]
            if status in ("missing", "rejected", "error"):
                continue
            tried[name] += 1
            exercise = course.exercises[name]
            if exercise.own_stack and any(statuses.get(e) not in ("passed", None) for e in exercise.earlier):
                continue
            if status == "stub":
                causes[(name, "untouched stub")] += 1
                continue
            failed = grade.failures
            keys = cause_keys(failed)
            seen = set()
            for t in failed:
                key = keys[t.name]
                if key in seen:
                    continue
                seen.add(key)
                alike = sum(keys[u.name] == key for u in failed)
                if alike == len(grade.tests) > 1:
                    label = f"every test, one cause ({t.kind})"
                else:
                    label = t.name
                causes[(name, label)] += 1
    ranked = sorted(causes.items(), key=lambda kv: (-kv[1] / tried[kv[0][0]], order.index(kv[0][0]), kv[0][1]))
    return [(100.0 * n / tried[ex], ex, label) for (ex, label), n in ranked], tried
