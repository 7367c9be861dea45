"""Every number a lesson states that comes from running code, computed.

Run from the repository root:

    python lessons/scripts/lesson_numbers.py            # recompute, write lessons/figures/numbers.json
    python lessons/scripts/lesson_numbers.py --print    # recompute and print the JSON, write nothing
    python lessons/scripts/lesson_numbers.py --fast     # only the fast ones (what the test recomputes),
                                                # merged into numbers.json; add --print to print

Each function decorated with @states(lesson) returns {name: text}, where text is the
value exactly as that lesson prints it. tests/test_lesson_numbers.py recomputes all of
them and checks that every text appears in its lesson and that numbers.json is current.
Where a lesson shows a Python snippet that produces a number, the snippet is taken from
the lesson file itself and run (`run_snippets`), so the code a learner reads is the code
that is checked. Everything uses the reference solutions (solutions/ goes on sys.path)
and scikit-learn's bundled datasets, with fixed seeds.
"""
import contextlib
import io
import json
import os
import re
import sys
import warnings

import numpy as np

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # lessons/
ROOT = os.path.dirname(HERE)
OUTPUT = os.path.join(HERE, "figures", "numbers.json")
sys.path.insert(0, os.path.join(ROOT, "solutions"))

STATEMENTS = []  # (lesson id, function, slow), in the order defined


def states(lesson, slow=False):
    """Register a function computing numbers of `lesson`; slow ones (scikit-learn's models,
    the full digits recipes) take minutes on a busy two-core box and are left to this script,
    the test recomputes the others."""
    def register(function):
        STATEMENTS.append((lesson, function, slow))
        return function
    return register


# --------------------------------------------------------------------------- #
# shared data and helpers (make_figures.py uses them too)
# --------------------------------------------------------------------------- #
def lessons_split(X, y, **kwargs):
    """The split the lessons use: 20% held out, random_state 42 (rows, then arrays)."""
    from sklearn import model_selection

    rows_fit, rows_held = model_selection.train_test_split(
        np.arange(len(y)), random_state=kwargs.pop("random_state", 42), test_size=0.2, **kwargs)
    return (X[rows_fit], y[rows_fit]), (X[rows_held], y[rows_held])


def standardise(X_train, *others):
    """Mean and scale from the training rows only; constant columns keep scale 1."""
    mean = X_train.mean(axis=0)
    scale = X_train.std(axis=0)
    scale[scale == 0] = 1.0
    return [mean, scale] + [(X - mean) / scale for X in (X_train,) + others]


def digits_data():
    from sklearn import datasets

    bunch = datasets.load_digits()
    return lessons_split(bunch.data, bunch.target)


def digits_standardised():
    (X_fit, y_fit), (X_held, y_held) = digits_data()
    _, _, Xs_fit, Xs_held = standardise(X_fit, X_held)
    return Xs_fit, y_fit, Xs_held, y_held


def snippets(lesson):
    """The ```python blocks of a lesson, in order."""
    with open(os.path.join(HERE, f"{lesson}.md")) as f:
        return re.findall(r"```python\n(.*?)```", f.read(), flags=re.S)


def run_snippets(lesson, *which, namespace=None, edits=()):
    """Run the chosen snippets of a lesson in one namespace; return it and what they printed.

    edits: (old, new) replacements applied to the code first, for a variation the lesson
    describes in words ("drop stratify=y and ...").
    """
    namespace = {} if namespace is None else namespace
    blocks = snippets(lesson)
    out = io.StringIO()
    with contextlib.redirect_stdout(out), warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        for i in which:
            code = blocks[i]
            for old, new in edits:
                if old not in code:
                    raise LookupError(f"{lesson} snippet {i} has no {old!r}")
                code = code.replace(old, new)
            exec(compile(code, f"{lesson}.md snippet {i}", "exec"), namespace)
    return namespace, out.getvalue()


def snippet_index(lesson, marker):
    """The number of the one snippet of a lesson that contains marker."""
    found = [i for i, block in enumerate(snippets(lesson)) if marker in block]
    if len(found) != 1:
        raise LookupError(f"{lesson}: {len(found)} snippets contain {marker!r}")
    return found[0]


def f3(x):
    return f"{x:.3f}"


def e1(x):
    """One significant digit, the way the lessons write rough sizes: 3e-12, 3e+08."""
    return f"{x:.0e}"


# --------------------------------------------------------------------------- #
# 02-activations
# --------------------------------------------------------------------------- #
@states("02-activations")
def softmax_examples():
    from activations import softmax

    logits = np.array([2.0, 1.0, 0.1])
    e = np.exp(logits)
    return {
        "exponentials": f"e^2.0 = {e[0]:.3f},  e^1.0 = {e[1]:.3f},  e^0.1 = {e[2]:.3f},  total = {e.sum():.3f}",
        "softmax": "softmax = [" + ", ".join(f3(p) for p in softmax(logits)) + "]",
        "shifted": "[" + ", ".join(f3(p) for p in softmax(np.array([1000.0, 1001.0]))) + "]",
    }


# --------------------------------------------------------------------------- #
# 05-layers
# --------------------------------------------------------------------------- #
def parameter_count(sizes):
    return sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))


def activation_spread(scales=(0.01, 1.0, np.sqrt(2 / 100)), depth=10, width=100, seed=0):
    """Std of the activations after each of `depth` ReLU layers, for each weight std."""
    spreads = {}
    for scale in scales:
        rng = np.random.default_rng(seed)
        A = rng.standard_normal((500, width))
        stds = []
        for _ in range(depth):
            A = np.maximum(0, A @ (rng.standard_normal((width, width)) * scale))
            stds.append(float(A.std()))
        spreads[float(scale)] = stds
    return spreads


@states("05-layers")
def layer_numbers():
    spreads = list(activation_spread().values())
    _, printed = run_snippets("05-layers", snippet_index("05-layers", "W_book"))
    return {
        "textbook layout": f"# {printed.strip()}",
        "layer 1": f"64 * 32 + 32 = {64 * 32 + 32}",
        "layer 2": f"32 * 10 + 10 =  {32 * 10 + 10}",
        "total": f"total                  = {parameter_count([64, 32, 10])}",
        "64-64-10": f"`{64 * 64 + 64} + {64 * 10 + 10} = {parameter_count([64, 64, 10])}`",
        "4-5-3": f"`{4 * 5 + 5} + {5 * 3 + 3} = {parameter_count([4, 5, 3])}`",
        "vanishes": f"about {e1(spreads[0][-1])}   (the signal vanishes)",
        "explodes": f"about {e1(spreads[1][-1])}   (the signal explodes)",
        "survives": f"about {spreads[2][-1]:.1f}     (the signal survives)",
        "he std": f"sqrt(2 / 64) = {np.sqrt(2 / 64):.3f}",
        "xavier std": f"sqrt(1 / 64) = {np.sqrt(1 / 64):.3f}",
    }


# --------------------------------------------------------------------------- #
# 04-and-gate
# --------------------------------------------------------------------------- #
def gradient_descent_on_square(lr, steps, w=1.0):
    """w after each step of gradient descent on L(w) = w^2 (slope 2w)."""
    path = []
    for _ in range(steps):
        w = w - lr * 2 * w
        path.append(w)
    return path


@states("04-and-gate")
def and_gate_numbers():
    from activations import sigmoid
    from and_gate import train_neuron

    corners = np.array([[a, b] for a in (0.0, 1.0) for b in (0.0, 1.0)])
    timid = sigmoid(corners @ np.array([1.0, 1.0]) - 1.5)
    bold = sigmoid(corners @ np.array([10.0, 10.0]) - 15)
    _, _, xor_losses = train_neuron(corners, np.array([0.0, 1.0, 1.0, 0.0]))
    paths = {lr: gradient_descent_on_square(lr, 5) for lr in (0.1, 0.9, 1.1)}
    return {
        "timid": ", ".join(f"{p:.2f}" for p in timid),
        "bold": "roughly `" + ", ".join(f3(p) for p in bold) + "`",
        "bce 0.9": f"-log(0.9) = {-np.log(0.9):.3f}",
        "bce 0.1": f"-log(0.1) = {-np.log(0.1):.3f}",
        **{f"lr {lr}": f"lr = {lr} : " + " ".join(f"{w:.4g}" for w in path)
           for lr, path in paths.items()},
        "xor stall": f"stalls at `{xor_losses[-1]:.3f}`",
    }


# --------------------------------------------------------------------------- #
# 06-losses
# --------------------------------------------------------------------------- #
def prior_entropy(q):
    q = np.asarray(q, dtype=float)
    return float(-np.sum(q * np.log(q)))


@states("06-losses")
def loss_numbers():
    from losses import mse, binary_cross_entropy, cross_entropy

    P = np.array([[0.7, 0.2, 0.1], [0.1, 0.5, 0.4]])
    return {
        "mse": f"mse    = 0.5 / 3 = {mse([2.5, 0.0, 2.0], [3.0, -0.5, 2.0]):.4f}",
        "bce": f"bce = 0.839 / 3 = {binary_cross_entropy([0.9, 0.2, 0.6], [1, 0, 1]):.3f}",
        "ce": f"cross_entropy = (0.357 + 0.916) / 2 = {cross_entropy(P, [0, 2]):.3f}",
        "worst": f"`-log(1e-12) = {-np.log(1e-12):.2f}`",
        "balanced prior": f"`-log(0.5) = {prior_entropy([0.5, 0.5]):.3f}`",
        "skewed prior": f"only `{prior_entropy([0.1, 0.9]):.3f}`",
        "log 3": f"`{np.log(3):.3f}` for 3 classes and `{np.log(10):.3f}` for 10",
    }


# --------------------------------------------------------------------------- #
# 07-backprop
# --------------------------------------------------------------------------- #
TINY = {
    "x": np.array([[1.0, 2.0]]),
    "W1": np.array([[0.5, -1.0], [0.25, 0.5]]), "b1": np.array([0.0, -1.5]),
    "W2": np.array([[1.0, -1.0], [0.5, 2.0]]), "b2": np.array([0.0, 0.0]),
    "y": np.array([[0.0, 1.0]]),
}


def tiny_network():
    """Forward values and gradients of the two-layer example of lesson 7 (one sample)."""
    from layers import mlp_forward
    from losses import cross_entropy
    from backprop import mlp_backward

    params = {k: TINY[k] for k in ("W1", "b1", "W2", "b2")}
    P, cache = mlp_forward(TINY["x"], params)
    grads = mlp_backward(TINY["y"], params, cache)
    values = {**cache, "L": cross_entropy(P, TINY["y"]), "dZ2": P - TINY["y"]}
    values["dA1"] = values["dZ2"] @ params["W2"].T
    values["dZ1"] = values["dA1"] * (cache["Z1"] > 0)
    values.update({f"d{k}": v for k, v in grads.items()})
    from gradient_check import numerical_gradient, relative_error

    for k in params:
        numeric = numerical_gradient(
            lambda v: cross_entropy(mlp_forward(TINY["x"], {**params, k: v})[0], TINY["y"]), params[k])
        # ReLU's kink is far away (z1 = 1 and -1.5), so the lesson may say the check agrees.
        assert relative_error(grads[k], numeric) < 1e-7, k
    return values


def row(a):
    return "[" + ", ".join(f"{v:.3f}" for v in np.ravel(a)) + "]"


def layer_gradient_sizes(activation, init, weight_scale=1.0, depth=10, width=64, seed=0):
    """Mean |dW| per layer of a deep random network: the vanishing/exploding experiment."""
    from activations import relu, relu_grad, sigmoid, sigmoid_grad
    from layers import init_params, mlp_forward
    from losses import one_hot
    from backprop import mlp_backward

    g, g_grad = {"relu": (relu, relu_grad), "sigmoid": (sigmoid, sigmoid_grad)}[activation]
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((64, width))
    Y = one_hot(rng.integers(0, 10, size=64), 10)
    params = init_params([width] * (depth + 1) + [10], seed=seed, method=init)
    params = {k: v * weight_scale if k.startswith("W") else v for k, v in params.items()}
    _, cache = mlp_forward(X, params, hidden_activation=g)
    grads = mlp_backward(Y, params, cache, hidden_activation_grad=g_grad)
    return [float(np.abs(grads[f"W{l}"]).mean()) for l in range(1, depth + 2)]


@states("07-backprop")
def backprop_numbers():
    v = tiny_network()
    from activations import sigmoid

    a = float(sigmoid(0.5 * 2 - 1))      # the one-neuron example: x = 2, w = 0.5, b = -1, t = 1
    dL_da, da_dz = 2 * (a - 1), a * (1 - a)
    sig = layer_gradient_sizes("sigmoid", "xavier")
    rel = layer_gradient_sizes("relu", "he")
    big = layer_gradient_sizes("relu", "he", weight_scale=3.0)
    return {
        "one neuron": (f"`dL/dw = {dL_da:g} * {da_dz:g} * 2 = {dL_da * da_dz * 2:g}` and "
                       f"`dL/db = {dL_da:g} * {da_dz:g} * 1 = {dL_da * da_dz:g}`"),
        "Z1": f"`{row(v['Z1'])}`", "A1": f"`{row(v['A1'])}`", "Z2": f"`{row(v['Z2'])}`",
        "P": f"`{row(v['A2'])}`", "L": f"`{v['L']:.3f}`",
        "dZ2": f"`{row(v['dZ2'])}`", "dW2": f"`{row(v['dW2'])}`", "db2": f"`{row(v['db2'])}`",
        "dA1": f"`{row(v['dA1'])}`", "dZ1": f"`{row(v['dZ1'] + 0.0)}`", "dW1": f"`{row(v['dW1'])}`",
        "db1": f"`{row(v['db1'])}`",
        "0.25^10": f"`0.25^10`, about `{e1(0.25 ** 10)}`",
        "sigmoid first": f"about `{e1(sig[0])}`", "sigmoid last": f"about `{e1(sig[-1])}`",
        "relu range": f"between `{e1(min(rel))}` and `{e1(max(rel))}`",
        "exploding": f"around `{e1(big[0])}`",
    }


# --------------------------------------------------------------------------- #
# 08-gradient-check
# --------------------------------------------------------------------------- #
def difference_errors(hs, f=np.sin, df=np.cos, x=1.0):
    """|error| of the forward and the central difference of f at x, for each h."""
    forward = [abs((f(x + h) - f(x)) / h - df(x)) for h in hs]
    central = [abs((f(x + h) - f(x - h)) / (2 * h) - df(x)) for h in hs]
    return forward, central


def network_check_errors(seed=0):
    """Relative error of every parameter's gradient in a correct 4-5-3 network, 3 samples."""
    from layers import init_params, mlp_forward
    from losses import cross_entropy, one_hot
    from backprop import mlp_backward
    from gradient_check import numerical_gradient, relative_error

    rng = np.random.default_rng(seed)
    X = rng.standard_normal((3, 4))
    Y = one_hot(rng.integers(0, 3, size=3), 3)
    params = init_params([4, 5, 3], seed=seed)
    _, cache = mlp_forward(X, params)
    grads = mlp_backward(Y, params, cache)

    def loss_of(name, value):
        return cross_entropy(mlp_forward(X, {**params, name: value})[0], Y)

    return {k: relative_error(grads[k], numerical_gradient(lambda v: loss_of(k, v), params[k]))
            for k in params}


@states("08-gradient-check")
def gradient_check_numbers():
    cube = lambda x: x ** 3
    rows = []
    for h in (0.1, 0.01, 0.001):
        fwd = (cube(2 + h) - cube(2)) / h
        ctr = (cube(2 + h) - cube(2 - h)) / (2 * h)
        digits = {0.1: 2, 0.01: 4, 0.001: 6}[h]
        rows.append(f"| {h} | {fwd:.{digits}f} | {ctr:.{digits}f} |")
    hs = [1e-3, 1e-5, 1e-9, 1e-11]
    _, central = difference_errors(hs)
    errors = network_check_errors()
    kink = (max(0, 3e-6 + 1e-5) - max(0, 3e-6 - 1e-5)) / 2e-5
    out = {f"cube row {i}": r for i, r in enumerate(rows)}
    small, digits_net = parameter_count([4, 5, 3]), parameter_count([64, 64, 10])
    out["passes"] = (f"({small} parameters) that is {2 * small} passes, nothing. For a `[64, 64, 10]` "
                     f"digits network ({digits_net:,} parameters) it is {2 * digits_net:,} passes")
    out.update({
        "sin errors": (f"about `{e1(central[0])}` with `h = 1e-3`, `{e1(central[1])}` with "
                       f"`h = 1e-5`, `{e1(central[2])}` with `h = 1e-9` and `{e1(central[3])}`"),
        "network": f"between `{e1(min(errors.values()))}` and `{e1(max(errors.values()))}`",
        "kink": f"numerical slope of ReLU is {kink:.2f}",
        "kink error": f"about {abs(1 - kink) / (1 + kink):.1f}",
    })
    return out


# --------------------------------------------------------------------------- #
# 09-training
# --------------------------------------------------------------------------- #
LEARNING_RATES = (0.001, 0.01, 0.1, 1.0, 3.0)


def learning_rate_runs(epochs=20):
    """history and test accuracy of [64, 64, 10] on the digits for each learning rate."""
    from training import train, predict, accuracy

    X, y, X_test, y_test = digits_standardised()
    runs = {}
    for lr in LEARNING_RATES:
        with np.errstate(all="ignore"):
            params, history = train(X, y, [64, 64, 10], epochs=epochs, lr=lr, batch_size=32, seed=0)
            runs[lr] = history, accuracy(predict(X_test, params), y_test)
    return runs


def reference_run(layer_sizes=(64, 64, 10), epochs=40, lr=0.1, batch_size=32, n=None):
    """The loss-curve run of lesson 9 (and variations): history, test accuracy."""
    from training import train, predict, accuracy

    X, y, X_test, y_test = digits_standardised()
    with np.errstate(all="ignore"):
        params, history = train(X[:n], y[:n], list(layer_sizes), epochs=epochs, lr=lr,
                                batch_size=batch_size, seed=0)
    return history, accuracy(predict(X_test, params), y_test)


@states("09-training")
def training_numbers():
    X, y, X_test, _ = digits_standardised()
    n, batch = len(y), 32
    paths = {lr: gradient_descent_on_square(lr, 4) for lr in (0.1, 0.25, 0.9, 1.1)}
    table = [f"| {lr} | {loss_cell(h['loss'][-1])} | {acc:.2f} |"
             for lr, (h, acc) in learning_rate_runs().items()]
    history, test_acc = reference_run()
    _, narrow = reference_run((64, 2, 10), epochs=20)
    full_batch, full_acc = reference_run(epochs=20, batch_size=n)
    regression = snippet_index("09-training", "identity")
    _, printed = run_snippets("09-training", regression)
    before, after = (float(v) for v in printed.splitlines())
    _, printed = run_snippets("09-training", regression, edits=[("grads, 0.02)", "grads, 0.1)")])
    assert printed.split()[-1] == "nan", "the lesson says lr = 0.1 ends in nan"
    return {
        "train rows": f"all {n:,} digits",
        "updates": (f"make {-(-n // batch)} updates per epoch: {n // batch} full batches and a last one of "
                    f"{n % batch}"),
        "test images": f"the {len(X_test)} test images",
        **{f"square {lr}": f"| {lr} | " + ", ".join(f"{w:.4g}" for w in path) + " |"
           for lr, path in paths.items()},
        **{f"lr row {i}": r for i, r in enumerate(table)},
        "final train accuracy": f"training accuracy climbs to {history['accuracy'][-1]:.3f}",
        "narrow": f"`[64, 2, 10]` reached only {narrow:.2f}",
        "full batch": f"full-batch training reached {full_acc:.2f} after 20 epochs",
        "regression": f"from {before:.2f} to {after:.3f}",
    }


def loss_cell(loss):
    return f"about {loss:.0f} (diverged)" if loss > 5 else f"{loss:.2g}"


# --------------------------------------------------------------------------- #
# 10-iris
# --------------------------------------------------------------------------- #
def iris_scores(edits=()):
    """What lesson 10's loop over 20 splits prints, after its data and split snippets."""
    lesson = "10-iris"
    data, split, scores = (snippet_index(lesson, m) for m in
                           ("load_iris()", "train_rows, test_rows", "scores = []"))
    ns, printed = run_snippets(lesson, data, split)
    _, summary = run_snippets(lesson, scores, namespace=ns, edits=edits)
    return printed.splitlines()[-1], summary.strip()


@states("10-iris")
def iris_numbers():
    test_counts, summary = iris_scores()
    return {"test counts": f"# {test_counts}", "stratified": f"prints `{summary}`"}


@states("10-iris", slow=True)
def iris_unstratified():
    _, summary = iris_scores(edits=[(", stratify=y)", ")")])
    return {"plain": f"give `{summary}`"}


# --------------------------------------------------------------------------- #
# 11-digits
# --------------------------------------------------------------------------- #
def _early_stopping(ns, stop):
    ns = dict(ns, curve=[])
    ns, _ = run_snippets("11-digits", stop, namespace=ns, edits=[(
        "    val_loss = cross_entropy(mlp_forward(X_val, params)[0], y_val)\n",
        "    val_loss = cross_entropy(mlp_forward(X_val, params)[0], y_val)\n"
        "    curve.append((cross_entropy(mlp_forward(X_fit, params)[0], y_fit), val_loss))\n")])
    return ns


def early_stopping_namespace():
    """Lesson 11's snippets up to early stopping, run; `curve` holds (training loss,
    validation loss) per epoch, `epoch` and `best_epoch` where it stopped and what it kept."""
    lesson = "11-digits"
    ns, _ = run_snippets(lesson, *(snippet_index(lesson, m) for m in
                                   ("load_digits()", "MLPClassifier(", "for hidden in")))
    return _early_stopping(ns, snippet_index(lesson, "best_loss, best_params"))


def reference_digits():
    """The reference fit_digits on the lessons' split: test predictions and labels."""
    from layers import mlp_forward
    from digits import fit_digits

    (X_train, y_train), (X_test, y_test) = digits_data()
    params, mean, scale = fit_digits(X_train, y_train, seed=0)
    out, _ = mlp_forward((X_test - mean) / scale, params)
    return out.argmax(axis=1), y_test, X_test


@states("11-digits", slow=True)
def digits_numbers():
    lesson = "11-digits"
    data, yardstick, search = (snippet_index(lesson, m) for m in
                               ("load_digits()", "MLPClassifier(", "for hidden in"))
    ns, printed = run_snippets(lesson, data, yardstick)
    scaled = float(printed.split()[-1])
    _, printed_raw = run_snippets(lesson, yardstick, namespace=dict(ns), edits=[
        ("clf.fit((X[tr] - mean) / scale, y[tr])", "clf.fit(X[tr], y[tr])"),
        ("clf.score((X[te] - mean) / scale, y[te])", "clf.score(X[te], y[te])")])
    ns, printed = run_snippets(lesson, search, namespace=ns)
    grid = "\n".join(f"    {line}" for line in printed.strip().splitlines())
    counts = np.bincount(ns["y"])
    (X_train, _), (X_test, _) = digits_data()
    blank = np.flatnonzero(X_train.std(axis=0) == 0)
    stop = _early_stopping(ns, snippet_index(lesson, "best_loss, best_params"))
    pred, y_test, _ = reference_digits()
    history, test_acc = reference_run()
    _, few_acc = reference_run(n=100)
    few_history, _ = reference_run(n=100)
    return {
        "class counts": f"({counts.min()} to {counts.max()} images each)",
        "split sizes": f"leaves {len(X_train):,} training and {len(X_test)} test",
        "blank pixels": f"(pixels {', '.join(map(str, blank[:-1]))} and {blank[-1]})",
        "yardstick": (f"gets {round(scaled * len(y_test))} of the 360 test images right "
                      f"({scaled:.3f}; {float(printed_raw.split()[-1]):.3f} on unscaled pixels)"),
        "fit and val sizes": f"{len(ns['y_fit']):,} images to fit",
        "val size": f"{len(ns['y_val'])} images to compare on",
        "search": grid,
        "stop": f"stops after epoch {stop['epoch']}, keeping the weights of epoch {stop['best_epoch']}",
        "reference": (f"gets {int(np.sum(pred == y_test))} of the 360 test "
                      f"images right ({np.mean(pred == y_test):.3f}). Four of its {int(np.sum(pred != y_test))} mistakes"),
        "overfit": (f"training accuracy reached {history['accuracy'][-1]:.1f} while test "
                    f"accuracy stayed near {test_acc:.3f}"),
        "few": (f"gets all 100 right" if few_history["accuracy"][-1] == 1.0 else "MISMATCH") +
               f", but only about {few_acc:.2f}",
    }


# --------------------------------------------------------------------------- #
# 14-beyond
# --------------------------------------------------------------------------- #
@states("14-beyond")
def same_network_four_ways():
    """Runs the lesson's NumPy and scikit-learn snippets (PyTorch and Keras are not installed)."""
    lesson = "14-beyond"
    X_std, y_train, X_test_std, y_test = digits_standardised()
    scores = {}
    for name, marker in (("numpy", "from training import"), ("sklearn", "MLPClassifier(")):
        ns, _ = run_snippets(lesson, snippet_index(lesson, marker), namespace={
            "X_std": X_std, "y_train": y_train, "X_test_std": X_test_std})
        scores[name] = np.mean(ns["y_pred"] == y_test)
    epochs_run = ns["clf"].n_iter_
    return {
        "epochs": f"here it ran all {epochs_run}" if epochs_run == 40 else f"it stopped after {epochs_run}",
        "same recipe": (f"our NumPy version scored {scores['numpy']:.3f} and the scikit-learn one "
                        f"{scores['sklearn']:.3f}, which is {round(scores['numpy'] * 360)} against "
                        f"{round(scores['sklearn'] * 360)} of 360"),
    }


@states("14-beyond", slow=True)
def simple_baselines():
    from sklearn import datasets, ensemble, linear_model
    from iris import fit_iris
    from training import predict

    X_std, y_train, X_test_std, y_test = digits_standardised()
    baselines = {
        "logistic regression": linear_model.LogisticRegression(max_iter=2000),
        "a random forest": ensemble.RandomForestClassifier(random_state=0),
        "gradient boosting": ensemble.HistGradientBoostingClassifier(random_state=0),
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        base = {k: m.fit(X_std, y_train).score(X_test_std, y_test) for k, m in baselines.items()}
        iris = datasets.load_iris()
        (Xi, yi), (Xi_test, yi_test) = lessons_split(iris.data, iris.target)
        params, mean, scale = fit_iris(Xi, yi)
        iris_all = bool(np.all(predict((Xi_test - mean) / scale, params) == yi_test))
        _, _, Xi, Xi_test = standardise(Xi, Xi_test)
        iris_all &= all(m.fit(Xi, yi).score(Xi_test, yi_test) == 1.0 for m in baselines.values())
    return {
        "baselines": (f"logistic regression scored {base['logistic regression']:.3f}, a random forest "
                      f"{base['a random forest']:.3f} and gradient boosting {base['gradient boosting']:.3f}"),
        "iris": "all four got every test flower right" if iris_all else "not all four got every flower",
        "weights": f"The {parameter_count([64, 64, 10]):,} weights",
    }


@states("03-neuron")
def neuron_numbers():
    from activations import sigmoid

    return {"walk": f"Passing `z = 0.8` through sigmoid gives about {float(sigmoid(0.8)):.2f}"}


@states("10-iris")
def iris_data_numbers():
    from sklearn import datasets, model_selection

    iris = datasets.load_iris()
    X, y = iris.data, iris.target
    tr, te = model_selection.train_test_split(np.arange(len(y)), random_state=42, test_size=0.2,
                                              stratify=y)
    cm = lambda v: f"{v:.1f}"
    return {
        "ranges": (f"sepal length runs from {cm(X[:, 0].min())} to {cm(X[:, 0].max())} cm,\n"
                   f"petal width from {cm(X[:, 3].min())} to {cm(X[:, 3].max())} cm"),
        "stratified counts": (f"{'/'.join(map(str, np.bincount(y[tr])))} for training and "
                              f"{'/'.join(map(str, np.bincount(y[te])))} for testing"),
    }


@states("11-digits")
def digits_counts():
    from sklearn import datasets

    return {"images": f"scikit-learn bundles\n{len(datasets.load_digits().target):,} scans"}


def compute(include_slow=True):
    """{lesson: {name: text}} for every registered function (the slow ones only if asked)."""
    numbers = {}
    for lesson, function, slow in STATEMENTS:
        if include_slow or not slow:
            numbers.setdefault(lesson, {}).update(function())
    return numbers


def main(argv):
    numbers = compute(include_slow="--fast" not in argv)
    if "--print" in argv:
        sys.stdout.write(json.dumps(numbers, indent=1, sort_keys=True) + "\n")
        return
    if "--fast" in argv and os.path.exists(OUTPUT):
        with open(OUTPUT) as f:
            stored = json.load(f)
        for lesson, values in numbers.items():
            stored.setdefault(lesson, {}).update(values)
        numbers = stored
    text = json.dumps(numbers, indent=1, sort_keys=True) + "\n"
    with open(OUTPUT, "w") as f:
        f.write(text)
    print(f"wrote {os.path.relpath(OUTPUT, ROOT)}")


if __name__ == "__main__":
    main(sys.argv[1:])
