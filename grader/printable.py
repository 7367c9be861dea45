"""Learner-controlled text made safe to show on an instructor's terminal or in a feedback file."""
import re
import unicodedata

# C0 controls but tab and newline, and DEL: ESC starts ANSI/OSC sequences (ESC]8 hyperlinks, ESC[2J clears the
# screen), BEL ends an OSC. Beyond ASCII, str.isprintable decides (below): C1 (0x9b is a one-character CSI), bidi
# controls that reorder what follows them on screen, the line and paragraph separators, zero-width characters.
_CONTROLS = {c: "?" for c in (*range(0x00, 0x20), 0x7F) if c not in (0x09, 0x0A)}


# JSON can carry a lone surrogate (\ud800 in a worker's reply): a str no UTF-8 terminal or file accepts.
_SURROGATES = re.compile("[\ud800-\udfff]")


def encodable(text):
    """``text`` with every lone surrogate replaced by U+FFFD, so it encodes as UTF-8."""
    return _SURROGATES.sub("\ufffd", text)


def printable(text):
    """``text`` with every C0/C1 control character except tab and newline, every bidi control and the Unicode
    line and paragraph separators replaced by ``?`` (CRLF becomes LF), every lone surrogate by U+FFFD, and
    every other character Python calls unprintable (zero-width and format characters, unassigned code
    points) but spaces by ``?``."""
    text = encodable(text.replace("\r\n", "\n").translate(_CONTROLS))
    if text.isascii():
        return text
    return "".join(c if c.isprintable() or c in "\t\n" or unicodedata.category(c) == "Zs" else "?" for c in text)
