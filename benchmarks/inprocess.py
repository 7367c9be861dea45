"""The floor the benchmarks compare learnnn with: hidden suites run by a bare pytest against the
reference solutions imported in-process (no worker, no sandbox, no learnnn plugin).

``floor_folder(folder, names)`` copies the named suites next to a conftest.py that gives them the
fixtures learnnn's plugin gives (``learner``, ``reference``, ``rng``, ...), calling the reference
module in the test process with the same copies of arguments and the same mutation and warning records.
"""
import shutil
from pathlib import Path

from learnnn import manifest

CONFTEST = '''
import copy, inspect, warnings, zlib
from pathlib import Path
from types import SimpleNamespace
import numpy as np
import pytest
from learnnn import reference as references
from learnnn.sandbox import LearnerRaised
from learnnn.worker import TEST_FUNCTIONS, decode, encode


def resolve(name):
    # functions a suite passes by name, as the worker resolves them
    return TEST_FUNCTIONS[name] if name in TEST_FUNCTIONS else getattr(references.load("activations"), name)


def same(a, b):
    # the worker's comparison of an argument before and after a call
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.shape == b.shape
                and a.dtype == b.dtype and np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a is b or a == b


class Local:
    def __init__(self, module):
        self._module = module
        self.last = SimpleNamespace(mutated=[], warnings=[])
        self.model_grading = {}

    def module(self, name):
        return Local(references.load(name))

    def spare(self):
        return self

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        func = getattr(self._module, name)

        def call(*args, readonly=(), timeout=None, **kwargs):
            blobs = []
            args, kwargs = copy.deepcopy(decode(encode([list(args), kwargs], blobs, functions_ok=True), blobs, resolve))
            bound = inspect.signature(func).bind(*args, **kwargs).arguments
            for key in readonly:
                if isinstance(bound.get(key), np.ndarray):
                    bound[key].flags.writeable = False
            before = {k: copy.deepcopy(v) for k, v in bound.items() if not isinstance(v, np.random.Generator)}
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    value = func(*args, **kwargs)
                except Exception as exc:  # what the worker reports of an exception
                    raise LearnerRaised(str(exc), kind=type(exc).__name__) from None
            mutated = [k for k in before if not same(before[k], bound[k])]
            self.last = SimpleNamespace(mutated=mutated, warnings=[str(w.message) for w in caught])
            blobs = []
            return copy.deepcopy(decode(encode(value, blobs), blobs))
        return call


def _name(request):
    return Path(str(request.node.path)).stem.removeprefix("test_")


@pytest.fixture(scope="module")
def learner(request):
    return Local(references.load(_name(request)))


@pytest.fixture(scope="module")
def reference(request):
    return references.load(_name(request))


@pytest.fixture(scope="session")
def reference_module():
    return references.load


@pytest.fixture
def rng(request):
    return np.random.default_rng(zlib.crc32(request.node.nodeid.split("::", 1)[-1].encode()))


@pytest.fixture
def record_metric():
    return lambda key, value: None


@pytest.fixture
def record_artifact():
    return lambda key, value: None
'''


# BLAS on one thread, as in every worker
ENV = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
       "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}


def floor_folder(folder, names):
    """A folder holding the named hidden suites and the in-process conftest; returns its path."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    course = manifest.load()
    for name in names:
        shutil.copy(course.exercise(name).suite, folder / f"test_{name}.py")
    (folder / "conftest.py").write_text(CONFTEST)
    return folder
