"""Regenerate every figure the lessons show.

Run from the repository root:

    python lessons/make_figures.py                 # all figures
    python lessons/make_figures.py iris_boundary   # only the ones named

The figures are drawn from the reference solutions in solutions/ (flat modules
that import each other, so that folder goes on sys.path) and from the datasets
bundled with scikit-learn; nothing is downloaded. Every seed is fixed, so the
same code gives the same pictures.
"""
import os
import sys
import time

import numpy as np
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
FIGURES = os.path.join(HERE, "figures")
sys.path.insert(0, os.path.join(ROOT, "solutions"))

DPI = 100
BLUE, GREEN, ORANGE, RED, GREY = "#2563eb", "#059669", "#d97706", "#dc2626", "#6b7280"
CLASS_COLOURS = [BLUE, ORANGE, GREEN]

plt.rcParams.update({
    "font.size": 11,
    "axes.titlesize": 12,
    "axes.spines.top": False,
    "axes.spines.right": False,
})


def save(fig, name):
    os.makedirs(FIGURES, exist_ok=True)
    path = os.path.join(FIGURES, name)
    fig.savefig(path, dpi=DPI, bbox_inches="tight", pil_kwargs={"optimize": True})
    plt.close(fig)
    print(f"wrote {os.path.relpath(path, ROOT)} ({os.path.getsize(path) // 1024} KB)")


def standardise(X_train, *others):
    """Mean and scale from the training rows only; constant columns keep scale 1."""
    mean = X_train.mean(axis=0)
    scale = X_train.std(axis=0)
    scale[scale == 0] = 1.0
    return [mean, scale] + [(X - mean) / scale for X in (X_train,) + others]


# --------------------------------------------------------------------------- #
# 02-activations
# --------------------------------------------------------------------------- #
def fig_activations():
    from activations import (sigmoid, sigmoid_grad, tanh, tanh_grad, relu,
                             relu_grad, leaky_relu, leaky_relu_grad)

    z = np.linspace(-5, 5, 801)
    alpha = 0.1
    panels = [
        ("sigmoid", sigmoid(z), sigmoid_grad(z), (-0.1, 1.1)),
        ("tanh", tanh(z), tanh_grad(z), (-1.15, 1.15)),
        ("ReLU", relu(z), relu_grad(z), (-0.6, 5.2)),
        (f"leaky ReLU (alpha = {alpha})", leaky_relu(z, alpha), leaky_relu_grad(z, alpha),
         (-0.8, 5.2)),
    ]
    fig, axes = plt.subplots(2, 4, figsize=(13, 5.6), sharex=True)
    for col, (name, f, df, ylim) in enumerate(panels):
        top, bottom = axes[0, col], axes[1, col]
        top.plot(z, f, color=BLUE, lw=2.2)
        top.set_title(name)
        top.set_ylim(*ylim)
        bottom.plot(z, df, color=RED, lw=2.2)
        bottom.set_title(f"derivative of {name.split(' (')[0]}")
        bottom.set_ylim(-0.1, 1.15)
        bottom.set_xlabel("z")
        for ax in (top, bottom):
            ax.axhline(0, color=GREY, lw=0.6, ls="--")
            ax.axvline(0, color=GREY, lw=0.6, ls="--")
            ax.grid(alpha=0.25)
    axes[0, 0].set_ylabel("g(z)")
    axes[1, 0].set_ylabel("g'(z)")
    # Sigmoid's derivative peaks at 0.25: the number behind vanishing gradients.
    axes[1, 0].annotate("max 0.25 at z = 0", xy=(0, 0.25), xytext=(0.6, 0.62),
                        arrowprops={"arrowstyle": "->", "color": GREY}, fontsize=10)
    fig.suptitle("Activation functions (top) and their derivatives (bottom)", fontsize=13)
    fig.tight_layout()
    save(fig, "activations.png")


# --------------------------------------------------------------------------- #
# 05-layers
# --------------------------------------------------------------------------- #
def fig_network():
    sizes = [4, 5, 3]
    xs = [0.0, 5.0, 10.0]
    fig, ax = plt.subplots(figsize=(11, 6.2))
    positions = []
    for x, n in zip(xs, sizes):
        ys = np.linspace(-(n - 1) / 2, (n - 1) / 2, n) * 1.0
        positions.append([(x, y) for y in ys[::-1]])
    for left, right in zip(positions[:-1], positions[1:]):
        for (x0, y0) in left:
            for (x1, y1) in right:
                ax.plot([x0, x1], [y0, y1], color=GREY, lw=0.7, alpha=0.6, zorder=1)
    colours = [BLUE, ORANGE, GREEN]
    names = [["x1", "x2", "x3", "x4"], [f"h{i}" for i in range(1, 6)],
             ["p1", "p2", "p3"]]
    for layer, (pos, colour) in enumerate(zip(positions, colours)):
        for (x, y), label in zip(pos, names[layer]):
            ax.add_patch(plt.Circle((x, y), 0.28, color=colour, zorder=2))
            ax.text(x, y, label, ha="center", va="center", color="white",
                    fontsize=10, fontweight="bold", zorder=3)
    top = 2.0
    captions = [
        "input layer\nX: (n, 4)",
        "hidden layer (ReLU)\nZ1, A1: (n, 5)",
        "output layer (softmax)\nZ2, P: (n, 3)",
    ]
    for x, caption in zip(xs, captions):
        ax.text(x, top + 0.5, caption, ha="center", va="bottom", fontsize=11)
    weights = [
        "W1: (4, 5)   b1: (5,)\nZ1 = X @ W1 + b1\nA1 = relu(Z1)",
        "W2: (5, 3)   b2: (3,)\nZ2 = A1 @ W2 + b2\nP = softmax(Z2)",
    ]
    for x0, x1, text in zip(xs[:-1], xs[1:], weights):
        ax.text((x0 + x1) / 2, -top - 0.45, text, ha="center", va="top", fontsize=10.5,
                family="monospace",
                bbox={"boxstyle": "round,pad=0.4", "fc": "#f3f4f6", "ec": GREY})
    ax.text(5.0, -top - 2.35, "parameters: 4*5 + 5 = 25 in layer 1, 5*3 + 3 = 18 in layer 2,"
            " 43 in all", ha="center", va="top", fontsize=10.5)
    ax.set_xlim(-1.6, 11.6)
    ax.set_ylim(-top - 2.8, top + 1.5)
    ax.set_aspect("equal")
    ax.axis("off")
    save(fig, "network.png")


# --------------------------------------------------------------------------- #
# 04-and-gate
# --------------------------------------------------------------------------- #
def fig_and_gate():
    from activations import sigmoid
    from and_gate import train_neuron

    # The four corners of the unit square; AND is 1 only where both inputs are 1.
    X = np.array([[a, b] for a in (0.0, 1.0) for b in (0.0, 1.0)])
    y = X[:, 0] * X[:, 1]
    w, b, losses = train_neuron(X, y, epochs=10000, lr=0.5, seed=1)

    fig, (ax, ax_loss) = plt.subplots(1, 2, figsize=(11, 4.6),
                                      gridspec_kw={"width_ratios": [1.1, 1]})
    g = np.linspace(-0.4, 1.4, 300)
    G1, G2 = np.meshgrid(g, g)
    P = sigmoid(np.c_[G1.ravel(), G2.ravel()] @ w + b).reshape(G1.shape)
    shade = ax.contourf(G1, G2, P, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.55)
    fig.colorbar(shade, ax=ax, label="neuron output p")
    # The boundary is where w1*x1 + w2*x2 + b = 0, i.e. p = 0.5.
    ax.contour(G1, G2, P, levels=[0.5], colors="black", linewidths=2)
    for (x1, x2), target in zip(X, y):
        p = float(sigmoid(np.array([x1, x2]) @ w + b))
        ax.scatter(x1, x2, s=160, color=RED if target else BLUE, edgecolor="black", zorder=3)
        ax.annotate(f"y={int(target)}, p={p:.3f}", (x1, x2), textcoords="offset points",
                    xytext=(0, 13), ha="center", fontsize=10,
                    bbox={"boxstyle": "round,pad=0.2", "fc": "white", "alpha": 0.8})
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    ax.set_xlim(-0.4, 1.4)
    ax.set_ylim(-0.4, 1.4)
    ax.set_aspect("equal")
    ax.set_title(f"AND: boundary {w[0]:.2f}*x1 + {w[1]:.2f}*x2 {b:+.2f} = 0", fontsize=11)

    ax_loss.plot(np.arange(1, len(losses) + 1), losses, color=BLUE, lw=2)
    ax_loss.set_xscale("log")
    ax_loss.set_xlabel("epoch (log scale)")
    ax_loss.set_ylabel("mean binary cross-entropy")
    ax_loss.set_title("training loss of the neuron")
    ax_loss.grid(alpha=0.3)
    fig.tight_layout()
    save(fig, "and_gate.png")


# --------------------------------------------------------------------------- #
# 09-training
# --------------------------------------------------------------------------- #
def lessons_split(X, y):
    """The split the lessons use: 20% held out, random_state 42.

    Splitting row numbers gives the same rows as splitting X and y directly.
    """
    from sklearn import model_selection

    rows_fit, rows_held = model_selection.train_test_split(
        np.arange(len(y)), random_state=42, test_size=0.2)
    return (X[rows_fit], y[rows_fit]), (X[rows_held], y[rows_held])


def digits_data():
    from sklearn import datasets

    bunch = datasets.load_digits()
    return lessons_split(bunch.data, bunch.target)


def fig_loss_curve():
    from training import train, predict, accuracy

    (X_fit, y_fit), (X_held, y_held) = digits_data()
    _, _, Xs_fit, Xs_held = standardise(X_fit, X_held)
    epochs = 40
    params, history = train(Xs_fit, y_fit, [64, 64, 10], epochs=epochs, lr=0.1,
                            batch_size=32, seed=0)
    test_acc = accuracy(predict(Xs_held, params), y_held)
    e = np.arange(1, epochs + 1)

    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(11, 4.2))
    ax_loss.plot(e, history["loss"], color=BLUE, lw=2, marker="o", ms=3)
    ax_loss.set_xlabel("epoch")
    ax_loss.set_ylabel("mean cross-entropy (training set)")
    ax_loss.set_title("loss")
    ax_loss.grid(alpha=0.3)
    ax_acc.plot(e, history["accuracy"], color=GREEN, lw=2, marker="o", ms=3,
                label="training accuracy")
    ax_acc.axhline(test_acc, color=RED, ls="--", lw=1.5,
                   label=f"test accuracy after training: {test_acc:.3f}")
    ax_acc.set_xlabel("epoch")
    ax_acc.set_ylabel("accuracy")
    ax_acc.set_title("accuracy")
    ax_acc.set_ylim(min(0.8, min(history["accuracy"]) - 0.02), 1.005)
    ax_acc.legend(loc="lower right")
    ax_acc.grid(alpha=0.3)
    fig.suptitle("train(X, y, [64, 64, 10], epochs=40, lr=0.1, batch_size=32, seed=0)"
                 " on standardised digits", fontsize=11.5, family="monospace")
    fig.tight_layout()
    save(fig, "loss_curve.png")


# --------------------------------------------------------------------------- #
# 10-iris
# --------------------------------------------------------------------------- #
def fig_iris_boundary():
    from sklearn import datasets
    from training import train, predict, accuracy

    iris = datasets.load_iris()
    petals = iris.data[:, [2, 3]]  # petal length, petal width
    (X_fit, y_fit), (X_held, y_held) = lessons_split(petals, iris.target)
    mean, scale, Xs_fit, Xs_held = standardise(X_fit, X_held)
    params, _ = train(Xs_fit, y_fit, [2, 16, 3], epochs=200, lr=0.1, batch_size=16,
                      seed=0)
    test_acc = accuracy(predict(Xs_held, params), y_held)

    lo = np.minimum(Xs_fit.min(axis=0), Xs_held.min(axis=0)) - 0.5
    hi = np.maximum(Xs_fit.max(axis=0), Xs_held.max(axis=0)) + 0.5
    g1, g2 = np.meshgrid(np.linspace(lo[0], hi[0], 400), np.linspace(lo[1], hi[1], 400))
    regions = predict(np.c_[g1.ravel(), g2.ravel()], params).reshape(g1.shape)

    from matplotlib.colors import ListedColormap
    fig, ax = plt.subplots(figsize=(7.5, 5.6))
    ax.contourf(g1, g2, regions, levels=[-0.5, 0.5, 1.5, 2.5],
                cmap=ListedColormap(CLASS_COLOURS), alpha=0.22)
    for k, name in enumerate(iris.target_names):
        ax.scatter(*Xs_fit[y_fit == k].T, color=CLASS_COLOURS[k], edgecolor="white",
                   s=40, label=f"{name} (train)")
        ax.scatter(*Xs_held[y_held == k].T, color=CLASS_COLOURS[k], marker="X",
                   edgecolor="black", s=80, label=f"{name} (test)")
    ax.set_xlabel("petal length, standardised")
    ax.set_ylabel("petal width, standardised")
    ax.set_title(f"[2, 16, 3] network on two Iris features: test accuracy {test_acc:.2f}")
    ax.legend(fontsize=9, loc="upper left", ncol=2, framealpha=0.9)
    fig.tight_layout()
    save(fig, "iris_boundary.png")


# --------------------------------------------------------------------------- #
# 11-digits
# --------------------------------------------------------------------------- #
def fig_digits_predictions():
    from activations import relu, softmax
    from layers import mlp_forward
    from digits import fit_digits

    (X_train, y_train), (X_test, y_test) = digits_data()
    start = time.perf_counter()
    params, mean, scale = fit_digits(X_train, y_train, seed=0)
    seconds = time.perf_counter() - start
    out, _ = mlp_forward((X_test - mean) / scale, params, hidden_activation=relu,
                         output_activation=softmax)
    pred = out.argmax(axis=1)
    acc = float(np.mean(pred == y_test))

    # Show the first test images in order, with up to four mistakes mixed in so
    # the figure also shows what the model gets wrong.
    rows, cols = 3, 8
    wrong = list(np.flatnonzero(pred != y_test)[:4])
    chosen = list(np.flatnonzero(pred == y_test)[: rows * cols - len(wrong)])
    for slot, i in zip([5, 10, 19, 22], wrong):
        chosen.insert(slot, i)

    fig, axes = plt.subplots(rows, cols, figsize=(10.5, 4.9))
    for ax, i in zip(axes.ravel(), chosen):
        ax.imshow(X_test[i].reshape(8, 8), cmap="gray_r", vmin=0, vmax=16)
        ok = pred[i] == y_test[i]
        ax.set_title(f"pred {pred[i]}  true {y_test[i]}", fontsize=10,
                     color="black" if ok else RED, fontweight="normal" if ok else "bold")
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set_visible(not ok)
            spine.set_color(RED)
            spine.set_linewidth(2.5)
    fig.suptitle(f"Test digits (8x8 pixels) and the reference model's predictions: "
                 f"accuracy {acc:.3f} on {len(y_test)} test images; mistakes in red",
                 fontsize=11)
    fig.tight_layout()
    save(fig, "digits_predictions.png")
    print(f"  fit_digits took {seconds:.1f} s")


FIGURES_BY_NAME = {
    "activations": fig_activations,
    "network": fig_network,
    "and_gate": fig_and_gate,
    "loss_curve": fig_loss_curve,
    "iris_boundary": fig_iris_boundary,
    "digits_predictions": fig_digits_predictions,
}


def main(names):
    unknown = [n for n in names if n not in FIGURES_BY_NAME]
    if unknown:
        sys.exit(f"unknown figure(s): {', '.join(unknown)}; "
                 f"choose from {', '.join(FIGURES_BY_NAME)}")
    for name in names or FIGURES_BY_NAME:
        FIGURES_BY_NAME[name]()


if __name__ == "__main__":
    main(sys.argv[1:])
