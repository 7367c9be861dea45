"""The workers of one check: which files each one gets, one per exercise (plus spares for a model's
second lane), and starting the first before pytest loads.

Nothing here imports pytest: ``learnnn check`` starts the first worker, whose NumPy import is most of
its start-up, and then imports pytest while that worker boots on the other core.
"""
from pathlib import Path

from . import reference as references
from .manifest import PACKAGE, stub_functions
from .sandbox import Sandbox, SandboxSpec

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

    def get(self, exercise, spare=0):
        key = f"{exercise.name}#{spare}" if spare else exercise.name
        if key not in self.sandboxes:
            self.sandboxes[key] = Sandbox(sandbox_spec(exercise, self.source_dir))
        return self.sandboxes[key]

    def prestart(self, exercise):
        """Start ``exercise``'s worker now, so it imports NumPy while the caller loads pytest and collects
        (its learner modules are read when the first call comes, not now). Not when the learner's file is
        missing: every test then fails without calling in."""
        if (self.source_dir / exercise.filename).is_file():
            self.get(exercise).start()

    def close(self):
        for sandbox in self.sandboxes.values():
            sandbox.close()
