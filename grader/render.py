"""Turning results into text for a terminal. Colour is added with click.style and
stripped by the CLI when NO_COLOR is set or the output is not a terminal."""
import re
import sys

import click


def _symbols():
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


def check_result(result, *, show_all=False, limit=8):
    tick, cross, _, _ = _symbols()
    lines = []
    passed = sum(t.passed for t in result.tests)
    score = f"score {result.score:g}/{result.max_score:g}"
    if result.error:
        lines.append(bad(f"{cross} {result.exercise}: the check could not run"))
        lines.append(f"  {result.error}")
        return "\n".join(lines)
    if result.passed:
        lines.append(ok(f"{tick} {result.exercise}: all {len(result.tests)} tests pass ({score})"))
    else:
        lines.append(bad(f"{cross} {result.exercise}: {passed} of {len(result.tests)} tests pass ({score})"))
    # Tests that fail for the same reason are shown once, so a stub reads as one message per function.
    groups = {}
    for test in result.failures:
        groups.setdefault(test.message, []).append(test.name)
    for shown, (message, names) in enumerate(groups.items()):
        if shown == limit and not show_all:
            lines.append(f"  ... and {len(groups) - limit} more kinds of failure (`--all` shows every one)")
            break
        title = pretty_test(names[0]) + (f" (and {len(names) - 1} more like it)" if len(names) > 1 else "")
        lines.append("")
        lines.append(bad(f"  {cross} {title}"))
        lines.extend(f"    {line}" for line in message.splitlines())
    if result.metrics:
        lines.append("")
        lines.append("  " + ", ".join(f"{k} {_metric(v)}" for k, v in result.metrics.items()))
    return "\n".join(lines)


def _metric(value):
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def bar(done, total, width=30):
    _, _, full, empty = _symbols()
    filled = round(width * done / total) if total else width
    return f"{full * filled}{empty * (width - filled)} {done}/{total}"


def markdown(text, figures_dir=None):
    """Markdown for a terminal: bold headings, indented code, figures named by their file."""
    out, in_code = [], False
    for line in text.splitlines():
        if line.startswith("```"):
            in_code = not in_code
            continue
        if in_code:
            out.append(click.style("    " + line, fg="cyan"))
            continue
        heading = re.match(r"^(#{1,6})\s+(.*)", line)
        image = re.match(r"^!\[(.*?)\]\((.*?)\)", line.strip())
        if heading:
            level, title = len(heading.group(1)), heading.group(2)
            out.append(bold(title.upper() if level == 1 else title))
            if level <= 2:
                out.append("=" * len(title) if level == 1 else "-" * len(title))
        elif image:
            where = figures_dir / image.group(2) if figures_dir else image.group(2)
            out.append(click.style(f"[figure: {image.group(1)} -- open {where}]", fg="magenta"))
        else:
            line = re.sub(r"\*\*(.+?)\*\*", lambda m: bold(m.group(1)), line)
            line = re.sub(r"`([^`]+)`", lambda m: click.style(m.group(1), fg="cyan"), line)
            out.append(line)
    return "\n".join(out)
