"""The workers of one check: which files each one gets, one per exercise (plus spares for a model's
second lane), and starting the first while pytest loads.

Nothing here imports pytest: ``learnnn check`` starts the first worker from a thread (the isolation
probe, a bwrap start, is spent waiting), then imports pytest while that worker boots on the other core.
"""
import threading
from pathlib import Path

from . import isolation
from . import reference as references
from .manifest import PACKAGE, stub_functions
from .sandbox import Sandbox, SandboxSpec
from .zygote import Zygote, wanted as zygote_wanted

REFUSED_IMPORTS = ("sklearn.neural_network", "torch", "tensorflow", "keras", "jax", "learnnn")


def sandbox_spec(exercise, source_dir):
    """Which files go into the worker: the learner's module, and the earlier ones it may import."""
    source_dir = Path(source_dir)
    files = {}
    for name in exercise.earlier:
        learner_copy = source_dir / f"{name}.py"
        if exercise.own_stack:
            if learner_copy.is_file():
                files[name] = learner_copy
        else:
            files[name] = references.data_dir("solutions") / f"{name}.py"
    files[exercise.name] = source_dir / exercise.filename
    named = {}
    for module in files:  # a Named("relu") argument is the copied module's relu; earlier modules win a clash
        for function in stub_functions(references.data_dir("exercises") / f"{module}.py"):
            named.setdefault(function, module)
    return SandboxSpec(files=files, time_limit=exercise.time_limit, memory_mb=exercise.memory_mb,
                       deny_read=[PACKAGE, references.data_dir("solutions"), source_dir.resolve()],
                       refused_imports=list(REFUSED_IMPORTS), named=named)


class Workers:
    """The sandboxes of one check, keyed ``"iris"`` and ``"iris#1"`` (a spare); each starts on first use."""

    def __init__(self, source_dir):
        self.source_dir = Path(source_dir)
        self.sandboxes = {}
        # One sandbox for the check, a fresh forked worker per exercise (see learnnn.zygote).
        self.zygote = Zygote() if zygote_wanted() else None
        self._started = None  # set by prestart's thread once the first worker started (or failed to)

    def get(self, exercise, spare=0):
        if self._started is not None:
            self._started.wait()  # a sandbox is used by one thread at a time
        key = f"{exercise.name}#{spare}" if spare else exercise.name
        if key not in self.sandboxes:
            self.sandboxes[key] = Sandbox(sandbox_spec(exercise, self.source_dir), zygote=self.zygote)
        return self.sandboxes[key]

    def prestart(self, exercise):
        """Start ``exercise``'s worker from a thread and return at once, so the isolation probe and the worker's
        NumPy import overlap what the caller does next (import pytest, collect). The learner's modules are read
        at the first call, not now. Nothing when the learner's file is missing: no test then calls in."""
        if self._started is None and (self.source_dir / exercise.filename).is_file():
            sandbox = self.get(exercise)
            # What the start imports lazily is imported here first: a module imported by two threads at once
            # (this one and the caller importing pytest) can be seen half-initialised.
            from . import processes  # noqa: F401
            isolation.bwrap_path()
            self._started = threading.Event()
            self._thread = threading.Thread(target=self._start, args=(sandbox,), daemon=True)
            self._thread.start()

    def _start(self, sandbox):
        # The sandbox outlives this thread: it is forked by a keeper thread of its own (learnnn.keeper).
        try:
            sandbox.start()
        except Exception:  # the first call starts it again, in the caller's thread, and reports why not
            sandbox.close()
        finally:
            self._started.set()

    def close(self):
        if self._started is not None:
            # It ends once the first worker has started (or failed to): gone before a warm grading process checks
            # that the job left no thread, and no sandbox is closed while it is still starting one.
            self._thread.join()
        for sandbox in self.sandboxes.values():
            sandbox.close()
        if self.zygote is not None:
            self.zygote.close()
