"""learnnn.datasets reads scikit-learn's bundled Iris and digits files without importing scikit-learn."""
import subprocess
import sys

import numpy as np
import pytest

from learnnn import datasets


@pytest.mark.parametrize("name", ["iris", "digits"])
def test_the_arrays_equal_scikit_learns(name):
    from sklearn import datasets as sk

    X, y = datasets.load(name)
    X_sk, y_sk = getattr(sk, f"load_{name}")(return_X_y=True)
    assert X.dtype == np.float64 and y.dtype == np.int64
    assert np.array_equal(X, X_sk) and np.array_equal(y, y_sk)
    assert not X.flags.writeable and not y.flags.writeable  # one cached copy: nobody may change it


def test_loading_does_not_import_scikit_learn():
    code = ("import sys; from learnnn import datasets; datasets.load('iris'); datasets.load('digits'); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'sklearn'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_missing_scikit_learn_is_named(monkeypatch):
    monkeypatch.setattr(datasets.importlib.util, "find_spec", lambda name: None)
    datasets.load.cache_clear()
    try:
        with pytest.raises(datasets.DatasetMissing, match="pip install scikit-learn"):
            datasets.load("iris")
    finally:
        datasets.load.cache_clear()
