"""Turning results into text for a terminal, wrapped to its width. Colour is added with click.style
and stripped by the CLI when NO_COLOR is set or the output is not a terminal (lessons: learnnn.lessonview)."""
import os
import shutil
import sys
import textwrap

import click

from .outcomes import Outcome


def symbols():
    """(tick, cross, full bar, empty bar): Unicode where the output can encode it, ASCII otherwise."""
    try:
        "✓✗█░".encode(sys.stdout.encoding or "ascii")
        return "✓", "✗", "█", "░"
    except (UnicodeEncodeError, LookupError):
        return "+", "x", "#", "-"


def ok(text):
    return click.style(text, fg="green")


def bad(text):
    return click.style(text, fg="red")


def bold(text):
    return click.style(text, bold=True)


def pretty_test(name):
    base, _, param = name.partition("[")
    words = base.removeprefix("test_").replace("_", " ")
    return f"{words} [{param}" if param else words


def check_result(result, *, show_all=False, limit=8, functions=()):
    """A check's verdict and failures. Failures of one function with the same message are shown once
    ("and 5 more like it"), so a stub reads as one message per function; failures of different
    functions share a heading only when they fail for the same reason (learnnn.feedback.same_reason).
    ``show_all`` shows every failure on its own, a pointer to another test by that test's display name.
    ``functions``: the exercise's function names (see ``manifest.stub_functions``), to tell tests apart."""
    tick, cross, _, _ = symbols()
    lines = []
    passed = sum(t.passed for t in result.tests)
    score = f"score {result.score:g}/{result.max_score:g}"
    if result.error:
        lines.append(bad(f"{cross} {result.exercise}: the check could not run"))
        lines.append(wrap(f"  {result.error}"))
        return "\n".join(lines)
    if result.passed:
        lines.append(ok(f"{tick} {result.exercise}: all {len(result.tests)} tests pass ({score})"))
    else:
        lines.append(bad(f"{cross} {result.exercise}: {passed} of {len(result.tests)} tests pass ({score})"))
    once = _one_setup_cause(result)
    if once:
        lines += ["", bad(f"  {cross} all {len(result.tests)} tests fail for one reason")]
        lines.extend(wrap(f"    {line}") for line in once.splitlines())
        return "\n".join(lines)
    from .feedback import SAME_REASON  # here, not at the top: the CLI imports render before any NumPy

    groups, keys = {}, {}
    for n, test in enumerate(result.failures):
        pointer = SAME_REASON.match(test.message)  # one root cause: under the heading of the test it points at
        own = (subject(test.name, functions), test.message)
        key = keys[test.name] = n if show_all else keys.get(pointer[1], own) if pointer else own
        message = (f"fails for the same reason as {pretty_test(pointer[1])}{test.message[pointer.end():]}"
                   if pointer else test.message)
        groups.setdefault(key, (message, []))[1].append(test.name)
    for shown, (message, names) in enumerate(groups.values()):
        if shown == limit and not show_all:
            more = len(groups) - limit
            lines.append(f"  ... and {more} more {'kind' if more == 1 else 'kinds'} of failure (--all shows every one)")
            break
        title = pretty_test(names[0]) + (f" (and {len(names) - 1} more like it)" if len(names) > 1 else "")
        lines.append("")
        lines.append(bad(f"  {cross} {title}"))
        lines.extend(wrap(f"    {line}") for line in message.splitlines())
    if result.metrics:
        lines.append("")
        lines.append(wrap("  " + ", ".join(f"{k} {_metric(v)}" for k, v in result.metrics.items())))
    return "\n".join(lines)


def _one_setup_cause(result):
    """The one message to show when every test failed for the same setup cause (no file, an import error,
    an untouched stub), else None: the learner fixes that once, not once per test."""
    failures = result.failures
    if len(failures) < 2 or len(failures) != len(result.tests) or any(t.kind == Outcome.FAILED for t in failures):
        return None  # a wrong value is the learner's logic, test by test, even when every test says the same
    first = failures[0].message
    from .feedback import SAME_REASON  # here, not at the top: the CLI imports render before any NumPy

    if all(t.message == first or SAME_REASON.match(t.message) for t in failures):
        return first
    if all(t.kind == Outcome.NOT_IMPLEMENTED for t in failures):
        return "No function is written yet; start with the first. " + failures[0].message
    return None


def subject(test_name, functions=()):
    """Which function a test is about: the longest of ``functions`` its name or parameter starts with,
    else the first word of its name (test_bce_values -> bce)."""
    base, _, param = test_name.partition("[")
    base = base.removeprefix("test_")
    for text in (param.rstrip("]"), base):
        named = [f for f in functions if text == f or text.startswith(f + "_") or text.startswith(f + "-")]
        if named:
            return max(named, key=len)
    return base.split("_")[0]


def _metric(value):
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def bar(done, total, width=30):
    _, _, full, empty = symbols()
    filled = round(width * done / total) if total else width
    return f"{full * filled}{empty * (width - filled)} {done}/{total}"


def terminal_width(most=120, default=80):
    """The terminal's width in columns (COLUMNS, else the terminal's own), at most ``most``;
    ``default`` when stdout is no terminal and COLUMNS is not set."""
    if not os.environ.get("COLUMNS", "").isdigit() and not sys.stdout.isatty():
        return default
    return max(40, min(most, shutil.get_terminal_size((default or 80, 24)).columns))


def wrap(text, *, indent="", hang=None, width=None):
    """``text`` wrapped to the terminal, each line kept apart; continuation lines are indented by
    ``hang`` (default: the line's own leading spaces plus two). Paths and words are never split.
    Output into a pipe or a file has no width: it is left unwrapped, for grep. Markdown's backticks
    around code are dropped: a terminal would print them literally."""
    text = str(text).replace("`", "")
    width = width or terminal_width(default=None)
    if width is None:
        return "\n".join(indent + line for line in str(text).splitlines())
    out = []
    for line in str(text).splitlines() or [""]:
        lead = indent + line[:len(line) - len(line.lstrip())]
        body = line.strip()
        if len(click.unstyle(lead + body)) <= width or not body:
            out.append((lead + body).rstrip())
            continue
        rest = lead + "  " if hang is None else hang
        out.extend(textwrap.wrap(body, width, initial_indent=lead, subsequent_indent=rest,
                                 break_long_words=False, break_on_hyphens=False) or [lead])
    return "\n".join(out)


def dim(text):
    return click.style(text, dim=True)


def warn(text):
    return click.style(text, fg="yellow")
