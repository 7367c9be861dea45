"""Sandboxes started from a thread that outlives the caller's.

bwrap's ``--die-with-parent`` and a worker's own parent-death signal (PR_SET_PDEATHSIG)
fire when the *thread* that forked them ends, not the process. A worker or zygote started by
a short-lived thread (check's first-worker thread, a model lane) would die as that thread
ends; so each one is forked by a keeper thread that waits until the process is closed.
"""
import subprocess
import threading


def popen_kept(*args, **kwargs):
    """``subprocess.Popen(*args, **kwargs)`` forked by a keeper thread; returns (proc, release).

    Call ``release()`` once ``proc`` is killed or reaped: the keeper ends and is joined (a warm
    grading process checks that a job left no thread). Raises what Popen raised, with no thread left.
    """
    started, ready, stop = {}, threading.Event(), threading.Event()

    def keep():
        try:
            started["proc"] = subprocess.Popen(*args, **kwargs)
        except BaseException as exc:
            started["error"] = exc
        finally:
            ready.set()
        stop.wait()

    thread = threading.Thread(target=keep, daemon=True)
    thread.start()
    ready.wait()

    def release():
        stop.set()
        thread.join(5)

    if "error" in started:
        release()
        raise started["error"]
    return started["proc"], release
