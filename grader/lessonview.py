"""A lesson's Markdown as a terminal shows it, drawn by rich: real tables and code blocks, text wrapped
to the width, headings underlined when there is no colour, figures named by a path to open."""
import io
import re

from .render import terminal_width

FIGURE = re.compile(r"^!\[(?P<alt>[^\]]*)\]\((?P<src>[^)]+)\)\s*$", re.MULTILINE)


def lesson(text, *, figure_path=str, width=None, color=False):
    """A lesson's Markdown drawn by rich for a terminal ``width`` columns wide: real tables and code
    blocks, inline code joined across source lines. With ``color`` False the text has no ANSI codes.
    Each figure becomes a line naming the file to open, ``figure_path(src)``."""
    from rich.console import Console  # deferred: only lessons pay for importing rich
    from rich.markdown import Markdown

    def figure(match):
        return f"> **Figure:** {match['alt']}, in `{figure_path(match['src'])}`"

    console = Console(width=width or terminal_width(), color_system="standard" if color else None,
                      force_terminal=color, no_color=not color, highlight=False, emoji=False,
                      file=io.StringIO(), legacy_windows=False)
    with console.capture() as captured:
        console.print(Markdown(FIGURE.sub(figure, text), code_theme="ansi_dark", hyperlinks=False))
    lines = [line.rstrip() for line in captured.get().splitlines()]
    return "\n".join(lines if color else _underline_headings(lines, text))


def _underline_headings(lines, text):
    """Without colour rich's headings look like paragraphs: put them flush left and underline them."""
    headings = {m[2].strip(): "=" if len(m[1]) == 1 else "-"
                for m in re.finditer(r"^(#{1,3})\s+(.*)$", text, re.MULTILINE)}
    out = []
    for line in lines:
        title = line.strip()
        if title in headings:
            out += [title, headings.pop(title) * len(title)]
        else:
            out.append(line)
    return out
