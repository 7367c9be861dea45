"""The worker dies with the process that started it: nobody else would stop it.

No thread watches the parent: seccomp (without TSYNC) and Landlock cover only the
thread that installs them, so a thread started before them would run learner code
outside both (the red team's a1/a8). The kernel does the watching instead.
"""
import ctypes
import os
import signal

PR_SET_PDEATHSIG = 1


def die_with_parent(parent):
    """SIGKILL this process once ``parent`` (its parent's pid as first read at startup) exits.

    The kernel sends the signal when the parent thread ends; a parent gone before
    the request was made is caught by comparing getppid() with ``parent``.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl.argtypes = [ctypes.c_int] + [ctypes.c_ulong] * 4
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0 or os.getppid() != parent:
        os._exit(1)
