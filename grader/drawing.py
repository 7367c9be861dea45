"""matplotlib, an optional extra (``learnnn[plots]``): the one place that imports it.

Checks and grades never need it; only the figures do (training curves, `learnnn plot`,
the class report's charts). Without it they are skipped and ``MISSING`` says how to get them.
"""
from .errors import LearnnnError

MISSING = 'matplotlib is not installed (to draw figures: pip install "learnnn[plots]")'


class PlotsUnavailable(LearnnnError):
    """matplotlib can't be imported; a usage problem the learner fixes with one install (exit 2)."""


def missing():
    """``MISSING`` when matplotlib can't be imported, else ""."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return MISSING
    return ""


def figure(width, height):
    """A matplotlib Figure of ``width`` x ``height`` inches at 100 dpi on the Agg canvas: no pyplot state,
    no display. Raises PlotsUnavailable without matplotlib."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise PlotsUnavailable(f"can't draw: {MISSING}") from None
    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def whole_numbers(axis):
    """Ticks only at whole numbers on ``axis`` (a matplotlib Axis of counts)."""
    from matplotlib.ticker import MaxNLocator

    axis.set_major_locator(MaxNLocator(integer=True))
