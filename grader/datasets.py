"""Iris and digits read straight from scikit-learn's bundled files, without importing scikit-learn.

Importing ``sklearn.datasets`` costs the trusted process most of a second on every
``check``; the two CSV files it ships are all we need. ``tests/test_datasets.py``
proves the arrays equal ``load_iris(return_X_y=True)`` and ``load_digits(return_X_y=True)``.
"""
import functools
import gzip
import importlib.util
import io
from pathlib import Path

import numpy as np


class DatasetMissing(RuntimeError):
    """scikit-learn, whose bundled data files we read, is not installed."""


def _data_dir():
    spec = importlib.util.find_spec("sklearn")  # finds the package without running its __init__
    if spec is None or not spec.submodule_search_locations:
        raise DatasetMissing("scikit-learn is not installed: pip install scikit-learn")
    return Path(next(iter(spec.submodule_search_locations))) / "datasets" / "data"


def _read(path, *, skip_header):
    data = path.read_bytes()
    if path.suffix == ".gz":
        data = gzip.decompress(data)  # whole: half the time of parsing through gzip.open's text stream
    table = np.loadtxt(io.StringIO(data.decode("utf-8")), delimiter=",", skiprows=1 if skip_header else 0)
    return np.ascontiguousarray(table[:, :-1]), table[:, -1].astype(np.int64)


@functools.lru_cache(maxsize=None)
def load(name):
    """``(X, y)`` for ``"iris"`` (150, 4) or ``"digits"`` (1797, 64): float64 features, int64 labels.

    Raises :class:`DatasetMissing` when scikit-learn's files can't be found.
    """
    files = {"iris": ("iris.csv", True), "digits": ("digits.csv.gz", False)}
    filename, header = files[name]
    path = _data_dir() / filename
    if not path.is_file():
        raise DatasetMissing(f"scikit-learn's bundled {name} data is missing ({path})")
    X, y = _read(path, skip_header=header)
    X.setflags(write=False)
    y.setflags(write=False)
    return X, y
