"""The fork server ("zygote"): one per grading session, forking a fresh worker per exercise.

Started by learnnn.zygote under bubblewrap exactly as a worker is, it imports
NumPy and the worker package once, raises no wall of its own (it never runs
learner code), and then serves its control socket, one datagram per request:

* ``{"op": "spawn", "id": n}`` with four descriptors (request pipe, reply pipe,
  learner output, start-up errors): fork; the child moves them to 0, 1, 3 and 2,
  closes every other descriptor (the control socket first), makes ``<scratch>/<n>``
  its folder and continues as ``serve.main``, which raises every wall before it
  reads learner code. Reply ``{"id": n, "spawned": true}``.
* ``{"op": "end", "id": n, "grace": s}``: wait up to ``s`` seconds for child ``n``
  to exit, SIGKILL it if it has not, reap it, remove its folder. Reply
  ``{"id": n, "code": <exit code, negative for a signal; null if we killed it>,
  "clean": <its folder is gone>}``.

Anything else gets ``{"error": why}``. When the control socket closes, the
zygote exits, and with it (PID 1 of the namespace is bwrap's) every child.
Why a child can't reach the zygote or a sibling is argued in learnnn.zygote.
"""
import json
import os
import shutil
import signal
import socket
import time
import traceback

from . import serve

MESSAGE_BYTES = 4096
FDS = 4  # request, reply, learner output, start-up errors


def _child(control, fds, folder, zygote):
    """The forked worker: never returns."""
    code = 1
    try:
        control.close()
        request, reply, output, errors = fds
        for fd, target in ((request, 0), (reply, 1), (errors, 2), (output, 3)):
            os.dup2(fd, target)
        os.closerange(4, max(os.sysconf("SC_OPEN_MAX"), 4096))
        os.chdir(folder)
        os.environ.update(HOME=folder, TMPDIR=folder, MPLCONFIGDIR=folder)
        serve.main(3, zygote)  # it dies with the zygote
        code = 0
    except BaseException:  # noqa: B036 (nothing may escape into the zygote's loop)
        try:
            traceback.print_exc()
        except BaseException:
            pass
    finally:
        os._exit(code)


def _end(pid, grace):
    deadline = time.monotonic() + grace
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        if time.monotonic() >= deadline:
            break
        time.sleep(0.01)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    return None


def _remove(folder):
    for attempt in range(2):
        try:
            if attempt:  # a child may have taken its own folders' permissions away: give them back, then retry
                stack = [folder]
                while stack:
                    os.chmod(stack[-1], 0o700)
                    stack += [e.path for e in os.scandir(stack.pop()) if e.is_dir(follow_symlinks=False)]
            shutil.rmtree(folder)
            return True
        except (OSError, RecursionError):
            pass
    return False  # e.g. a tree too deep to remove: the grader starts a new sandbox


def _answer(request, fds, children, root, control):
    op, wid = request.get("op"), request.get("id")
    if type(wid) is not int or wid < 0:
        return {"error": "no worker id"}
    if op == "spawn" and len(fds) == FDS and wid not in children:
        folder = os.path.join(root, str(wid))
        os.mkdir(folder, 0o700)
        zygote = os.getpid()
        pid = os.fork()
        if pid == 0:
            _child(control, fds, folder, zygote)
        children[wid] = (pid, folder)
        return {"id": wid, "spawned": True}
    if op == "end" and wid in children and isinstance(request.get("grace"), (int, float)):
        pid, folder = children.pop(wid)
        code = _end(pid, min(max(float(request["grace"]), 0.0), 10.0))
        return {"id": wid, "code": code, "clean": _remove(folder)}
    return {"error": f"can't {op!r} worker {wid}"}


def _harden():
    """Walls of the zygote's own, behind the children's (defence in depth: a child that got code running outside
    its walls would meet these). Not dumpable: its /proc/<pid>/mem, fd/ and environ need ptrace rights nobody in
    the sandbox has (forked children inherit it). The workers' file-size limit (16 MiB): it writes only a traceback to
    the grader's start-up file, which must not fill the host's disk. No core files."""
    import ctypes
    import resource

    PR_SET_DUMPABLE = 4
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_DUMPABLE, 0) failed")
    for res, value in ((resource.RLIMIT_FSIZE, 16 << 20), (resource.RLIMIT_CORE, 0)):
        resource.setrlimit(res, (value, value))


def main(control_fd):
    """Serve the control socket ``control_fd`` until the grader closes it."""
    import gc
    import resource  # noqa: F401 (what every child needs: loaded once, here)
    import threading  # noqa: F401

    gc.freeze()  # what is loaded now stays shared with every child: the collector won't touch (copy) its pages
    _harden()

    control = socket.socket(fileno=control_fd)
    root, children = os.getcwd(), {}
    while True:
        try:
            data, fds, _, _ = socket.recv_fds(control, MESSAGE_BYTES, FDS)
        except OSError:
            return
        if not data:
            return
        try:
            request = json.loads(data)
            reply = _answer(request if isinstance(request, dict) else {}, fds, children, root, control)
        except Exception as exc:  # our own bug or a full scratch folder: the grader starts over
            reply = {"error": f"{type(exc).__name__}: {exc}"}
        finally:
            for fd in fds:
                os.close(fd)
        control.send(json.dumps(reply).encode())
