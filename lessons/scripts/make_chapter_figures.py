"""The experiments, numbers and figures of lessons 12 (regularisation) and 13 (optimisers).

Run from the repository root:

    python lessons/scripts/make_chapter_figures.py      # writes figures/regularization.png and figures/optimizers.png

Every number those lessons state comes from a function here, and
tests/test_new_chapters.py checks that the lessons still print what these
functions compute. The reference solutions in solutions/ do the work; every seed
is fixed.
"""
import os
import sys
from functools import lru_cache

import numpy as np

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # lessons/
ROOT = os.path.dirname(HERE)
FIGURES = os.path.join(HERE, "figures")
sys.path.insert(0, os.path.join(ROOT, "solutions"))

BLUE, GREEN, ORANGE, RED, GREY = "#2563eb", "#059669", "#d97706", "#dc2626", "#6b7280"
OPTIMIZERS = ("sgd", "momentum", "rmsprop", "adam")
COLOURS = dict(zip(OPTIMIZERS, (GREY, BLUE, ORANGE, GREEN)))


# ---------------------------------------------------------------- lesson 12


def noisy_blobs(n, seed, flip=0.2):
    """Three overlapping 2-D clusters; a fifth of the labels are redrawn at random, so there is noise to memorise."""
    rng = np.random.default_rng(seed)
    centres = np.array([[-1.0, -0.5], [1.0, -0.5], [0.0, 1.0]])
    y = rng.integers(0, 3, n)
    X = centres[y] + 0.7 * rng.standard_normal((n, 2))
    y = np.where(rng.random(n) < flip, rng.integers(0, 3, n), y)
    return X, y


REG = dict(layer_sizes=[2, 32, 32, 3], epochs=150, lr=0.01, batch_size=10, seed=0)
LAMS = (0.0, 0.01, 0.03, 1.0)
PATIENCE = 20


@lru_cache(maxsize=None)
def regularisation_runs():
    """Full 150-epoch runs for each lam (patience = epochs, so nothing stops early), and one early-stopped run.

    60 noisy training points, 300 validation points, 1000 test points, all from noisy_blobs.
    """
    from regularization import train_early_stopping
    from training import accuracy, predict

    (X, y), (Xv, yv), (Xt, yt) = noisy_blobs(60, 21), noisy_blobs(300, 22), noisy_blobs(1000, 23)
    runs = {}
    for lam in LAMS:
        params, history = train_early_stopping(X, y, Xv, yv, lam=lam, patience=REG["epochs"], **REG)
        runs[lam] = dict(history=history, best=history["best_epoch"],
                         best_val=history["val_loss"][history["best_epoch"]], last_val=history["val_loss"][-1],
                         last_train=history["loss"][-1], test_accuracy_best=accuracy(predict(Xt, params), yt))
    params, history = train_early_stopping(X, y, Xv, yv, lam=0.0, patience=PATIENCE, **REG)
    runs["early"] = dict(epochs_run=len(history["val_loss"]), best=history["best_epoch"],
                         test_accuracy=accuracy(predict(Xt, params), yt))
    return runs


def dropout_mean(keep_prob=0.8, seed=0):
    """The mean of inverted dropout applied to a (1000, 100) array of ones: close to 1 by design."""
    from regularization import dropout_forward

    out, mask = dropout_forward(np.ones((1000, 100)), keep_prob, np.random.default_rng(seed))
    return float(out.mean()), float(mask.mean())


def fig_regularization():
    runs = regularisation_runs()
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8), sharey=True)
    for ax, lam in zip(axes, (0.0, 0.03)):
        h = runs[lam]["history"]
        epochs = np.arange(len(h["loss"]))
        ax.plot(epochs, h["loss"], color=BLUE, lw=2, label="training loss")
        ax.plot(epochs, h["val_loss"], color=ORANGE, lw=2, label="validation loss")
        best = runs[lam]["best"]
        ax.axvline(best, color=GREY, ls="--", lw=1)
        ax.plot([best], [h["val_loss"][best]], "o", color=RED, label=f"lowest validation loss (epoch {best})")
        if lam == 0.0:
            stop = runs["early"]["epochs_run"] - 1
            ax.axvline(stop, color=RED, ls=":", lw=1.5, label=f"patience {PATIENCE} stops here (epoch {stop})")
        ax.set(title=f"lam = {lam:g}", xlabel="epoch", ylim=(0, 1.3))
        ax.legend(fontsize=8, loc="lower left")
    axes[0].set_ylabel("mean cross-entropy")
    fig.suptitle("60 noisy training points: the network memorises them, the validation loss turns up", y=1.04)
    save(fig, "regularization.png")


# ---------------------------------------------------------------- lesson 13


STEEP = 50  # the valley's walls are 50 times steeper across than along


def ravine(w):
    """f(w) = (w1^2 + 50 w2^2) / 2, a long narrow valley, and its gradient."""
    return 0.5 * (w[0] ** 2 + STEEP * w[1] ** 2), np.array([w[0], STEEP * w[1]])


# sgd just under its stability limit 2 / STEEP = 0.04; the others the best of a few tries each.
RAVINE_LR = {"sgd": 0.038, "momentum": 0.02, "rmsprop": 0.1, "adam": 0.2}
RAVINE_START = (-4.0, 1.0)


@lru_cache(maxsize=None)
def ravine_paths(steps=100):
    """Each optimiser's path on the ravine from (-4, 1), with the step at which f first drops below 1e-2."""
    import optimizers
    from training import sgd_step

    out = {}
    for name in OPTIMIZERS:
        params, state, path = {"w": np.array(RAVINE_START)}, None, [np.array(RAVINE_START)]
        for _ in range(steps):
            grads = {"w": ravine(params["w"])[1]}
            if name == "sgd":
                params = sgd_step(params, grads, RAVINE_LR[name])
            else:
                params, state = getattr(optimizers, f"{name}_step")(params, grads, state, lr=RAVINE_LR[name])
            path.append(params["w"])
        losses = [ravine(w)[0] for w in path]
        below = [i for i, v in enumerate(losses) if v < 1e-2]
        out[name] = dict(path=np.array(path), loss=losses, reached=below[0] if below else None)
    return out


DIGITS = dict(layer_sizes=[64, 64, 10], epochs=20, lr=0.01, batch_size=32, seed=0)


@lru_cache(maxsize=None)
def optimizer_runs():
    """Each optimiser on the digits (the lessons' split, standardised), 20 epochs at the same lr = 0.01."""
    from optimizers import train_with_optimizer
    from training import accuracy, predict

    X_fit, X_held, y_fit, y_held = digits_split()
    out = {}
    for name in OPTIMIZERS:
        params, history = train_with_optimizer(X_fit, y_fit, optimizer=name, **DIGITS)
        out[name] = dict(history=history, first_loss=history["loss"][0], last_loss=history["loss"][-1],
                         test_accuracy=accuracy(predict(X_held, params), y_held))
    return out


def digits_split():
    """The lessons' digits split (20% held out, random_state 42), standardised with the training rows' statistics."""
    from sklearn import datasets, model_selection

    X, y = datasets.load_digits(return_X_y=True)
    X_fit, X_held, y_fit, y_held = model_selection.train_test_split(X, y, random_state=42, test_size=0.2)
    mean, scale = X_fit.mean(axis=0), X_fit.std(axis=0)
    scale[scale == 0] = 1.0
    return (X_fit - mean) / scale, (X_held - mean) / scale, y_fit, y_held


def fig_optimizers():
    paths, runs = ravine_paths(), optimizer_runs()
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.2))
    g1, g2 = np.meshgrid(np.linspace(-4.5, 1.5, 200), np.linspace(-1.3, 1.3, 200))
    left.contour(g1, g2, ravine((g1, g2))[0], levels=np.geomspace(0.01, 60, 12), colors="0.8",
                 linewidths=0.8)
    for name in OPTIMIZERS:
        p = paths[name]["path"][:41]
        left.plot(p[:, 0], p[:, 1], "-o", ms=2.5, lw=1.3, color=COLOURS[name], label=f"{name} (lr {RAVINE_LR[name]:g})")
    left.plot(0, 0, "*", color="black", ms=10)
    left.set(title=f"40 steps on f(w) = (w1² + {STEEP} w2²) / 2", xlabel="w1", ylabel="w2")
    left.legend(fontsize=8, loc="upper right")
    for name in OPTIMIZERS:
        loss = runs[name]["history"]["loss"]
        right.semilogy(np.arange(1, len(loss) + 1), loss, "-o", ms=3, color=COLOURS[name],
                       label=f"{name}: test accuracy {runs[name]['test_accuracy']:.3f}")
    right.set(title="digits, [64, 64, 10], lr = 0.01 for all", xlabel="epoch", ylabel="training loss (log scale)")
    right.legend(fontsize=8)
    save(fig, "optimizers.png")


# ---------------------------------------------------------------- drawing


def save(fig, name):
    os.makedirs(FIGURES, exist_ok=True)
    path = os.path.join(FIGURES, name)
    fig.savefig(path, dpi=100, bbox_inches="tight", pil_kwargs={"optimize": True})
    plt.close(fig)
    print(f"wrote {os.path.relpath(path, ROOT)} ({os.path.getsize(path) // 1024} KB)")


if __name__ == "__main__":
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"font.size": 11, "axes.titlesize": 12, "axes.spines.top": False,
                         "axes.spines.right": False})
    fig_regularization()
    fig_optimizers()
