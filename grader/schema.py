"""One way to read the course's YAML and JSON files (course.yaml, quizzes, progress.json) and say what is wrong.

Files are composed into YAML nodes (JSON is read the same way), so every error
names the file, the line and what was expected there: ``course.yaml:12: an
exercise name should be text, not 3``. Each file's own module states its fields
and defaults; this module knows only how to check a value against them.
"""
import difflib
from pathlib import Path

import yaml

from .errors import LearnnnError

LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class SchemaError(LearnnnError):
    """A file is not what its schema asks for; ``str()`` is "file:line: what is wrong"."""

    def __init__(self, path, line, what):
        super().__init__(f"{path}{f':{line}' if line else ''}: {what}")
        self.path, self.line, self.what = path, line, what


def did_you_mean(word, choices):
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.5)
    return f" Did you mean '{close[0]}'?" if close else ""


def compose(path, *, what="file"):
    """The root node of the YAML (or JSON) file at ``path``: None when it is empty.
    Raises SchemaError when it can't be read or parsed, naming the line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SchemaError(path, None, f"can't read the {what}: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise SchemaError(path, None, f"the {what} is not UTF-8 text ({exc.reason})") from None
    return compose_text(text, path)


def compose_text(text, path):
    try:
        return yaml.compose(text, Loader=LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise SchemaError(path, mark.line + 1 if mark else None,
                          f"not valid YAML: {getattr(exc, 'problem', None) or exc}") from None


class Reader:
    """Checks the nodes of one file; every failure is a SchemaError at the node's line."""

    def __init__(self, path, *, error=SchemaError):
        self.path, self.error = path, error

    def fail(self, node, what):
        raise self.error(self.path, line(node), what)

    def mapping(self, node, allowed, what, *, required=()):
        """{key: value node} of a mapping whose keys are all in ``allowed`` and include ``required``."""
        if not isinstance(node, yaml.MappingNode):
            self.fail(node, f"{what} should be a mapping of keys to values")
        out = {}
        for key, value in node.value:
            name = self.value(key)
            if name not in allowed:
                self.fail(key, f"unknown key '{name}' in {what}.{did_you_mean(str(name), allowed)}"
                          f" Allowed: {', '.join(sorted(allowed))}.")
            out[name] = value
        missing = [k for k in required if k not in out]
        if missing:
            self.fail(node, f"{what} has no '{missing[0]}'")
        return out

    def sequence(self, node, what, *, nonempty=False):
        if not isinstance(node, yaml.SequenceNode):
            self.fail(node, f"{what} should be a list")
        if nonempty and not node.value:
            self.fail(node, f"{what} should not be empty")
        return node.value

    def scalar(self, node, kind, what, *, positive=False, minimum=None):
        """A single value of type ``kind`` (int is read as float where a float is asked for; text must not be
        blank); ``positive``: above 0; ``minimum``: at least this."""
        if not isinstance(node, yaml.ScalarNode):
            self.fail(node, f"{what} should be a single value")
        value = self.value(node)
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kind) or (kind in (int, float) and isinstance(value, bool)) \
                or (kind is str and not value.strip()):
            self.fail(node, f"{what} should be {'text' if kind is str else _KIND_NAMES.get(kind, kind.__name__)}, "
                            f"not {value!r}")
        if positive and value <= 0:
            self.fail(node, f"{what} should be positive, not {value!r}")
        if minimum is not None and value < minimum:
            self.fail(node, f"{what} should be at least {minimum}, not {value!r}")
        return value

    def number(self, node, what, *, minimum=None):
        """An int or a float (never a bool), kept as written."""
        if not isinstance(node, yaml.ScalarNode):
            self.fail(node, f"{what} should be a single value")
        value = self.value(node)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.fail(node, f"{what} should be a number, not {value!r}")
        if minimum is not None and value < minimum:
            self.fail(node, f"{what} should be at least {minimum}, not {value!r}")
        return value

    def value(self, node):
        """Any node as plain Python data."""
        return yaml.constructor.SafeConstructor().construct_document(node) if node is not None else None


def line(node):
    """The 1-based line a node starts on; None for a node built in memory or no node."""
    mark = getattr(node, "start_mark", None)
    return mark.line + 1 if mark is not None else None


_KIND_NAMES = {int: "a whole number", float: "a number", bool: "true or false", str: "text"}
