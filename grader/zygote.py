"""One sandbox per grading session, a fresh forked worker per exercise.

Starting a worker costs bwrap + ``python -I -S`` + ``import numpy`` (0.13 to 0.2
CPU-s), twelve times per submission and again after every timeout. Instead, the
plugin keeps one :class:`Zygote` per grading session (one submission, or one
``check``): a process started under bubblewrap exactly as a worker is
(learnnn.isolation), that imports NumPy and the worker package and then forks a
worker whenever the session needs one (learnnn.worker.zygote). The child gets
fresh request/reply pipes and the learner-output file from this process, makes a
fresh subfolder of the scratch tmpfs its own, and raises exactly the walls a
worker raises today (rlimits, Landlock: read-only runtime and read-write only
its own subfolder; seccomp) before it reads any learner code.

Why a child can't reach what the exercises around it share (each claim is
checked by tests/test_zygote.py with learner code that has switched the audit
hook off):

* The zygote and its siblings. Signals: seccomp lets a process signal only
  itself (kill, tgkill, rt_sigqueueinfo and rt_tgsigqueueinfo with its own pid;
  tkill, pidfd_* and fcntl's F_SETOWN/F_SETOWN_EX/F_SETSIG refused), so this
  holds on any Landlock ABI, and Landlock (ABI >= 6) scopes signals to its own
  domain as well. ptrace, process_vm_readv/writev and kcmp are refused by
  seccomp; Landlock refuses ptrace access to any process outside the child's
  domain, so /proc/<zygote>/mem, its fd/ and environ can't be opened, and its
  read rules name only /proc/self in /proc. The walls cover the whole child: a
  worker runs one thread, and refuses to serve if it finds another (a thread
  started before the walls would run outside Landlock). No process creation
  (seccomp refuses every clone), so nothing outlives the child's kill. Behind
  all that the zygote is not dumpable (no /proc/<pid>/mem even for a process
  outside the walls), writes at most 16 MiB to any file and dumps no core.
* Sibling folders: each child's Landlock domain may write only its own
  subfolder and read only the runtime; the scratch root and every other
  subfolder are neither readable nor listable. The zygote removes a child's
  folder once it has reaped it, so the next exercise neither sees what was
  planted nor inherits a full tmpfs; a folder it can't remove discards the
  whole sandbox.
* Leftover bytes: every worker has its own pipes, so a dead worker's unread
  reply can never be read as the next worker's.
* The control channel is the zygote's alone: the child closes it and every other
  inherited descriptor before serving. This side still trusts it no more than a
  reply pipe: one datagram of at most 4 KiB, read under a deadline, validated;
  anything else discards the sandbox (SIGKILL to bwrap, which takes the whole PID
  namespace) and the next worker comes from a new one.
* What stays shared is the sandbox of ONE submission (its namespaces and
  scratch tmpfs): learners never share one, so isolation between classmates is
  still bwrap's.

The zygote is used only where all of those walls stand: the kernel tier with
seccomp and Landlock. Elsewhere, or with ``LEARNNN_FRESH_SANDBOX=1`` (the slow
path, which grades byte for byte the same), every worker gets its own bwrap.
"""
import json
import os
import socket
import subprocess
import tempfile
import threading
import time

from . import isolation
from .keeper import popen_kept

FRESH = "LEARNNN_FRESH_SANDBOX"
STARTUP_SECONDS = 60  # the first answer waits for bwrap and NumPy's import, on a machine that may be busy
REPLY_SECONDS = 20  # later ones: a fork, or a kill, a reap and a folder removed
MESSAGE_BYTES = 4096
FDS = 4


class ZygoteError(OSError):
    """The zygote did not answer as it must; it has been discarded."""


def wanted():
    """True when workers should come from a zygote: every wall it relies on stands, and no one asked for the slow path."""
    if os.environ.get(FRESH, "") not in ("", "0"):
        return False
    tier = isolation.tier()
    return tier.kernel and tier.seccomp and tier.landlock


class Forked:
    """A worker forked by a zygote, with the pipe ends a Popen would hold (``stdin``, ``stdout``)."""

    def __init__(self, zygote, wid, stdin, stdout):
        self.zygote, self.wid, self.stdin, self.stdout = zygote, wid, stdin, stdout
        self.code = None
        self._ended = False

    def wait(self, timeout=0):
        """Its exit code, negative for a signal; waits ``timeout`` s for it to exit, then kills it (None)."""
        if not self._ended:
            self._ended = True
            self.code = self.zygote.end(self.wid, grace=timeout or 0)
        return self.code


class Zygote:
    """The fork server of one grading session; safe to use from several threads (model lanes)."""

    def __init__(self):
        self.proc = None
        self.control = None
        self.broken = False  # closed, or failed twice: the session falls back to one bwrap per worker
        self._errors = None
        self._answered = False
        self._live = set()  # ids of the workers forked by the current zygote
        self._next = 0
        self._lock = threading.Lock()

    def start(self):
        """Start bwrap and the zygote in it (NumPy loads while the caller goes on); no-op when it runs.

        A failure here is left for :meth:`spawn` to meet again and report (or fall back from).
        """
        with self._lock:
            try:
                self._start()
            except OSError:
                pass

    def _start(self):
        if self.proc is not None:
            return
        if self.broken:
            raise ZygoteError("this zygote was closed or has failed")
        from .sandbox import worker_env

        tier = isolation.tier()
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        argv = isolation.launch(tier, env=worker_env(isolation.SCRATCH), command=isolation.zygote_command(
            isolation.runtime().python, isolation.LIB, theirs.fileno()))
        self._errors = tempfile.TemporaryFile(prefix="learnnn-zygote-")
        try:
            # bwrap's own environment: TMPDIR names the run's temp folder, so processes.reap finds it.
            self.proc, self._release = popen_kept(argv, cwd="/", env={"TMPDIR": tempfile.gettempdir()},
                                                  stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                                  stderr=self._errors, pass_fds=[theirs.fileno()],
                                                  start_new_session=True)
        except BaseException:
            ours.close()
            self._errors.close()
            raise
        finally:
            theirs.close()
        self.control = ours
        self._answered = False

    def spawn(self, output_fd, errors_fd):
        """A new worker (:class:`Forked`) writing learner output to ``output_fd`` and start-up errors to ``errors_fd``.

        Raises ZygoteError when two zygotes in a row failed to give one; the caller then starts a worker of
        its own, as without a zygote.
        """
        with self._lock:
            for _ in range(2):
                if self.broken:
                    break
                request_r, request_w = os.pipe()
                reply_r, reply_w = os.pipe()
                try:
                    self._start()
                    wid = self._next
                    self._next += 1
                    reply = self._ask({"op": "spawn", "id": wid}, [request_r, reply_w, output_fd, errors_fd])
                    if reply != {"id": wid, "spawned": True}:
                        raise ZygoteError(f"the zygote answered {str(reply)[:200]} to a spawn")
                except OSError:  # ZygoteError, or bwrap could not start
                    for fd in (request_w, reply_r):
                        os.close(fd)
                    self._discard()
                    continue
                finally:
                    os.close(request_r)
                    os.close(reply_w)
                self._live.add(wid)
                return Forked(self, wid, os.fdopen(request_w, "wb", buffering=0), os.fdopen(reply_r, "rb", buffering=0))
            self.broken = True
            raise ZygoteError("the zygote could not fork a worker")

    def end(self, wid, grace=0.0):
        """Kill and reap worker ``wid`` after ``grace`` s at most; its exit code if it ended on its own, else None."""
        with self._lock:
            if wid not in self._live:
                return None  # it died with a zygote discarded since
            self._live.discard(wid)
            try:
                reply = self._ask({"op": "end", "id": wid, "grace": grace}, [], extra=grace)
                code = reply.get("code")
                if set(reply) != {"id", "code", "clean"} or reply["id"] != wid or reply["clean"] is not True \
                        or not (code is None or type(code) is int):
                    raise ZygoteError(f"the zygote answered {str(reply)[:200]} to an end")
            except ZygoteError:
                self._discard()  # the worker goes with the whole namespace
                return None
            return code

    def _ask(self, message, fds, extra=0.0):
        """Send one request and read its one reply under a deadline; any failure is a ZygoteError."""
        deadline = time.monotonic() + extra + (REPLY_SECONDS if self._answered else STARTUP_SECONDS)
        data = json.dumps(message).encode()
        try:
            self.control.settimeout(max(0.01, deadline - time.monotonic()))
            sent = socket.send_fds(self.control, [data], fds) if fds else self.control.send(data)
            if sent != len(data):
                raise ZygoteError("the request did not fit one message")
            self.control.settimeout(max(0.01, deadline - time.monotonic()))
            raw = self.control.recv(MESSAGE_BYTES)
        except OSError as exc:  # socket.timeout included
            raise ZygoteError(f"the zygote did not answer ({exc}){self._errors_text()}") from None
        if not raw:
            raise ZygoteError(f"the zygote is gone{self._errors_text()}")
        try:
            reply = json.loads(raw)
        except ValueError:
            reply = None
        if len(raw) >= MESSAGE_BYTES or not isinstance(reply, dict):
            raise ZygoteError("the zygote sent a malformed answer")
        self._answered = True
        return reply

    def _errors_text(self):
        try:
            self._errors.seek(0)
            text = self._errors.read(64 * 1024).decode(errors="replace").strip()[-300:]
        except (OSError, ValueError, AttributeError):
            return ""
        return f": {text}" if text else ""

    def _discard(self):
        """Kill bwrap, and with it the zygote and every worker it forked (their PID namespace goes)."""
        if self.proc is not None:
            from .processes import kill_leader

            kill_leader(self.proc)
            self.proc = None
            self._release()
        for handle in (self.control, self._errors):
            if handle is not None:
                handle.close()
        self.control = self._errors = None
        self._live.clear()

    def close(self):
        """Kill it and every worker it forked; a later spawn falls back to a bwrap per worker (never a leak)."""
        with self._lock:
            self.broken = True
            self._discard()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
