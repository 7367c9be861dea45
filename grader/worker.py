"""The sandboxed side of a check: runs learner functions, never grades them.

Started as ``python -I worker.py`` by :mod:`learnnn.sandbox`, in an empty
environment and a temporary folder holding only allowlisted ``<module>.py``
files. It imports nothing from learnnn, so the trusted grading code never sits
in the same process as learner code. The same framing functions are imported
by the trusted side, so both ends speak one protocol: a JSON header followed by
``.npy`` blobs, loaded with ``allow_pickle=False``.
"""
import copy
import importlib
import inspect
import io
import json
import os
import struct
import sys
import traceback
import types
import warnings

import numpy as np

MAX_MESSAGE = 512 * 1024 * 1024
MAX_ITEMS = 100_000


class WireError(Exception):
    """A value that can't cross the boundary as plain data."""


# ---------------------------------------------------------------- framing


def encode(value, blobs, *, functions_ok=False, depth=0):
    if depth > 32:
        raise WireError("the value is nested too deeply")
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if np.isfinite(value) else {"__float__": repr(value)}
    if isinstance(value, (np.ndarray, np.generic)):
        arr = np.asarray(value)
        if arr.dtype.hasobject:
            raise WireError("it is an array of Python objects (dtype=object), not of numbers")
        blobs.append(arr)
        return {"__array__": len(blobs) - 1, "scalar": isinstance(value, np.generic)}
    if isinstance(value, tuple):
        return {"__tuple__": [encode(v, blobs, functions_ok=functions_ok, depth=depth + 1) for v in value]}
    if isinstance(value, list):
        return [encode(v, blobs, functions_ok=functions_ok, depth=depth + 1) for v in value]
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise WireError("it is a dict whose keys are not all strings")
        return {"__dict__": {k: encode(v, blobs, functions_ok=functions_ok, depth=depth + 1) for k, v in value.items()}}
    if functions_ok and isinstance(value, Named):
        return {"__fn__": value.name}
    if functions_ok and isinstance(value, Rng):
        return {"__rng__": value.seed}
    if isinstance(value, Generated):
        return {"__generator__": [encode(v, blobs, depth=depth + 1) for v in value]}
    if isinstance(value, (types.GeneratorType, range, map, filter, zip)):
        return {"__generator__": [encode(v, blobs, depth=depth + 1) for v in _drain(value)]}
    raise WireError(f"it is a {type(value).__name__}, which is not numbers, arrays, lists, tuples or dicts")


def _drain(iterable):
    items = []
    for item in iterable:
        items.append(item)
        if len(items) > MAX_ITEMS:
            raise WireError(f"it yields more than {MAX_ITEMS} items")
    return items


class Named:
    """A function passed by name: the worker resolves it from the set it knows."""

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return self.name


class Rng:
    """A random generator passed by seed: the worker calls np.random.default_rng(seed)."""

    def __init__(self, seed):
        self.seed = int(seed)

    def __repr__(self):
        return f"np.random.default_rng({self.seed})"


class Generated(list):
    """What a generator yielded, so the trusted side can tell it was one."""


def decode(node, blobs, resolve=None):
    if isinstance(node, list):
        return [decode(v, blobs, resolve) for v in node]
    if not isinstance(node, dict):
        return node
    if "__array__" in node:
        arr = blobs[node["__array__"]]
        return arr[()] if node.get("scalar") else arr
    if "__float__" in node:
        return float(node["__float__"])
    if "__tuple__" in node:
        return tuple(decode(v, blobs, resolve) for v in node["__tuple__"])
    if "__dict__" in node:
        return {k: decode(v, blobs, resolve) for k, v in node["__dict__"].items()}
    if "__generator__" in node:
        return Generated(decode(v, blobs, resolve) for v in node["__generator__"])
    if "__rng__" in node:
        if resolve is None:
            raise WireError("a random generator can't be returned as data")
        return np.random.default_rng(int(node["__rng__"]))
    if "__fn__" in node:
        if resolve is None:
            raise WireError("a function can't be returned as data")
        return resolve(node["__fn__"])
    raise WireError(f"unknown message node {sorted(node)}")


def pack(header, blobs=()):
    body = json.dumps(header).encode()
    parts = [struct.pack("!II", len(body), len(blobs)), body]
    for arr in blobs:
        buf = io.BytesIO()
        np.save(buf, arr, allow_pickle=False)
        data = buf.getvalue()
        parts += [struct.pack("!Q", len(data)), data]
    return b"".join(parts)


def unpack(read):
    """Read one message with ``read(n) -> exactly n bytes``."""
    size, count = struct.unpack("!II", read(8))
    if size > MAX_MESSAGE or count > MAX_ITEMS:
        raise WireError("the message is too large")
    header = json.loads(read(size))
    blobs, total = [], size
    for _ in range(count):
        (n,) = struct.unpack("!Q", read(8))
        total += n
        if total > MAX_MESSAGE:
            raise WireError("the message is too large")
        blobs.append(np.load(io.BytesIO(read(n)), allow_pickle=False))
    return header, blobs


# ---------------------------------------------------------------- worker side

# Scalar functions a suite may hand to learner code (numerical_gradient's f).
# Each takes a float array and returns a float.
_M = np.array([[1.0, -0.5], [0.25, 2.0], [-1.5, 0.75]])
_NET_X = np.array([[0.5, -1.2], [1.0, 0.3], [-0.7, 0.8], [0.2, -0.4], [-1.1, -0.6]])
_NET_W2 = np.array([[0.6, -0.4, 0.2], [-0.3, 0.8, -0.5], [0.7, 0.1, -0.9], [-0.2, -0.6, 0.4]])
_NET_Y = np.array([0, 2, 1, 2, 0])


def _sin_dot(x):
    x = np.asarray(x)
    return float(np.sum(np.sin(x) * np.arange(1, x.size + 1).reshape(x.shape)))


def _matrix_tanh(x):
    # needs x in its own 2-D shape (n, 3), not flattened
    return float(np.sum(np.tanh(np.asarray(x, dtype=float) @ _M)))


def _tiny_net_loss(x):
    """Mean cross-entropy of a fixed 2-4-3 network (tanh hidden, softmax out) as a function of W1 (2, 4)."""
    Z = np.tanh(_NET_X @ np.reshape(np.asarray(x, dtype=float), (2, 4)) + 0.1) @ _NET_W2
    return float(np.mean(np.log(np.sum(np.exp(Z), axis=1)) - Z[np.arange(len(_NET_Y)), _NET_Y]))


TEST_FUNCTIONS = {
    "sum_of_squares": lambda x: float(np.sum(np.asarray(x) ** 2)),
    "sum_of_cubes": lambda x: float(np.sum(np.asarray(x) ** 3)),
    "sin_dot": _sin_dot,
    "log_sum_exp": lambda x: float(np.log(np.sum(np.exp(np.asarray(x))))),
    "product": lambda x: float(np.prod(np.asarray(x))),
    "matrix_tanh": _matrix_tanh,
    "tiny_net_loss": _tiny_net_loss,
}
# Functions from exercise modules a suite may pass as arguments, by name.
MODULE_FUNCTIONS = {
    "sigmoid", "sigmoid_grad", "tanh", "tanh_grad", "relu", "relu_grad",
    "leaky_relu", "leaky_relu_grad", "softmax",
}


class Refused(ImportError):
    pass


class Denied(PermissionError):
    """An operation the audit hook refused; reported as refused, not as the learner's own error."""


def _audit(root, deny_read, refused_imports):
    """PEP 578 audit hook: no processes, sockets or signals; writes stay in root."""
    root = os.path.realpath(root) + os.sep
    deny_read = tuple(os.path.realpath(p) + os.sep for p in deny_read)
    banned_links = {"os.symlink", "os.link"}  # a link could point a path inside the folder at one outside
    write_flags = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
    banned_prefixes = ("subprocess.", "os.exec", "os.spawn", "os.posix_spawn", "socket.", "ctypes.", "pty.", "winreg.")
    banned = {"os.system", "os.fork", "os.forkpty", "os.kill", "os.killpg", "os.putenv", "os.unsetenv", "sys.remote_exec",
              "os.setuid", "resource.setrlimit", "resource.prlimit", "signal.pthread_kill", "_posixsubprocess.fork_exec"}
    path_events = {"os.remove", "os.rmdir", "os.mkdir", "os.rename", "os.symlink", "os.link", "os.chmod",
                   "os.chown", "os.truncate", "os.utime", "shutil.rmtree", "shutil.move", "shutil.copyfile"}

    realpath = os.path.realpath  # bound now: learner code may replace os.path.realpath later
    for module in (os, sys.modules.get("posix")):
        for name in ("mkfifo", "mknod"):  # they raise no audit event, so they can't be confined
            if module is not None and hasattr(module, name):
                delattr(module, name)

    def inside(path, prefix):
        return (realpath(path) + os.sep).startswith(prefix)

    def hook(event, args):
        if event in banned or event in banned_links or event.startswith(banned_prefixes):
            raise Denied(f"learnnn's sandbox does not allow {event}")
        if event == "open":
            path, mode, flags = args
            if not isinstance(path, (str, bytes)):
                return
            path = os.fsdecode(path)
            writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or bool((flags or 0) & write_flags)
            if writing and not inside(path, root) and path != os.devnull:
                raise Denied(f"learnnn's sandbox does not allow writing {path}")
            real = realpath(path) + os.sep
            if real.startswith(deny_read) or (real.startswith("/proc/") and not real.startswith(("/proc/self/", f"/proc/{os.getpid()}/"))):
                raise Denied(f"learnnn's sandbox does not allow reading {path}")
        elif event in path_events:
            for p in args[:2]:
                if isinstance(p, (str, bytes)) and not inside(os.fsdecode(p), root):
                    raise Denied(f"learnnn's sandbox does not allow {event} outside its folder")
        elif event == "import":
            name = args[0]
            for bad in refused_imports:
                if name == bad or name.startswith(bad + "."):
                    raise Refused(f"importing {bad} is not allowed here: the model must be your own NumPy network")

    sys.addaudithook(hook)


def _limit(memory_mb, cpu_seconds):
    import resource
    import signal

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a flood of output fails a write instead of killing us
    for res, value in ((resource.RLIMIT_AS, memory_mb * 1024 * 1024), (resource.RLIMIT_CPU, cpu_seconds),
                       (resource.RLIMIT_FSIZE, 16 * 1024 * 1024), (resource.RLIMIT_CORE, 0),
                       (resource.RLIMIT_NPROC, 0)):
        try:
            resource.setrlimit(res, (value, value))
        except (ValueError, OSError):
            pass  # a limit the platform or our current usage won't take; the audit hook still applies


def _where(exc):
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.startswith(os.getcwd())]
    if not frames:
        return ""
    f = frames[-1]
    return f"{os.path.basename(f.filename)}, line {f.lineno}, in {f.name}: {(f.line or '').strip()}"


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
        except Exception:  # learner code may have replaced or closed them
            pass


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

    config, _ = unpack(read)
    _limit(config["memory_mb"], config["cpu_seconds"])
    _audit(os.getcwd(), config["deny_read"], config["refused_imports"])
    sys.path.insert(0, os.getcwd())
    send({"ready": True})

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

            def resolve(name):
                if name in TEST_FUNCTIONS:
                    return TEST_FUNCTIONS[name]
                if name in MODULE_FUNCTIONS:
                    return getattr(importlib.import_module("activations"), name)
                raise WireError(f"unknown function {name}")

            args = decode(header["args"], blobs, resolve)
            kwargs = decode(header["kwargs"], blobs, resolve)
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
                    value = Generated(_drain(value))  # its errors are the learner's, raised in this phase
                phase = "return"
                out = []
                encoded = encode(value, out)
            _flush()
            mutated = [name for name in before if not _same(before[name], bound[name])]
            messages = sorted({f"{w.category.__name__}: {w.message}" for w in caught})[:5]
            send({"ok": True, "value": encoded, "mutated": mutated, "warnings": messages}, out)
        except BaseException as exc:  # learner code may raise anything, SystemExit included
            if isinstance(exc, KeyboardInterrupt):
                raise
            _flush()
            kind = "BadReturn" if phase == "return" else type(exc).__name__
            message = str(exc)
            if isinstance(exc, SyntaxError):
                message = f"{exc.msg} in {os.path.basename(exc.filename or '?')}, line {exc.lineno}: {(exc.text or '').strip()}"
            send({"ok": False, "error": {"type": kind, "phase": phase, "message": message[:2000],
                                          "where": _where(exc), "refused": isinstance(exc, (Refused, Denied)),
                                          "missing_module": exc.name if isinstance(exc, ModuleNotFoundError) else None}})


def _watch_parent():
    """Exit (and remove our folder) if the grader that started us dies: nobody else would stop us."""
    import shutil
    import threading
    import time

    parent, folder = os.getppid(), os.getcwd()

    def watch():
        while os.getppid() == parent:
            time.sleep(0.5)
        shutil.rmtree(folder, ignore_errors=True)
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()


def main():
    _watch_parent()
    # The protocol keeps private copies of stdin/stdout; what learner code prints goes to output.txt.
    proto_in = os.fdopen(os.dup(0), "rb", buffering=0)
    proto_out = os.fdopen(os.dup(1), "wb")
    sink = os.open("output.txt", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    os.dup2(sink, 1)
    os.dup2(sink, 2)
    sys.stdin = open(os.devnull)
    serve(proto_in, proto_out)


if __name__ == "__main__":
    main()
