"""Python source from Jupyter: a notebook's code cells, and IPython-only lines made inert.

A learner who works in Jupyter hands in ``activations.ipynb`` or the ``.py`` that
"Download as Python" writes; both hold lines that are not Python (``%matplotlib
inline``, ``!pip install``) or need IPython (``get_ipython().run_line_magic(...)``).
Those lines become ``pass`` at the same indentation, so line numbers in tracebacks
still match the learner's file.
"""
import re
import warnings

import nbformat

from .printable import encodable

IPYTHON_LINE = re.compile(r"^(\s*)(?:[%!]|\S.*\bget_ipython\(\)|get_ipython\(\))")
MAYBE_MAGIC = re.compile(r"^\s*[%!]", re.MULTILINE)
KEPT_CELL_MAGICS = ("%%time", "%%timeit", "%%capture")  # their body is plain Python


class NotANotebook(ValueError):
    pass


def code_cells(text):
    """A notebook's code cells as one module, cells separated by a blank line.

    A cell opened by a cell magic other than %%time, %%timeit or %%capture
    (``%%bash``, ``%%writefile``) is not Python and is left out.
    Raises NotANotebook when ``text`` is not a notebook nbformat can read.
    """
    try:
        with warnings.catch_warnings():  # notebooks from older Jupyter lack cell ids: harmless here
            warnings.simplefilter("ignore")
            notebook = nbformat.reads(text, as_version=4)
    except Exception as exc:  # nbformat raises several kinds for a broken file
        raise NotANotebook(f"not a notebook nbformat can read ({type(exc).__name__})") from None
    cells = []
    for number, cell in enumerate(notebook.cells, 1):
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        if not isinstance(source, str):  # nbformat joins a list of lines, and leaves anything else as it is
            raise NotANotebook(f"code cell {number} has no text as its source")
        if encodable(source) != source:
            raise NotANotebook(f"code cell {number} holds a lone surrogate (an escape such as \\ud800), "
                               "which no Python file can")
        first = source.lstrip().split("\n", 1)[0]
        if first.startswith("%%") and not first.startswith(KEPT_CELL_MAGICS):
            continue
        cells.append(source)
    return without_ipython("\n\n".join(cells) + "\n")


def without_ipython(source):
    """``source`` with each magic, shell escape and get_ipython() line replaced by ``pass``.

    A file that compiles and never calls get_ipython() is returned unchanged:
    a ``%`` at the start of a line inside a string is the learner's text.
    """
    if "get_ipython()" not in source and (not MAYBE_MAGIC.search(source) or _compiles(source)):
        return source
    lines = source.split("\n")
    return "\n".join(f"{m.group(1)}pass" if (m := IPYTHON_LINE.match(line)) else line for line in lines)


def _compiles(source):
    try:
        compile(source, "<learner>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return False
    except (RecursionError, MemoryError):
        return True  # not ours to fix; the sandbox will say what is wrong
    return True
