"""Learner text inside the Markdown files an instructor opens (feedback/<id>.md, report/index.md).

A CommonMark renderer must show that text as text, never as HTML, a link, emphasis or a new block,
and ``cat`` in a terminal must show it readably, with no escape sequence left to run.
"""
import re

from .printable import printable

# Inline markup of CommonMark and GFM: escapes, code spans, emphasis, links and images (a ``!`` is
# inert once ``[`` is escaped), autolinks and HTML, entities, strikethrough, table cells.
_INLINE = set("\\`*[]<>&~|")
# What opens a block when it starts a line: ATX heading, block quote, list item, setext underline.
_BLOCK_START = set("#>-+=")
_ORDERED = re.compile(r"^(\d{1,9})([.)])(?=\s|$)")


def inline(text, opens_block=False):
    """``text`` as one line of Markdown that renders as the same characters: newlines and tabs become spaces,
    every other character ``str.isprintable`` refuses (controls, bidi controls, lone surrogates) a ``?``.
    ``opens_block``: the text starts a line or a list item, where ``# x`` or ``1. x`` would open a block
    (leading spaces are dropped there)."""
    text = "".join(c if c.isprintable() else " " if c in "\n\t" else "?" for c in str(text).replace("\r\n", "\n"))
    if opens_block:
        text = text.lstrip()
    out = []
    for i, c in enumerate(text):
        # an _ between two letters or digits can neither open nor close emphasis (CommonMark's flanking rules),
        # so names such as and_gate stay readable in a terminal
        intraword = 0 < i < len(text) - 1 and text[i - 1].isalnum() and text[i + 1].isalnum()
        escape = c in _INLINE or c == "_" and not intraword or opens_block and i == 0 and c in _BLOCK_START
        out.append("\\" + c if escape else c)
    line = "".join(out)
    return _ORDERED.sub(r"\1\\\2", line, count=1) if opens_block else line


def code(text):
    """``text`` as an inline code span (backticks and unprintable characters become ``?``)."""
    return "`" + "".join(c if c.isprintable() and c != "`" else "?" for c in str(text)) + "`"


def fenced(text, indent=""):
    """``text`` (several lines) as the lines of a fenced code block, each prefixed with ``indent`` (two spaces keep
    it inside a ``- `` list item). The fence is longer than any run of backticks in ``text``, so no line of it can
    close the block; every line carries the indent, so none can end the list item and the block with it."""
    text = printable(str(text))
    longest = max((len(run) for run in re.findall("`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return [indent + line if line else "" for line in (fence, *text.split("\n"), fence)]
