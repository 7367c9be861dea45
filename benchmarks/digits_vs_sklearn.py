"""Time and score the reference fit_digits against scikit-learn's MLPClassifier.

Run by hand from the repository root:

    python benchmarks/digits_vs_sklearn.py

Both models train on the lessons' split of load_digits (test_size=0.2,
random_state=42, standardised with the training rows' statistics) in this one
process, so they share the BLAS thread settings (1 thread unless THREADS is
set). The time is the best of 3 fits, run alternately so that a busy machine
slows both alike. The last column is the mean held-out accuracy over 5
stratified splits the lessons never use.
"""
import os

# BLAS reads these when NumPy is first imported, so they must come first.
THREADS = os.environ.get("THREADS", "1")
for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = THREADS

import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.neural_network import MLPClassifier  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "solutions"))

from digits import fit_digits  # noqa: E402
from layers import mlp_forward  # noqa: E402

REPEATS = 3
STRATIFIED_SEEDS = range(5)


class Reference:
    name = "learnnn fit_digits (reference)"

    def fit(self, X, y):
        self.params, self.mean, self.scale = fit_digits(X, y, seed=0)
        return self

    def score(self, X, y):
        out, _ = mlp_forward((X - self.mean) / self.scale, self.params)
        return float(np.mean(out.argmax(axis=1) == y))


class Sklearn:
    name = "MLPClassifier((64, 32), max_iter=500)"

    def fit(self, X, y):
        self.model = make_pipeline(
            StandardScaler(),
            MLPClassifier(hidden_layer_sizes=(64, 32), max_iter=500, random_state=42),
        ).fit(X, y)
        return self

    def score(self, X, y):
        return float(self.model.score(X, y))


def main():
    warnings.simplefilter("ignore", ConvergenceWarning)
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=42)
    models = [Reference(), Sklearn()]

    times = {m.name: [] for m in models}
    scores = {}
    for _ in range(REPEATS):
        for model in models:
            start = time.perf_counter()
            model.fit(X_train, y_train)
            times[model.name].append(time.perf_counter() - start)
            scores[model.name] = model.score(X_test, y_test)

    stratified = {m.name: [] for m in models}
    for seed in STRATIFIED_SEEDS:
        Xa, Xb, ya, yb = train_test_split(X, y, test_size=0.2, random_state=seed, stratify=y)
        for model in models:
            stratified[model.name].append(model.fit(Xa, ya).score(Xb, yb))

    width = max(len(m.name) for m in models)
    print(f"load_digits, {len(X_train)} training / {len(X_test)} test rows, BLAS threads: {THREADS}")
    print(f"{'model':<{width}}  {'fit time (best of 3)':>20}  {'accuracy rs=42':>14}  "
          f"{'mean of 5 stratified':>20}")
    for model in models:
        print(f"{model.name:<{width}}  {min(times[model.name]):>19.3f}s  "
              f"{scores[model.name]:>14.4f}  {np.mean(stratified[model.name]):>20.4f}")
    ref, skl = (min(times[m.name]) for m in models)
    print(f"reference / MLPClassifier time: {ref / skl:.2f}")


if __name__ == "__main__":
    main()
