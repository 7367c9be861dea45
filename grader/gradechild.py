"""The grading child: one submission graded in a process of its own, so its watcher can kill all of it.

Started by watchdog.py as ``python -m learnnn.gradechild JOB`` with TMPDIR set to
a folder of its own (every sandbox worker it starts lives under it). JOB is a
pickle the watcher wrote: (submission, course, budget, require_kernel). Writes on
what was its stdout ``ready`` once NumPy and pytest are loaded, then one JSON
line: {"ok": <result as cached>}, {"error": why} or {"refused": why}.
"""
import json
import os
import pickle
import socket
import sys
import threading
import time


def _orphaned(parent):
    """If the watcher is killed outright (its Dask worker died), nobody else will stop our workers."""
    from .processes import kill_workers

    while os.getppid() == parent:
        time.sleep(1)
    kill_workers()
    os._exit(1)


def kernel_missing():
    """Why this machine can't run learner code inside the kernel sandbox, or '' when it can."""
    try:
        from . import isolation
    except ImportError:
        return "this learnnn has no kernel sandbox (learnnn.isolation)"
    tier = isolation.tier()
    return "" if tier.kernel else str(tier)


def main():
    replies = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)  # whatever pytest prints must not garble the replies
    threading.Thread(target=_orphaned, args=(os.getppid(),), daemon=True).start()
    with open(sys.argv[1], "rb") as f:
        submission, course, budget, require_kernel = pickle.load(f)
    if require_kernel:
        missing = kernel_missing()
        if missing:
            replies.write(json.dumps({"refused": f"the Dask worker on {socket.gethostname()} has no kernel "
                                                 f"sandbox ({missing}), so it refused to run learner code"}) + "\n")
            return
    from .grading import grade_submission  # noqa: E402  (numpy and pytest load now, before the clock starts)
    from . import check  # noqa: F401

    replies.write("ready\n")
    replies.flush()
    try:
        reply = {"ok": grade_submission(submission=submission, course=course, budget=budget).to_cache()}
    except Exception as exc:  # learnnn's own failure: an error row, not cached
        reply = {"error": f"{type(exc).__name__}: {exc}"}
    replies.write(json.dumps(reply) + "\n")
    replies.flush()


if __name__ == "__main__":
    main()
