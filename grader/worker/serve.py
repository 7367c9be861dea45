"""The worker's request loop: import a learner module, call one function, send back its value as data.

Started by learnnn.sandbox as ``python -I -S -c <bootstrap>`` with this package on
sys.path, in its scratch folder (a size-capped tmpfs under kernel isolation), or
forked by the grading session's zygote (learnnn.worker.zygote) into a subfolder of it.
The first message is the configuration: the learner modules to write into the
folder and which walls to raise (see policy). After that, every request is one
call, and the reply is a value, an error, or a phase marker.
"""
import copy
import importlib
import inspect
import os
import sys
import traceback
import types
import warnings

import numpy as np

from . import orphan, policy
from .testfunctions import TEST_FUNCTIONS
from .wire import Generated, WireError, decode, drain, encode, pack, unpack


MESSAGE_LIMIT = 2000  # the trusted side cuts every text again (sandbox.TEXT_LIMITS); this only bounds our work


def _type_name(cls):
    """A class's own name (of ``cls``'s class if it is no class): a metaclass may make ``cls.__name__`` a property
    that lies, raises or isn't text, and a warning's category is whatever learner code handed showwarning."""
    return type.__dict__["__name__"].__get__(cls if issubclass(type(cls), type) else type(cls))


# Taken before learner code runs, which may replace them. str() of a message nested 200,000 lists deep overflows
# the C stack (a segfault) under a recursion limit learner code raised; Python's default limit stops it in time.
_get_recursion_limit, _set_recursion_limit = sys.getrecursionlimit, sys.setrecursionlimit
SAFE_RECURSION_LIMIT = 1000


def _text(obj, limit=MESSAGE_LIMIT):
    """``str(obj)`` cut to ``limit``, or a note saying it has none: learner objects may refuse to be described."""
    saved = _get_recursion_limit()
    try:
        _set_recursion_limit(min(saved, SAFE_RECURSION_LIMIT))
        return str.__getitem__(str(obj), slice(0, limit))  # an exact str, whatever subclass __str__ returned
    except BaseException as exc:  # noqa: B036 (a learner's __str__ may raise anything, KeyboardInterrupt too)
        return f"<{_type_name(type(obj))} whose str() raised {_type_name(type(exc))}>"
    finally:
        _set_recursion_limit(saved)


def _attr(obj, name, kind):
    """``obj.name`` if it is a ``kind`` (never a subclass of it), else None; learners set these attributes freely."""
    try:
        value = getattr(obj, name, None)
    except BaseException:  # noqa: B036 (a property on the learner's exception class)
        return None
    return value if type(value) is kind else None


def _where(exc):
    """The learner's line the exception came from, as "file, line n, in func: code"; "" when there is none."""
    ours = os.path.dirname(os.path.abspath(__file__)) + os.sep  # inside the worker folder on the process-only tier
    try:
        frames = [f for f in traceback.extract_tb(exc.__traceback__)
                  if f.filename.startswith(os.getcwd()) and not f.filename.startswith(ours)]
        if not frames:
            return ""
        f = frames[-1]
        code = _text(f.line or "", 400).strip()[:200]  # the line comes from linecache, which learner code can fill
        return f"{os.path.basename(f.filename)}, line {f.lineno}, in {f.name}: {code}"
    except BaseException:  # noqa: B036 (a frame we can't read is left out, not a reason to die)
        return ""


def _syntax(exc, module_file):
    """A SyntaxError's message with the file, line and code it names, each only when it is known.

    ``module_file``: the file being imported, named when the error carries no file
    (e.g. a NUL byte) and no learner frame shows that another file's import failed.
    """
    filename, line = _attr(exc, "filename", str), _attr(exc, "lineno", int)
    place = ", ".join(filter(None, [os.path.basename(filename) if filename else module_file,
                                    f"line {line}" if line else ""]))  # 0 or None: no line is known
    msg, code = _attr(exc, "msg", str), (_attr(exc, "text", str) or "").strip()[:200]
    return ((msg[:MESSAGE_LIMIT] if msg is not None else _text(exc)) + (f" ({place})" if place else "")
            + (f": {code}" if code else ""))


def _describe(exc, phase, module_name):
    """The error reply for an exception learner code raised (or a value it returned that can't be sent)."""
    cls = type(exc)
    where = _where(exc)
    if issubclass(cls, SyntaxError):
        message = _syntax(exc, f"{module_name}.py" if phase == "import" and not where else "")
    else:
        message = _text(exc)
    missing = _attr(exc, "name", str) if issubclass(cls, ModuleNotFoundError) else None
    return {"type": "BadReturn" if phase == "return" else _type_name(cls), "phase": phase, "message": message,
            "where": where, "refused": issubclass(cls, (policy.Refused, policy.Denied)), "missing_module": missing}


def _changed(before, after):
    try:
        return not _same(before, after)
    except BaseException:  # noqa: B036 (learner code put an object in an argument whose == raises)
        return True


def _same(a, b):
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.shape == b.shape
                and a.dtype == b.dtype and np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a is b or a == b


def _flush():
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:  # noqa: B036 (learner code may have replaced or closed them)
            pass


def _resolver(named):
    """Named(name) -> a function: a fixed test function, or one the course's stubs define (``named``:
    function name -> module, sent by the trusted side in the configuration)."""
    def resolve(name):
        if name in TEST_FUNCTIONS:
            return TEST_FUNCTIONS[name]
        if name in named:
            return getattr(importlib.import_module(named[name]), name)
        raise WireError(f"unknown function {name}")
    return resolve


def _setup(config, blobs):
    """Write the learner modules, then raise every wall; what each wall reports ('' when it is up)."""
    for name, index in config["files"].items():
        with open(f"{name}.py", "wb") as f:
            f.write(blobs[index].tobytes())
    policy.limit(config["memory_mb"], config["cpu_seconds"])
    walls = {}
    if config.get("landlock"):
        walls["landlock"] = policy.landlock(config["landlock"]["read_only"], [os.getcwd()])
    if config.get("seccomp"):
        walls["seccomp"] = policy.seccomp()
    if config.get("landlock") or config.get("seccomp"):
        walls["threads"] = policy.single_threaded()
    policy.audit(os.getcwd(), config["deny_read"], config["refused_imports"])
    sys.path.insert(0, os.getcwd())
    return walls


def serve(proto_in, proto_out):
    def read(n):
        chunks = []
        while n:
            data = proto_in.read(n)
            if not data:
                raise EOFError
            chunks.append(data)
            n -= len(data)
        return b"".join(chunks)

    def send(header, blobs=()):
        proto_out.write(pack(header, blobs))
        proto_out.flush()

    config, blobs = unpack(read)
    send({"ready": True, "walls": _setup(config, blobs)})
    resolve = _resolver(config.get("named", {}))

    while True:
        try:
            header, blobs = unpack(read)
        except EOFError:
            return
        module_name, func_name = header["module"], header["func"]
        phase = "import"
        try:
            send({"phase": "import"}) if module_name not in sys.modules else None
            module = importlib.import_module(module_name)
            args, kwargs = decode(header["call"], blobs, resolve)
            func = getattr(module, func_name, None)
            if not callable(func):
                send({"ok": False, "error": {"type": "MissingFunction", "phase": "import",
                                              "message": f"{module_name}.py has no function {func_name}"}})
                continue
            try:
                bound = inspect.signature(func).bind(*args, **kwargs).arguments
            except (TypeError, ValueError):
                bound = {}  # the call itself will raise the learner-facing TypeError
            readonly = header.get("readonly", {})
            for name, value in bound.items():
                # "*" marks every array argument, whatever the learner named its parameters.
                if readonly.get(name) or readonly.get("*"):
                    for arr in (value.values() if isinstance(value, dict) else [value]):
                        if isinstance(arr, np.ndarray):
                            arr.flags.writeable = False
            # A random generator argument is meant to advance; everything else must stay as it was.
            before = {k: copy.deepcopy(v) for k, v in bound.items() if not isinstance(v, np.random.Generator)}
            phase = "call"
            send({"phase": "call"})
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                value = func(*args, **kwargs)
                if isinstance(value, types.GeneratorType):
                    value = Generated(drain(value))  # its errors are the learner's, raised in this phase
                phase = "return"
                out = []
                encoded = encode(value, out)
            _flush()
            mutated = [name for name in before if _changed(before[name], bound[name])]
            messages = sorted({f"{_type_name(w.category)}: {_text(w.message, 500)}" for w in caught})[:5]
            send({"ok": True, "value": encoded, "mutated": mutated, "warnings": messages}, out)
        except BaseException as exc:  # noqa: B036 (learner code may raise anything: SystemExit, KeyboardInterrupt)
            _flush()
            send({"ok": False, "error": _describe(exc, phase, module_name)})


def main(output_fd, parent=None):
    """Serve on stdin/stdout; ``output_fd`` is the grader's file for what learner code prints (it can't be swapped);
    ``parent``: our parent's pid as the bootstrap first read it (we die with it)."""
    orphan.die_with_parent(os.getppid() if parent is None else parent)
    proto_in = os.fdopen(os.dup(0), "rb", buffering=0)
    proto_out = os.fdopen(os.dup(1), "wb")
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    os.dup2(output_fd, 1)
    os.dup2(output_fd, 2)
    os.close(output_fd)
    sys.stdin = open(os.devnull)
    serve(proto_in, proto_out)
