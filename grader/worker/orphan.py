"""The worker stops itself when the grader that started it is gone: nobody else would stop it."""
import os
import shutil
import threading
import time


def watch_parent(folder):
    """Exit (and remove ``folder``) once our parent changes. In a PID namespace the parent is bwrap's init."""
    parent = os.getppid()

    def watch():
        while os.getppid() == parent:
            time.sleep(0.5)
        shutil.rmtree(folder, ignore_errors=True)
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()
