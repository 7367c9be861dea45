"""A lesson's Markdown as a terminal shows it, drawn by rich: real tables, text wrapped to the width,
headings underlined when there is no colour, figures named by a path to open. Code blocks are never
re-wrapped: a wrapped line of code breaks when it is copied."""
import io
import re

from .render import terminal_width

FIGURE = re.compile(r"^!\[(?P<alt>[^\]]*)\]\((?P<src>[^)]+)\)[ \t]*\n?", re.MULTILINE)  # text after it: a new paragraph
FENCE = re.compile(r"^```(?P<lang>[^\n`]*)\n(?P<code>.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)


def lesson(text, *, figure_path=str, width=None, color=False):
    """A lesson's Markdown drawn by rich for a terminal ``width`` columns wide: real tables, inline code
    joined across source lines. With ``color`` False the text has no ANSI codes. Each figure becomes a
    paragraph of its own naming the file to open, ``figure_path(src)``. Code blocks keep every line
    whole, whatever the width (a pager scrolls them sideways); without colour they are printed verbatim."""
    width = width or terminal_width()

    def figure(match):
        return f"\n> **Figure:** {match['alt']}, in `{figure_path(match['src'])}`\n\n"

    parts, start = [], 0
    for block in FENCE.finditer(text):
        parts += [_prose(FIGURE.sub(figure, text[start:block.start()]), width, color),
                  _code(block["code"], block["lang"].strip(), color)]
        start = block.end()
    parts.append(_prose(FIGURE.sub(figure, text[start:]), width, color))
    return "\n\n".join(part for part in parts if part.strip())


def _console(width, color):
    from rich.console import Console  # deferred: only lessons pay for importing rich
    return Console(width=width, color_system="standard" if color else None, force_terminal=color,
                   no_color=not color, highlight=False, emoji=False, file=io.StringIO(), legacy_windows=False)


def _prose(text, width, color):
    from rich.markdown import Markdown
    console = _console(width, color)
    with console.capture() as captured:
        console.print(Markdown(text, code_theme="ansi_dark", hyperlinks=False))
    lines = [line.rstrip() for line in captured.get().splitlines()]
    return "\n".join(lines if color else _underline_headings(lines, text)).strip("\n")


def _code(code, lang, color):
    code = code.rstrip("\n")
    if not color:
        return code
    from rich.syntax import Syntax
    longest = max((len(line) for line in code.expandtabs(4).splitlines()), default=0)
    console = _console(longest + 2, color)  # as wide as the longest line: rich crops nothing
    with console.capture() as captured:
        console.print(Syntax(code, lang or "text", theme="ansi_dark", word_wrap=False, padding=(0, 1),
                             background_color="default"))
    return "\n".join(line.rstrip() for line in captured.get().splitlines())


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
