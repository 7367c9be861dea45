"""Regenerate every figure the lessons show.

Run from the repository root:

    python lessons/scripts/make_figures.py                 # all figures
    python lessons/scripts/make_figures.py iris_boundary   # only the ones named

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

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # lessons/
ROOT = os.path.dirname(HERE)
FIGURES = os.path.join(HERE, "figures")
sys.path.insert(0, os.path.join(ROOT, "solutions"))

import lesson_numbers as numbers  # noqa: E402  (the experiments the figures draw)
from lesson_numbers import digits_data, lessons_split, standardise  # noqa: E402

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

    # The first correctly read test images in order, with four mistakes mixed in so the
    # figure also shows what the model gets wrong; the lesson and the title say so.
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
    fig.suptitle(f"The reference model on the first {rows * cols - len(wrong)} test digits it reads "
                 f"correctly, with {len(wrong)} of its {int(np.sum(pred != y_test))} mistakes in red "
                 f"(accuracy {acc:.3f} on {len(y_test)} test images)", fontsize=11)
    fig.tight_layout()
    save(fig, "digits_predictions.png")
    print(f"  fit_digits took {seconds:.1f} s")


# --------------------------------------------------------------------------- #
# 01-intro
# --------------------------------------------------------------------------- #
def fig_neuron():
    fig, (bio, art) = plt.subplots(1, 2, figsize=(11, 3.9))
    # A cartoon nerve cell: dendrites into the soma, one axon out to its terminals.
    bio.add_patch(plt.Circle((0, 0), 0.55, color=ORANGE, alpha=0.85, zorder=2))
    rng = np.random.default_rng(3)
    for angle in np.linspace(2.0, 4.3, 5):
        x0, y0 = 0.55 * np.cos(angle), 0.55 * np.sin(angle)
        x1, y1 = 1.6 * np.cos(angle), 1.6 * np.sin(angle)
        bio.plot([x0, x1], [y0, y1], color=ORANGE, lw=2.5)
        for turn in (-0.35, 0.35):
            bio.plot([x1, x1 + 0.45 * np.cos(angle + turn + rng.normal(0, 0.1))],
                     [y1, y1 + 0.45 * np.sin(angle + turn)], color=ORANGE, lw=1.6)
    bio.plot([0.55, 3.6], [0, 0], color=ORANGE, lw=3)
    for dy in (-0.35, 0, 0.35):
        bio.plot([3.6, 4.0], [0, dy], color=ORANGE, lw=1.8)
        bio.add_patch(plt.Circle((4.05, dy), 0.07, color=ORANGE))
    for x, y, text in [(-1.75, 1.45, "dendrites:\nsignals in"), (0, -0.95, "soma:\nadds them up"),
                       (2.1, 0.3, "axon: fires if the\ntotal is large enough"),
                       (4.1, -0.75, "synapses:\nstrong or weak")]:
        bio.text(x, y, text, ha="center", va="center", fontsize=10)
    bio.set_title("a biological neuron (a cartoon)")
    # The artificial neuron: inputs, one weight each, a sum with a bias, an activation.
    ys = [1.1, 0, -1.1]
    for i, y in enumerate(ys, start=1):
        art.add_patch(plt.Circle((0, y), 0.25, color=BLUE, zorder=2))
        art.text(0, y, f"x{i}", ha="center", va="center", color="white", fontweight="bold", zorder=3)
        art.annotate("", xy=(1.75, 0), xytext=(0.25, y),
                     arrowprops={"arrowstyle": "->", "color": GREY, "lw": 1.5})
        art.text(0.85, y * 0.62 + 0.13, f"w{i}", fontsize=11, color=BLUE)
    art.add_patch(plt.Circle((2.1, 0), 0.38, color=GREEN, zorder=2))
    art.text(2.1, 0, "z", ha="center", va="center", color="white", fontsize=13, fontweight="bold", zorder=3)
    art.text(2.1, -0.75, "z = w1*x1 + w2*x2\n+ w3*x3 + b", ha="center", va="top", fontsize=10,
             family="monospace")
    art.annotate("", xy=(3.3, 0), xytext=(2.5, 0), arrowprops={"arrowstyle": "->", "lw": 1.5})
    art.add_patch(plt.Rectangle((3.3, -0.32), 0.8, 0.64, color=RED, zorder=2))
    art.text(3.7, 0, "f", ha="center", va="center", color="white", fontsize=13, fontweight="bold", zorder=3)
    art.annotate("", xy=(5.0, 0), xytext=(4.1, 0), arrowprops={"arrowstyle": "->", "lw": 1.5})
    art.text(5.1, 0, "a = f(z)", va="center", fontsize=11, family="monospace")
    art.text(2.1, 0.62, "+ b", ha="center", fontsize=11, color=GREEN)
    art.set_title("an artificial neuron")
    for ax in (bio, art):
        ax.set_aspect("equal")
        ax.axis("off")
    bio.set_xlim(-2.4, 4.8)
    bio.set_ylim(-1.6, 2.0)
    art.set_xlim(-0.5, 6.3)
    art.set_ylim(-1.6, 1.6)
    fig.tight_layout()
    save(fig, "neuron.png")


# --------------------------------------------------------------------------- #
# 04-and-gate
# --------------------------------------------------------------------------- #
def fig_xor():
    from activations import sigmoid
    from and_gate import train_neuron

    X = np.array([[a, b] for a in (0.0, 1.0) for b in (0.0, 1.0)])
    y = np.array([0.0, 1.0, 1.0, 0.0])
    w, b, _ = train_neuron(X, y)
    g = np.linspace(-0.4, 1.4, 250)
    G1, G2 = np.meshgrid(g, g)
    grid = np.c_[G1.ravel(), G2.ravel()]
    # Two hidden neurons (OR and NAND) and an output neuron that ANDs them.
    h_or = sigmoid(grid @ np.array([20.0, 20.0]) - 10)
    h_nand = sigmoid(grid @ np.array([-20.0, -20.0]) + 30)
    out = sigmoid(np.c_[h_or, h_nand] @ np.array([20.0, 20.0]) - 30)
    panels = [
        (sigmoid(grid @ w + b), f"one neuron, trained: p is about {float(sigmoid(b)):.2f}\neverywhere"),
        (None, "hidden layer: two lines\nh1 = OR (solid), h2 = NAND (dashed)"),
        (out, "output = AND(h1, h2):\nXOR solved"),
    ]
    fig, axes = plt.subplots(1, 3, figsize=(12, 4.3))
    for ax, (P, title) in zip(axes, panels):
        if P is not None:
            ax.contourf(G1, G2, P.reshape(G1.shape), levels=np.linspace(0, 1, 11), cmap="RdBu_r",
                        alpha=0.5, vmin=0, vmax=1)
        else:
            ax.contour(G1, G2, h_or.reshape(G1.shape), levels=[0.5], colors=BLUE, linewidths=2)
            ax.contour(G1, G2, h_nand.reshape(G1.shape), levels=[0.5], colors=ORANGE,
                       linewidths=2, linestyles="--")
        for (x1, x2), target in zip(X, y):
            ax.scatter(x1, x2, s=150, color=RED if target else BLUE, edgecolor="black", zorder=3)
        ax.set_title(title, fontsize=11)
        ax.set_xlim(-0.4, 1.4)
        ax.set_ylim(-0.4, 1.4)
        ax.set_aspect("equal")
        ax.set_xlabel("x1")
    axes[0].set_ylabel("x2")
    fig.suptitle("XOR: red corners are 1, blue corners are 0; shading is the output p", fontsize=12)
    fig.tight_layout()
    save(fig, "xor.png")


# --------------------------------------------------------------------------- #
# 05-layers
# --------------------------------------------------------------------------- #
def fig_init_spread():
    spreads = numbers.activation_spread()
    labels = ["std 0.01", "std 1.0", "He: std sqrt(2 / 100)"]
    fig, ax = plt.subplots(figsize=(7.5, 4.4))
    for (scale, stds), label, colour in zip(spreads.items(), labels, [BLUE, RED, GREEN]):
        ax.plot(range(1, len(stds) + 1), stds, marker="o", color=colour, lw=2, label=label)
    ax.set_yscale("log")
    ax.set_xlabel("layer (ReLU, 100 units each)")
    ax.set_ylabel("std of the layer's activations")
    ax.set_title("Activation spread through ten layers, for three weight scales")
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    save(fig, "init_spread.png")


# --------------------------------------------------------------------------- #
# 06-losses
# --------------------------------------------------------------------------- #
def fig_loss_gradients():
    from activations import sigmoid

    p = np.linspace(0.005, 1, 400)
    z = np.linspace(-8, 8, 400)
    s = sigmoid(z)
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    left.plot(p, -np.log(p), color=BLUE, lw=2.2)
    left.set_xlabel("probability given to the true class, p")
    left.set_ylabel("-log p")
    left.set_title("cross-entropy of one example")
    left.grid(alpha=0.3)
    # Target 1 behind a sigmoid: dL/dz is p - 1 for cross-entropy, 2 (p - 1) p (1 - p) for MSE.
    right.plot(z, s - 1, color=BLUE, lw=2.2, label="cross-entropy: p - 1")
    right.plot(z, 2 * (s - 1) * s * (1 - s), color=RED, lw=2.2, label="squared error: 2 (p - 1) p (1 - p)")
    right.axvspan(-8, -3, color=GREY, alpha=0.12)
    right.text(-5.5, -0.55, "confidently\nwrong", ha="center", fontsize=10)
    right.set_xlabel("logit z (target is 1, p = sigmoid(z))")
    right.set_ylabel("dL/dz")
    right.set_title("the gradient that reaches z")
    right.legend(loc="lower right", fontsize=9.5)
    right.grid(alpha=0.3)
    fig.tight_layout()
    save(fig, "loss_gradients.png")


# --------------------------------------------------------------------------- #
# 07-backprop
# --------------------------------------------------------------------------- #
def fig_backprop_graph():
    v = numbers.tiny_network()
    fmt = numbers.row
    # (operation in the box, forward value of its output, gradient text below it)
    boxes = [
        ("x", "[1, 2]", ""),
        ("z1 = x @ W1 + b1", fmt(v["Z1"]), f"dz1 = da1 * relu'(z1)\n= {fmt(v['dZ1'] + 0.0)}\n\n"
                                          f"dW1 = x.T @ dz1\n= {fmt(v['dW1'])}"),
        ("a1 = relu(z1)", fmt(v["A1"]), f"da1 = dz2 @ W2.T\n= {fmt(v['dA1'])}"),
        ("z2 = a1 @ W2 + b2", fmt(v["Z2"]), f"dz2 = p - y\n= {fmt(v['dZ2'])}\n\n"
                                           f"dW2 = a1.T @ dz2\n= {fmt(v['dW2'])}"),
        ("p = softmax(z2)", fmt(v["A2"]), "softmax and cross-entropy\ntogether hand back\ndz2 = p - y"),
        ("L = -log p[1]", f"{v['L']:.3f}", "the start:\ndL/dL = 1"),
    ]
    fig, ax = plt.subplots(figsize=(14, 4.2))
    step, half = 3.0, 1.15
    for i, (op, value, grad) in enumerate(boxes):
        x = i * step
        ax.add_patch(plt.Rectangle((x - half, -0.3), 2 * half, 0.6, color=BLUE if i == 0 else GREEN,
                                   zorder=2))
        ax.text(x, 0, op, ha="center", va="center", color="white", fontsize=9.5, fontweight="bold",
                zorder=3)
        ax.text(x, 0.42, value, ha="center", va="bottom", fontsize=9.5, family="monospace")
        ax.text(x, -0.45, grad, ha="center", va="top", fontsize=8.5, family="monospace", color=RED)
        if i:
            ax.annotate("", xy=(x - half, 0.1), xytext=(x - step + half, 0.1),
                        arrowprops={"arrowstyle": "->", "lw": 1.4})
            ax.annotate("", xy=(x - step + half, -0.1), xytext=(x - half, -0.1),
                        arrowprops={"arrowstyle": "->", "lw": 1.4, "color": RED})
    ax.text(2.5 * step, 1.0, "forward values (black) run left to right; gradients (red) run right to left",
            ha="center", fontsize=10.5)
    ax.set_xlim(-half - 0.2, 5 * step + half + 0.2)
    ax.set_ylim(-2.2, 1.25)
    ax.axis("off")
    save(fig, "backprop_graph.png")


# --------------------------------------------------------------------------- #
# 08-gradient-check
# --------------------------------------------------------------------------- #
def fig_gradient_check_h():
    hs = np.logspace(-13, -1, 49)
    forward, central = numbers.difference_errors(hs)
    fig, ax = plt.subplots(figsize=(7.5, 4.4))
    ax.loglog(hs, np.maximum(forward, 1e-17), color=ORANGE, lw=2, marker=".", label="forward difference")
    ax.loglog(hs, np.maximum(central, 1e-17), color=BLUE, lw=2, marker=".", label="central difference")
    ax.axvline(1e-5, color=GREY, ls="--", lw=1)
    ax.text(1.3e-5, 1e-3, "h = 1e-5", color=GREY)
    ax.set_xlabel("step h")
    ax.set_ylabel("|numerical - true slope|")
    ax.set_title("Slope of sin at x = 1: rounding noise (left) vs truncation (right)")
    ax.legend(loc="lower left")
    ax.grid(alpha=0.3, which="both")
    fig.tight_layout()
    save(fig, "gradient_check_h.png")


# --------------------------------------------------------------------------- #
# 09-training
# --------------------------------------------------------------------------- #
def fig_learning_rates():
    runs = numbers.learning_rate_runs()
    fig, ax = plt.subplots(figsize=(7.5, 4.4))
    colours = [GREY, BLUE, GREEN, ORANGE, RED]
    for (lr, (history, acc)), colour in zip(runs.items(), colours):
        loss = np.array(history["loss"], dtype=float)
        ax.plot(range(1, len(loss) + 1), loss, color=colour, lw=2, marker="o", ms=3,
                label=f"lr = {lr}: test accuracy {acc:.2f}")
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("training loss (log scale)")
    ax.set_title("[64, 64, 10] on the digits, batch size 32, five learning rates")
    ax.legend(fontsize=9)
    ax.grid(alpha=0.3, which="both")
    fig.tight_layout()
    save(fig, "learning_rates.png")


# --------------------------------------------------------------------------- #
# 11-digits
# --------------------------------------------------------------------------- #
def fig_early_stopping():
    ns = numbers.early_stopping_namespace()
    train_loss, val_loss = np.array(ns["curve"]).T
    epochs = np.arange(1, len(train_loss) + 1)
    fig, ax = plt.subplots(figsize=(7.5, 4.4))
    ax.plot(epochs, train_loss, color=BLUE, lw=2, label="training loss (1,149 images)")
    ax.plot(epochs, val_loss, color=ORANGE, lw=2, label="validation loss (288 images)")
    best = ns["best_epoch"]
    ax.axvline(best, color=GREEN, ls="--", lw=1.5)
    ax.scatter([best], [val_loss[best - 1]], color=GREEN, zorder=3, s=50,
               label=f"best validation loss: epoch {best}, weights kept")
    ax.axvline(ns["epoch"], color=GREY, ls=":", lw=1.5, label=f"stopped: epoch {ns['epoch']} (patience 10)")
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("cross-entropy (log scale)")
    ax.set_title("Early stopping on the digits, [64, 64, 10], lr 0.1")
    ax.legend(fontsize=9)
    ax.grid(alpha=0.3, which="both")
    fig.tight_layout()
    save(fig, "early_stopping.png")


FIGURES_BY_NAME = {
    "neuron": fig_neuron,
    "xor": fig_xor,
    "init_spread": fig_init_spread,
    "loss_gradients": fig_loss_gradients,
    "backprop_graph": fig_backprop_graph,
    "gradient_check_h": fig_gradient_check_h,
    "learning_rates": fig_learning_rates,
    "early_stopping": fig_early_stopping,
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
