"""Pictures of the learner's work, saved as PNG in the workspace's plots/ folder.

Drawn with matplotlib's Agg canvas (no display, no pyplot state) in the
trusted process, from plain arrays: learner code only ever runs in a worker.
matplotlib is an extra (``learnnn[plots]``): without it the training curves are
skipped and `plot_activations` raises drawing.PlotsUnavailable.
"""
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import drawing
from .manifest import LearnnnError

PLOTS = "plots"
Z = np.linspace(-5.0, 5.0, 201)
LEAKY_ALPHA = 0.1  # larger than the default 0.01 so the slope for z < 0 is visible
ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu")  # each drawn with its *_grad


def _series(history):
    """{name: float array} for the non-empty numeric series of a history; {} if it is not one."""
    if not isinstance(history, dict):
        return {}
    out = {}
    for key, values in history.items():
        try:
            arr = np.asarray(values, dtype=float).ravel()
        except (TypeError, ValueError):
            continue
        if arr.size:
            out[str(key)] = arr
    return out


def save_training_plot(ws, result):
    """Save the loss and accuracy curves of a check whose suite recorded ``artifacts["history"]``.

    Returns the PNG's path, or None when there is no history, matplotlib is not installed
    (drawing.missing() says so) or the file could not be written.
    """
    series = _series((result.artifacts or {}).get("history"))
    if not series or drawing.missing():
        return None
    losses = {k: v for k, v in series.items() if "acc" not in k}
    accuracies = {k: v for k, v in series.items() if "acc" in k}
    panels = [(title, group) for title, group in (("loss", losses), ("accuracy", accuracies)) if group]
    fig = drawing.figure(5 * len(panels), 3.6)
    for ax, (title, group) in zip(fig.subplots(1, len(panels), squeeze=False)[0], panels):
        for key, values in group.items():
            ax.plot(np.arange(1, values.size + 1), values, marker="o" if values.size <= 30 else None,
                    markersize=3, label=key.replace("_", " "))
        ax.set(title=f"{result.exercise}: {title} after each epoch of your training", xlabel="epoch", ylabel=title)
        if title == "accuracy":
            ax.set_ylim(-0.02, 1.02)
        ax.grid(alpha=0.3)
        if len(group) > 1:
            ax.legend()
    return _save(fig, Path(ws.root) / PLOTS / f"{result.exercise}-curves.png")


def _save(fig, path):
    try:
        path.parent.mkdir(exist_ok=True)
        fig.savefig(path)
    except OSError:
        return None
    return path


# ---------------------------------------------------------------- activations


@dataclass
class Curve:
    name: str  # e.g. "sigmoid_grad"
    problem: str = ""  # why the learner's curve is missing, or how it differs
    max_diff: float = None  # largest |learner - reference| over the plotted z

    @property
    def ok(self):
        return not self.problem


@dataclass
class ActivationPlot:
    path: Path
    curves: list = field(default_factory=list)

    @property
    def all_ok(self):
        return all(c.ok for c in self.curves)


def _learner_values(sandbox, names, kwargs_of):
    """{name: array or problem text}; stops calling once the module can't be imported or the worker dies."""
    from .outcomes import LearnerFailure, Outcome

    out, fatal = {}, ""
    for name in names:
        if fatal:
            out[name] = fatal
            continue
        try:
            out[name] = sandbox.call("activations", name, Z, **kwargs_of(name))
        except LearnerFailure as exc:
            out[name] = str(exc)
            if exc.outcome in (Outcome.TIMED_OUT, Outcome.CRASHED) or getattr(exc, "phase", "") == "import":
                fatal = out[name]
    return out


def _compare(name, got, expected):
    if isinstance(got, str):
        return Curve(name, got)
    try:
        arr = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return Curve(name, f"returned {type(got).__name__}, not an array of numbers")
    if arr.shape != Z.shape:
        return Curve(name, f"returned shape {arr.shape} for z of shape {Z.shape}")
    with np.errstate(invalid="ignore"):
        diff = float(np.nanmax(np.abs(arr - expected))) if np.isfinite(arr).any() else float("inf")
    if not np.isfinite(arr).all():
        return Curve(name, "returned nan or inf for some z in [-5, 5]", diff)
    if diff > 1e-6:
        where = float(Z[np.argmax(np.abs(arr - expected))])
        return Curve(name, f"differs from the reference by up to {diff:.3g} (at z = {where:g})", diff)
    return Curve(name, "", diff)


def plot_activations(*, course, ws, out=None):
    """Call the learner's activation functions in a worker and draw them beside the reference.

    Each function and its derivative on z in [-5, 5]; returns where the PNG went
    and, for each function, whether it matches the reference. Raises drawing.PlotsUnavailable
    (before running anything) when matplotlib is not installed.
    """
    if drawing.missing():
        raise drawing.PlotsUnavailable(f"can't draw your activation functions: {drawing.MISSING}")
    from . import reference
    from .sandbox import Sandbox
    from .workers import sandbox_spec

    exercise = course.exercise("activations")
    names = [n for base in ACTIVATIONS for n in (base, f"{base}_grad")]
    kwargs_of = lambda name: {"alpha": LEAKY_ALPHA} if name.startswith("leaky") else {}
    ref = reference.load("activations")
    expected = {n: np.asarray(getattr(ref, n)(Z, **kwargs_of(n)), dtype=float) for n in names}
    if ws.module(exercise).is_file():
        with Sandbox(sandbox_spec(exercise, ws.root)) as sandbox:
            got = _learner_values(sandbox, names, kwargs_of)
    else:
        got = dict.fromkeys(names, f"there is no {exercise.filename}: `learnnn reset activations` puts the stub back")
    curves = [_compare(n, got[n], expected[n]) for n in names]

    fig = drawing.figure(9, 12)
    for ax, curve in zip(fig.subplots(len(ACTIVATIONS), 2).ravel(), curves):
        ax.plot(Z, expected[curve.name], color="0.6", linewidth=4, alpha=0.6, label="reference")
        if curve.max_diff is not None:
            ax.plot(Z, np.asarray(got[curve.name], dtype=float), color="tab:blue" if curve.ok else "tab:red",
                    linewidth=1.5, label="yours")
        else:
            ax.text(0.5, 0.5, _wrap(curve.problem), transform=ax.transAxes, ha="center", va="center",
                    fontsize=7, color="tab:red")
        alpha = f" (alpha={LEAKY_ALPHA:g})" if curve.name.startswith("leaky") else ""
        ax.set_title(curve.name + alpha, color="black" if curve.ok else "tab:red")
        ax.axhline(0, color="0.85", linewidth=0.8, zorder=0)
        ax.axvline(0, color="0.85", linewidth=0.8, zorder=0)
        ax.legend(loc="upper left", fontsize=7)
    fig.suptitle("Your activation functions (left) and their derivatives (right)")
    path = Path(out) if out else Path(ws.root) / PLOTS / "activations.png"
    saved = _save(fig, path)
    if saved is None:
        raise LearnnnError(f"can't write {path}: is the folder writable?")
    return ActivationPlot(saved, curves)


def _wrap(text, width=40):
    import textwrap
    return "\n".join(textwrap.wrap(text, width)[:6])
