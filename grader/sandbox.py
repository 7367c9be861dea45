"""The trusted side of the worker boundary: start, call and kill a worker.

Learner code runs only in the worker process (see learnnn.worker), behind the
walls learnnn.isolation describes. What comes back is data, read with the
bounded decoder of learnnn.worker.wire under the call's deadline; anything
that goes wrong in there becomes a :class:`LearnerFailure` with a message
written for the learner. Writes to the worker have the same deadline, and
closing a sandbox kills the worker's whole PID namespace (or, on the
process-only tier, its process group).
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

import numpy as np

from . import isolation, outcomes
from .keeper import popen_kept
from .manifest import DEFAULTS
from .printable import encodable
from .outcomes import LearnerCrashed, LearnerFailure, LearnerRaised, LearnerTimeout  # noqa: F401 (re-exported)
from .worker import wire

PASS_THROUGH_ENV = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")  # older OpenBLAS builds need them on some CPUs
STARTUP_SECONDS = 60
WORKER_FOLDER = "learnnn-worker-"  # process-only tier: + the grader's pid, so a later grader knows when it is orphaned
# Characters kept of each text a worker reports. The worker cuts them too, but it runs learner code: a forged
# reply of 15 MiB messages made the grading process hold 2.2 GB and write a 63 MB feedback file.
TEXT_LIMITS = {"type": 100, "message": 2000, "where": 300, "phase": 10, "missing_module": 200}
MARKER = isolation.PACKAGE_NAME  # in every worker's command line (bwrap's included): processes.py finds them by it


@dataclass
class SandboxSpec:
    files: dict  # module name -> path of the source to copy in
    time_limit: float = DEFAULTS["time_limit"]
    memory_mb: int = DEFAULTS["memory_mb"]
    deny_read: list = field(default_factory=list)
    refused_imports: list = field(default_factory=list)
    named: dict = field(default_factory=dict)  # function name -> module: what a Named argument may stand for


@dataclass
class CallInfo:
    """What the worker saw during the last call besides its value."""

    mutated: list  # names of arguments the call changed in place
    warnings: list  # warnings raised during the call, e.g. overflow


def worker_env(home):
    """A worker's environment; ``home`` is its folder (HOME, TMPDIR and Matplotlib's config go there)."""
    env = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
           "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1", "MPLBACKEND": "Agg"}
    env.update({k: os.environ[k] for k in PASS_THROUGH_ENV if k in os.environ})
    env.update(HOME=home, MPLCONFIGDIR=home, TMPDIR=home)
    return env


class Sandbox:
    """One worker process at a time; a dead or hung one is replaced on the next call.

    With a ``zygote`` (learnnn.zygote) its workers are forked in the grading session's
    one sandbox; without one, or when that fails, each worker gets a bwrap of its own.
    """

    def __init__(self, spec, zygote=None):
        self.spec = spec
        self.zygote = zygote
        self.proc = None  # a subprocess.Popen, or a zygote.Forked
        self.folder = None  # process-only tier: the worker's folder on this machine
        self.phase = None
        self.restarts = -1
        self.last = CallInfo([], [])
        self.broken = {}  # module -> the failure its import ended in
        self.startup_wait = 0.0  # seconds the last call waited for a new worker to be ready
        self.walls = {}  # what the worker reported raising: wall -> '' or why it could not
        self._output = self._startup = None
        self._release = None  # ends the keeper thread of a worker with a bwrap of its own (learnnn.keeper)
        self._printed_at = 0
        self._carried = b""  # printed by a worker that has since been closed (a timeout), not yet asked for

    # -- lifecycle

    def start(self):
        if self.proc is not None:
            return
        self.restarts += 1
        tier = isolation.tier()
        # Learner output goes to a file only we can name: the worker gets an append-only descriptor
        # of it, we keep a read-only one with its own offset, and the name is gone before the worker starts.
        fd, path = tempfile.mkstemp(prefix="learnnn-output-")
        out = os.open(path, os.O_WRONLY | os.O_APPEND)
        self._output = open(path, "rb")
        os.unlink(path)
        os.close(fd)
        self._startup = tempfile.TemporaryFile(prefix="learnnn-startup-")
        try:
            self.proc = self._fork(out)
            if self.proc is None:  # no zygote, or it failed: a sandbox of its own (its command built only then)
                argv, env, cwd = self._command(tier, out)
                self.proc, self._release = popen_kept(argv, cwd=cwd, env=env, stdin=subprocess.PIPE,
                                                      stdout=subprocess.PIPE, stderr=self._startup, pass_fds=[out],
                                                      start_new_session=True)
        finally:
            os.close(out)
        os.set_blocking(self.proc.stdin.fileno(), False)
        self._printed_at = 0
        self._buffer = bytearray()  # appended to and cut from the front in place: a 240 MB reply stays linear
        self._ready = False
        readable = isolation.readable_inside() if tier.namespaces else isolation.readable_outside()
        self._walls_wanted = {"seccomp": tier.seccomp, "landlock": {"read_only": readable} if tier.landlock else None}
        self.walls = {}

    def _fork(self, out):
        """A worker from the session's zygote, or None (no zygote, or it failed: start one of our own)."""
        if self.zygote is None or self.zygote.broken:
            return None
        from .zygote import ZygoteError

        try:
            return self.zygote.spawn(out, self._startup.fileno())
        except ZygoteError:
            return None

    def _config(self):
        """The first message: limits, walls, and the learner's modules as read now (not when the worker started)."""
        sources = [np.frombuffer(Path(source).read_bytes(), dtype=np.uint8) for source in self.spec.files.values()]
        config = {"memory_mb": self.spec.memory_mb,
                  "cpu_seconds": int(max(60, 20 * self.spec.time_limit)),
                  "deny_read": [str(p) for p in self.spec.deny_read],
                  "refused_imports": list(self.spec.refused_imports),
                  "named": dict(self.spec.named),
                  "files": {module: i for i, module in enumerate(self.spec.files)},
                  **self._walls_wanted}
        return wire.pack(config, sources)

    def _command(self, tier, out):
        """(argv, environment, cwd) of a worker of its own on ``tier``."""
        if tier.namespaces:
            command = isolation.worker_command(isolation.runtime().python, isolation.LIB, out)
            argv = isolation.launch(tier, env=worker_env(isolation.SCRATCH), command=command)
            # bwrap's own environment: TMPDIR names the run's temp folder, so processes.reap finds it.
            return argv, {"TMPDIR": tempfile.gettempdir()}, "/"
        from .processes import remove_orphaned_folders  # it imports this module

        remove_orphaned_folders(tempfile.gettempdir(), WORKER_FOLDER)  # left by a grader that was killed outright
        self.folder = Path(tempfile.mkdtemp(prefix=f"{WORKER_FOLDER}{os.getpid()}-"))
        lib = isolation.link_lib(self.folder / ".lib")
        env = worker_env(str(self.folder))
        return isolation.worker_command(sys.executable, str(lib), out), env, self.folder

    def close(self):
        if self.proc is not None:
            # bwrap leads its own process group; killing it kills its child, PID 1 of the worker's
            # namespace (--die-with-parent), and with it everything in that namespace.
            if isinstance(self.proc, subprocess.Popen):  # a forked worker is ended by its zygote (wait)
                from .processes import kill_leader  # it imports this module

                kill_leader(self.proc)
            for stream in (self.proc.stdin, self.proc.stdout):
                try:
                    stream.close()
                except OSError:
                    pass
            self.proc.wait()
            self.proc = None
            if self._release is not None:
                self._release()
                self._release = None
        if self._output is not None:
            self._carried = (self._carried + self._unread())[:64 * 1024]
        for handle in (self._output, self._startup):
            if handle is not None:
                handle.close()
        self._output = self._startup = None
        if self.folder is not None:
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
        self.phase = None
        self.startup_wait = 0.0  # the policy charges learner code for the call, not for the worker starting
        try:
            waiting = time.monotonic()
            self.start()  # with a zygote, this waits for it to be ready
            if not self._ready:
                ready = waiting + STARTUP_SECONDS
                self._write(self._config(), ready, name, STARTUP_SECONDS)
                self._ready_check(self._receive(ready, name)[0])
                self._ready = True
                self.startup_wait = time.monotonic() - waiting
            blobs = []
            request = {"module": module, "func": func,
                       "call": wire.encode([list(args), kwargs], blobs, functions_ok=True),
                       "readonly": {name: True for name in readonly}}
            self.phase = "call"
            deadline = time.monotonic() + timeout
            self._write(wire.pack(request, blobs), deadline, name, timeout)
            while True:
                header, blobs = self._receive(deadline, name, timeout=timeout)
                if "phase" in header:
                    self.phase = header["phase"] if header["phase"] in ("import", "call") else None
                    continue
                break
            value = self._value(header, blobs, name) if header["ok"] else None
        except LearnerFailure as exc:
            if self.phase == "import":
                self.broken[module] = exc
            self.close()
            if self.phase == "call":
                self._prestart()  # the next call most likely comes at once: let the new worker load NumPy meanwhile
            raise
        if header["ok"]:
            self.last = CallInfo([encodable(m[:100]) for m in header["mutated"][:50]],
                                 [encodable(w[:300]) for w in header["warnings"][:5]])
            return value
        failure = self._explain(header["error"], module, name)
        if header["error"].get("phase") == "import" and header["error"]["type"] != "MissingFunction":
            self.broken[module] = failure
        raise failure

    def printed(self, limit=1500):
        """What learner code printed since the last time this was asked (by this worker or one closed since)."""
        data, self._carried = self._carried + (self._unread() if self._output is not None else b""), b""
        text = data[:64 * 1024].decode(errors="replace")
        return text if len(text) <= limit else text[:limit] + f"\n... ({len(text) - limit} more characters)"

    def _unread(self):
        self._output.seek(self._printed_at)
        data = self._output.read(64 * 1024)
        self._printed_at = max(self._printed_at + len(data), os.fstat(self._output.fileno()).st_size)
        return data

    # -- plumbing

    def _prestart(self):
        try:
            self.start()
        except OSError:
            self.close()  # the next call starts one, and reports what goes wrong

    def _ready_check(self, header):
        walls = header.get("walls") if header.get("ready") is True else None
        if not isinstance(walls, dict):
            raise self._unreadable(self.phase or "the worker", "no ready message")
        self.walls = walls = {str(wall)[:40]: str(why)[:300] if why else "" for wall, why in list(walls.items())[:10]}
        failed = {wall: why for wall, why in walls.items() if why}
        if failed:  # fail closed: the tier this process reports must be the one in force
            raise LearnerCrashed("the worker that runs your code could not lock itself down ("
                                 + "; ".join(f"{wall}: {why}" for wall, why in failed.items()) + ")")

    def _value(self, header, blobs, name):
        if not isinstance(header.get("mutated"), list) or not isinstance(header.get("warnings"), list) \
                or not all(isinstance(m, str) for m in header["mutated"] + header["warnings"]):
            raise self._unreadable(name, "a malformed reply")
        try:
            return wire.decode(header.get("value"), blobs)
        except Exception as exc:
            raise self._unreadable(name, exc) from None

    def _write(self, data, deadline, name, timeout):
        """Send all of ``data`` before ``deadline``: a worker that stops reading can't block us."""
        fd = self.proc.stdin.fileno()
        view = memoryview(data)
        poller = select.poll()
        poller.register(fd, select.POLLOUT)
        while view:
            left = deadline - time.monotonic()
            if left <= 0 or not poller.poll(left * 1000):
                raise self._timed_out(name, timeout)
            try:
                view = view[os.write(fd, view[:1 << 16]):]
            except BlockingIOError:
                continue
            except OSError:
                return  # the worker died; the read that follows reports how

    def _read_exact(self, n, deadline, name, timeout):
        fd = self.proc.stdout.fileno()
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        while len(self._buffer) < n:
            left = deadline - time.monotonic()
            if left <= 0 or not poller.poll(left * 1000):
                raise self._timed_out(name, timeout)
            chunk = os.read(fd, min(max(65536, n - len(self._buffer)), 1 << 24))
            if not chunk:
                raise self._crashed(name)
            self._buffer += chunk
        with memoryview(self._buffer) as view:  # one copy out, not a slice and then a copy of it
            data = bytes(view[:n])
        del self._buffer[:n]
        return data

    def _receive(self, deadline, name, timeout=STARTUP_SECONDS):
        try:
            header, blobs = wire.unpack(lambda n: self._read_exact(n, deadline, name, timeout))
        except LearnerFailure:
            raise
        except Exception as exc:  # a garbled, oversized or too deeply nested reply
            raise self._unreadable(name, exc) from None
        if isinstance(header, dict) and ("phase" in header or header.get("ready") is True and not self._ready
                                         or isinstance(header.get("ok"), bool) and self._well_formed(header)):
            return header, blobs
        raise self._unreadable(name, "a malformed reply")

    @staticmethod
    def _well_formed(header):
        if header["ok"]:
            return True
        error = header.get("error")
        return (isinstance(error, dict) and isinstance(error.get("type"), str)
                and all(isinstance(error.get(k, ""), str) for k in ("message", "where", "phase"))
                and (error.get("missing_module") is None or isinstance(error["missing_module"], str))
                and isinstance(error.get("refused", False), bool))

    def _unreadable(self, name, why):
        return outcomes.unreadable_reply(call=name, error=why)

    def _exit_code(self):
        """The worker's exit code, negative for a signal, as Popen reports it; None if it is still running."""
        try:
            code = self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            return None
        if code is None or not isinstance(self.proc, subprocess.Popen):
            return code  # a forked worker's own exit status, or None: killed once it had 2 s to exit
        if isolation.tier().namespaces and 128 < code < 128 + signal.NSIG:
            return 128 - code  # bwrap exits with 128 + N when the worker was killed by signal N
        return code

    def _startup_text(self):
        if self._ready or self._startup is None:
            return ""
        self._startup.seek(0)
        return self._startup.read(64 * 1024).decode(errors="replace").strip()[-500:]

    def _timed_out(self, name, timeout):
        phase = "import" if self.phase == "import" else "call" if self._ready else "startup"
        return outcomes.timed_out(call=name, timeout=timeout, phase=phase, startup_seconds=STARTUP_SECONDS)

    def _crashed(self, name):
        code = self._exit_code()
        return outcomes.crashed(call=name, phase=self.phase, code=code, startup_output=self._startup_text())

    def _explain(self, error, module, name):
        error = {k: encodable(v[:TEXT_LIMITS[k]]) if isinstance(v, str) else v for k, v in error.items()
                 if k in TEXT_LIMITS or k == "refused"}
        printed = os.fstat(self._output.fileno()).st_size if self._output is not None else 0
        return outcomes.explain(error, module=module, call=name, memory_mb=self.spec.memory_mb,
                                modules=tuple(self.spec.files), printed_bytes=printed)
