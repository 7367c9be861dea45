"""The trusted side of the worker boundary: start, call and kill a worker.

Learner code runs only in the worker process (see worker.py). What comes back
is data; anything that goes wrong in there becomes a :class:`LearnerFailure`
with a message written for the learner.
"""
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import worker as wire

WORKER = Path(wire.__file__)
PASS_THROUGH_ENV = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")  # older OpenBLAS builds need them on some CPUs
STARTUP_SECONDS = 60


class LearnerFailure(Exception):
    """Learner code failed; ``str()`` is the learner-facing explanation."""


class LearnerRaised(LearnerFailure):
    def __init__(self, message, *, kind, where=""):
        super().__init__(message)
        self.kind, self.where = kind, where


class LearnerTimeout(LearnerFailure):
    pass


class LearnerCrashed(LearnerFailure):
    pass


@dataclass
class SandboxSpec:
    files: dict  # module name -> path of the source to copy in
    time_limit: float = 10.0
    memory_mb: int = 1024
    deny_read: list = field(default_factory=list)
    refused_imports: list = field(default_factory=list)


@dataclass
class CallInfo:
    """What the worker saw during the last call besides its value."""

    mutated: list  # names of arguments the call changed in place
    warnings: list  # warnings raised during the call, e.g. overflow


class Sandbox:
    """One worker process at a time; a dead or hung one is replaced on the next call."""

    def __init__(self, spec):
        self.spec = spec
        self.proc = None
        self.folder = None
        self.phase = None
        self.restarts = -1
        self.last = CallInfo([], [])
        self.broken = {}  # module -> the failure its import ended in
        self._printed_at = 0

    # -- lifecycle

    def start(self):
        if self.proc is not None:
            return
        self.restarts += 1
        self.folder = Path(tempfile.mkdtemp(prefix="learnnn-worker-"))
        for module, source in self.spec.files.items():
            shutil.copyfile(source, self.folder / f"{module}.py")
        env = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
               "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1", "MPLBACKEND": "Agg",
               "HOME": str(self.folder), "MPLCONFIGDIR": str(self.folder), "TMPDIR": str(self.folder)}
        env.update({k: os.environ[k] for k in PASS_THROUGH_ENV if k in os.environ})
        # Our own handle on the output file: learner code may replace the path (with a FIFO, say), not this.
        (self.folder / "output.txt").touch()
        self._output = open(self.folder / "output.txt", "rb")
        with open(self.folder / "startup.txt", "wb") as err:
            self.proc = subprocess.Popen(
                [sys.executable, "-I", str(WORKER)], cwd=self.folder, env=env,
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err, start_new_session=True)
        self._printed_at = 0
        self._buffer = b""
        config = {"memory_mb": self.spec.memory_mb,
                  "cpu_seconds": int(max(60, 20 * self.spec.time_limit)),
                  "deny_read": [str(p) for p in self.spec.deny_read],
                  "refused_imports": list(self.spec.refused_imports)}
        self._write(wire.pack(config))
        self._ready = False

    def close(self):
        if self.proc is not None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            for stream in (self.proc.stdin, self.proc.stdout):
                try:
                    stream.close()
                except OSError:
                    pass
            self.proc.wait()
            self.proc = None
        if self.folder is not None:
            self._output.close()
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- calls

    def call(self, module, func, *args, timeout=None, readonly=(), **kwargs):
        """Call ``module.func(*args, **kwargs)`` in the worker and return its value as data."""
        timeout = self.spec.time_limit if timeout is None else timeout
        name = f"{func}"
        if module in self.broken:
            raise self.broken[module]  # importing it failed once; it fails the same way every time
        self.start()
        self.phase = None
        try:
            if not self._ready:
                self._receive(time.monotonic() + STARTUP_SECONDS, name)
                self._ready = True
            blobs = []
            request = {"module": module, "func": func,
                       "args": wire.encode(list(args), blobs, functions_ok=True),
                       "kwargs": wire.encode(kwargs, blobs, functions_ok=True),
                       "readonly": {name: True for name in readonly}}
            self.phase = "call"
            self._write(wire.pack(request, blobs))
            deadline = time.monotonic() + timeout
            while True:
                header, blobs = self._receive(deadline, name, timeout=timeout)
                if "phase" in header:
                    self.phase = header["phase"]
                    continue
                break
        except LearnerFailure as exc:
            if self.phase == "import":
                self.broken[module] = exc
            self.close()
            raise
        if header["ok"]:
            self.last = CallInfo(header.get("mutated", []), header.get("warnings", []))
            return wire.decode(header["value"], blobs)
        failure = self._explain(header["error"], module, name)
        if header["error"].get("phase") == "import" and header["error"]["type"] != "MissingFunction":
            self.broken[module] = failure
        raise failure

    def printed(self, limit=1500):
        """What learner code printed since the last time this was asked."""
        if self.folder is None:
            return ""
        self._output.seek(self._printed_at)
        data = self._output.read(64 * 1024)
        self._printed_at = max(self._printed_at + len(data), os.fstat(self._output.fileno()).st_size)
        text = data.decode(errors="replace")
        return text if len(text) <= limit else text[:limit] + f"\n... ({len(text) - limit} more characters)"

    # -- plumbing

    def _write(self, data):
        try:
            self.proc.stdin.write(data)
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            pass  # the worker died; the read that follows reports how

    def _read_exact(self, n, deadline, name, timeout):
        fd = self.proc.stdout.fileno()
        while len(self._buffer) < n:
            left = deadline - time.monotonic()
            if left <= 0:
                raise self._timed_out(name, timeout)
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                raise self._timed_out(name, timeout)
            chunk = os.read(fd, max(65536, n - len(self._buffer)))
            if not chunk:
                raise self._crashed(name)
            self._buffer += chunk
        data, self._buffer = self._buffer[:n], self._buffer[n:]
        return data

    def _receive(self, deadline, name, timeout=STARTUP_SECONDS):
        try:
            return wire.unpack(lambda n: self._read_exact(n, deadline, name, timeout))
        except LearnerFailure:
            raise
        except Exception as exc:  # a garbled or oversized reply: learner code wrote to our channel
            raise LearnerCrashed(f"{name} sent back something learnnn can't read ({exc}); "
                                 "does your code write to sys.__stdout__ or file descriptor 1?") from None

    def _timed_out(self, name, timeout):
        if self.phase == "import":
            return LearnerTimeout(f"importing your module did not finish within {timeout:g} s: "
                                  "is there a loop or long computation at the top level of the file?")
        if not self._ready:
            return LearnerTimeout(f"the worker that runs your code did not start within {STARTUP_SECONDS} s")
        return LearnerTimeout(f"{name} did not return within {timeout:g} s: look for an endless loop "
                              "(a while loop whose condition never changes) or far too many iterations")

    def _crashed(self, name):
        try:
            code = self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            code = None
        when = "while importing your module" if self.phase == "import" else f"while running {name}"
        if code is not None and code < 0:
            sig = -code
            reasons = {signal.SIGXCPU: "it used up its CPU time", signal.SIGKILL: "it was killed, usually for using too much memory",
                       signal.SIGSEGV: "it crashed inside native code (a segmentation fault)"}
            why = reasons.get(sig, f"it was stopped by signal {signal.Signals(sig).name}")
            return LearnerCrashed(f"the process running your code died {when}: {why}")
        startup = ""
        if not self._ready and self.folder is not None and (self.folder / "startup.txt").exists():
            startup = (self.folder / "startup.txt").read_text(errors="replace").strip()[-500:]
            startup = f" ({startup})" if startup else ""
        return LearnerCrashed(f"the process running your code exited (code {code}) {when}{startup}: "
                              "does your module call exit(), sys.exit() or os._exit()?")

    def _explain(self, error, module, name):
        kind, message, where = error["type"], error.get("message", ""), error.get("where", "")
        at = f" (at {where})" if where else ""
        if error.get("refused"):
            return LearnerRaised(message, kind="Refused", where=where)
        if kind == "NotImplementedError":
            # The stubs raise NotImplementedError("<function>"), so name that one: it may be in an earlier module.
            func = message if message.isidentifier() else name
            file = where.split(",")[0] if where else f"{module}.py"
            via = f" ({name} calls it)" if func != name else ""
            return LearnerRaised(f"{func} is not implemented yet{via}: it still raises NotImplementedError. "
                                 f"Write its body in {file}.", kind=kind, where=where)
        if kind == "MissingFunction":
            return LearnerRaised(f"{message}: keep the function name and signature from the stub.", kind=kind)
        if kind == "BadReturn":
            return LearnerRaised(f"{name} returned a value learnnn can't read: {message}. "
                                 "Return NumPy arrays, numbers, lists, tuples or dicts.", kind=kind)
        if kind == "MemoryError":
            return LearnerRaised(f"{name} ran out of memory (the limit is {self.spec.memory_mb} MB){at}: "
                                 "is an array much larger than you meant, e.g. (n, n) instead of (n,)?",
                                 kind=kind, where=where)
        if kind == "SystemExit":
            return LearnerRaised(f"your code called exit() or sys.exit(){at}; remove it: "
                                 "a module's functions should return values", kind=kind, where=where)
        if kind == "PermissionError" and "sandbox" in message:
            return LearnerRaised(f"{message}{at}. Your functions should only compute with NumPy.",
                                 kind=kind, where=where)
        when = "importing" if error.get("phase") == "import" else "calling"
        subject = f"{module}.py" if when == "importing" else name
        return LearnerRaised(f"{when} {subject} raised {kind}: {message}{at}", kind=kind, where=where)
