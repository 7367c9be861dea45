"""Learner-controlled text made safe to show on an instructor's terminal or in a feedback file."""

# C0 controls but tab and newline, DEL, and the C1 range: ESC starts ANSI/OSC sequences (ESC]8 hyperlinks,
# ESC[2J clears the screen), 0x9b is a one-character CSI, BEL ends an OSC.
_CONTROLS = {c: "?" for c in (*range(0x00, 0x20), *range(0x7F, 0xA0)) if c not in (0x09, 0x0A)}


def printable(text):
    """``text`` with every C0/C1 control character except tab and newline replaced by ``?`` (CRLF becomes LF)."""
    return text.replace("\r\n", "\n").translate(_CONTROLS)
