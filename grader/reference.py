"""The reference solutions, imported into the trusted process for suites to compare against."""
import importlib
import sys

from .manifest import data_dir


def load(name):
    """Import solutions/<name>.py under its flat name, as learner modules import each other."""
    folder = str(data_dir("solutions"))
    module = sys.modules.get(name)
    if module is not None and getattr(module, "__file__", "").startswith(folder):
        return module
    sys.path.insert(0, folder)
    try:
        flat = _flat_names()
        for stale in [m for m in sys.modules if m in flat]:
            if not getattr(sys.modules[stale], "__file__", "").startswith(folder):
                del sys.modules[stale]  # a same-named module from elsewhere must not stand in
        return importlib.import_module(name)
    finally:
        sys.path.remove(folder)


def _flat_names():
    return {p.stem for p in data_dir("solutions").glob("*.py")}
