"""What can happen to a call into learner code: outcome kinds as data, and the failures that carry them.

Every failure is raised with its :class:`Outcome` where it is detected, so
grading, model grading and plots read ``exc.outcome`` and never the wording of
a message. The message builders here turn what the worker reported into text
written for a stuck learner.
"""
import enum
import re
import signal

PRINT_LIMIT = 16 * 2**20  # the worker's RLIMIT_FSIZE: what learner code may print, in bytes


class Word(str, enum.Enum):
    """An enum whose members are their values as text: in JSON, CSV, f-strings and comparisons alike."""

    __str__ = str.__str__
    __format__ = str.__format__


class Outcome(Word):
    """The kind of a test's outcome; its value is what the JSON results carry under "kind"."""

    PASSED = "passed"
    FAILED = "failed"  # the code ran and its result was wrong
    RAISED = "raised"  # the learner's code raised an exception
    NOT_IMPLEMENTED = "not_implemented"  # a stub still raises NotImplementedError
    MISSING = "missing"  # the module or the function is not there
    TIMED_OUT = "timed_out"  # one call did not return within its limit
    BUDGET_EXHAUSTED = "budget_exhausted"  # the exercise's time for all calls together ran out
    CRASHED = "crashed"  # the worker died, exited or sent back something unreadable
    REFUSED = "refused"  # the sandbox refused an import or an operation
    ERROR = "error"  # learnnn itself could not run the test: not the learner's doing


class LearnerFailure(Exception):
    """Learner code failed; ``str()`` is the learner-facing explanation, ``outcome`` its kind."""

    outcome = Outcome.FAILED
    show_output = True  # whether the test's message ends with what the learner's code printed

    def __init__(self, message, *, outcome=None):
        super().__init__(message)
        if outcome is not None:
            self.outcome = Outcome(outcome)


class LearnerRaised(LearnerFailure):
    """Learner code raised; ``kind`` is the exception's type name, ``where`` the learner's line,
    ``phase`` "import" (importing the module failed) or "call"."""

    outcome = Outcome.RAISED

    def __init__(self, message, *, kind, where="", outcome=None, missing_module=None, phase="call"):
        super().__init__(message, outcome=outcome)
        self.kind, self.where, self.missing_module, self.phase = kind, where, missing_module, phase


class LearnerTimeout(LearnerFailure):
    """A call did not return in time; ``phase`` is "startup", "import" or "call"."""

    outcome = Outcome.TIMED_OUT

    def __init__(self, message, *, phase="call"):
        super().__init__(message)
        self.phase = phase


class LearnerCrashed(LearnerFailure):
    outcome = Outcome.CRASHED


class BudgetExhausted(LearnerFailure):
    """The exercise's time budget ran out: this call was cut short, or never made."""

    outcome = Outcome.BUDGET_EXHAUSTED


# ---------------------------------------------------------------- message builders


def timed_out(*, call, timeout, phase, startup_seconds):
    if phase == "import":
        return LearnerTimeout(f"importing your module did not finish within {timeout:g} s: "
                              "is there a loop or long computation at the top level of the file?", phase=phase)
    if phase == "startup":
        return LearnerTimeout(f"the worker that runs your code did not start within {startup_seconds:g} s",
                              phase=phase)
    return LearnerTimeout(f"{call} did not return within {timeout:g} s: look for an endless loop "
                          "(a while loop whose condition never changes) or far too many iterations", phase=phase)


def crashed(*, call, phase, code, startup_output=""):
    """The worker is gone: ``code`` is its exit status (negative: the signal that killed it)."""
    when = "while importing your module" if phase == "import" else f"while running {call}"
    if code is not None and code < 0:
        reasons = {signal.SIGXCPU: "it used up its CPU time",
                   signal.SIGKILL: "it was killed, usually for using too much memory",
                   signal.SIGSEGV: "it crashed inside native code (a segmentation fault)"}
        why = reasons.get(-code, f"it was stopped by signal {_signal_name(-code)}")
        return LearnerCrashed(f"the process running your code died {when}: {why}")
    startup = f" ({startup_output})" if startup_output else ""
    return LearnerCrashed(f"the process running your code exited (code {code}) {when}{startup}: "
                          "does your module call exit(), sys.exit() or os._exit()?")


def unreadable_reply(*, call, error):
    return LearnerCrashed(f"{call} sent back something learnnn can't read ({error}); "
                          "does your code write to sys.__stdout__ or file descriptor 1?")


SYNTAX_ERRORS = ("SyntaxError", "IndentationError", "TabError")
_PLACE = re.compile(r"\((\w+)\.py, line (\d+)\)")  # how the worker names a SyntaxError's file (worker.serve._syntax)


def _uncompiled(kind, message, phase, modules):
    """(module, line) of the exercise module that did not compile, when importing failed with a SyntaxError that
    names one of ``modules`` (the module names copied into the worker); else None. The importing frame is not
    the mistake: ``import activations`` in layers.py is right, the missing colon in activations.py is not."""
    if kind not in SYNTAX_ERRORS or phase != "import":
        return None
    place = _PLACE.search(message)
    return (place[1], int(place[2])) if place and place[1] in modules else None


def _signal_name(number):
    try:
        return signal.Signals(number).name
    except ValueError:
        return str(number)


def explain(error, *, module, call, memory_mb, modules=(), printed_bytes=0):
    """A LearnerFailure for an error the worker reported while importing ``module`` or running ``call``.

    ``error`` is the worker's report ({"type", "message", "where", "phase",
    "refused", "missing_module"}); ``modules`` are the module names copied
    into the worker; ``printed_bytes`` is how much the learner's code printed.
    """
    kind, message, where = error["type"], error.get("message", ""), error.get("where", "")
    at = f" (at {where})" if where else ""
    phase = "import" if error.get("phase") == "import" else "call"
    raised = lambda text, outcome=None, **extra: LearnerRaised(text, kind=kind, where=where, outcome=outcome,
                                                               phase=phase, **extra)
    if error.get("refused"):
        if kind == "Refused":  # an import: the message names the module and why
            return raised(message, Outcome.REFUSED)
        return raised(f"{message}{at}. Your functions should only compute with NumPy.", Outcome.REFUSED)
    if kind == "NotImplementedError":
        # The stubs raise NotImplementedError("<function>"), so name that one: it may be in an earlier module.
        func = message if message.isidentifier() else call
        file = where.split(",")[0] if where else f"{module}.py"
        via = f" ({call} calls it)" if func != call else ""
        return raised(f"{func} is not implemented yet{via}: it still raises NotImplementedError. "
                      f"Write its body in {file}.", Outcome.NOT_IMPLEMENTED)
    if kind == "MissingFunction":
        return raised(f"{message}: keep the function name and signature from the stub.", Outcome.MISSING)
    if kind == "BadReturn":
        return raised(f"{call} returned a value learnnn can't read: {message}. "
                      "Return NumPy arrays, numbers, lists, tuples or dicts.", Outcome.FAILED)
    if kind == "MemoryError":
        return raised(f"{call} ran out of memory (the limit is {memory_mb} MB){at}: "
                      "is an array much larger than you meant, e.g. (n, n) instead of (n,)?")
    if kind == "SystemExit":
        return raised(f"your code called exit() or sys.exit(){at}; remove it: "
                      "a module's functions should return values", Outcome.CRASHED)
    copied = ", ".join(f"{m}.py" for m in modules) or f"{module}.py"
    broken = _uncompiled(kind, message, phase, modules)
    if broken and broken[0] != module:
        named, line = broken
        via = f" (imported at {where})" if where else ""
        return LearnerRaised(f"importing {module}.py failed because your {named}.py does not compile: {kind}: "
                             f"{message}{via}; fix {named}.py first (`learnnn check {named}`)", kind=kind,
                             where=f"{named}.py, line {line}", phase=phase)
    if kind == "OSError" and printed_bytes >= PRINT_LIMIT:
        flood = raised(f"your code printed more than {PRINT_LIMIT // 2**20} MB; remove the print in a loop{at}, "
                       "or print a summary once, after the loop")
        flood.show_output = False  # what it printed is the flood itself
        return flood
    if kind in ("FileNotFoundError", "IsADirectoryError", "NotADirectoryError"):
        return raised(f"your code tried to open a file{at} ({message}), but it runs in a folder holding only the "
                      f"exercise modules ({copied}): compute with the arguments your function is given instead")
    missing = error.get("missing_module")
    if kind == "ModuleNotFoundError" and missing and missing.split(".")[0] not in modules:
        return raised(f"No module named '{missing}'{at}: only the exercise modules ({copied}) are copied into the "
                      f"grader, and NumPy is the only library beside Python's own; put helper code inside "
                      f"{module}.py", missing_module=missing)
    when = "importing" if phase == "import" else "calling"
    subject = f"{module}.py" if when == "importing" else call
    said = f": {message}" if message else ""  # raise KeyboardInterrupt, or ValueError(), says nothing more
    return raised(f"{when} {subject} raised {kind}{said}{at}", missing_module=missing)
