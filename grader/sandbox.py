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

from . import outcomes
from . import worker as wire
from .outcomes import LearnerCrashed, LearnerFailure, LearnerRaised, LearnerTimeout  # noqa: F401 (re-exported)

WORKER = Path(wire.__file__)
PASS_THROUGH_ENV = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")  # older OpenBLAS builds need them on some CPUs
STARTUP_SECONDS = 60


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
        self.startup_wait = 0.0  # seconds the last call waited for a new worker to be ready
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
        self.startup_wait = 0.0  # the policy charges learner code for the call, not for the worker starting
        try:
            if not self._ready:
                waiting = time.monotonic()
                self._receive(time.monotonic() + STARTUP_SECONDS, name)
                self._ready = True
                self.startup_wait = time.monotonic() - waiting
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
            raise outcomes.unreadable_reply(call=name, error=exc) from None

    def _timed_out(self, name, timeout):
        phase = "import" if self.phase == "import" else "call" if self._ready else "startup"
        return outcomes.timed_out(call=name, timeout=timeout, phase=phase, startup_seconds=STARTUP_SECONDS)

    def _crashed(self, name):
        try:
            code = self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            code = None
        startup = ""
        if not self._ready and self.folder is not None and (self.folder / "startup.txt").exists():
            startup = (self.folder / "startup.txt").read_text(errors="replace").strip()[-500:]
        return outcomes.crashed(call=name, phase=self.phase, code=code, startup_output=startup)

    def _explain(self, error, module, name):
        printed = os.fstat(self._output.fileno()).st_size if self.folder is not None else 0
        return outcomes.explain(error, module=module, call=name, memory_mb=self.spec.memory_mb,
                                modules=tuple(self.spec.files), printed_bytes=printed)
