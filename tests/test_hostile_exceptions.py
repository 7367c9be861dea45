"""Exceptions built to break their own description are still reported as the learner's, truthfully.

Each trigger once killed the worker, so the learner read "does your module call exit()?" and the
worker's own traceback, or a "malformed reply"; now the message names the exception and says it was raised.
"""
import re
import sys

import pytest

from learnnn import manifest
from learnnn.check import run_check

from conftest import write_course

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="the sandbox needs POSIX")

SOLUTION = (manifest.data_dir("solutions") / "activations.py").read_text()

# Each function is redefined after the honest ones, so one check exercises every call-time trigger.
HOSTILE = '''
class RefusesStr(Exception):
    def __str__(self):
        raise RuntimeError("no text for you")

def relu(z):
    raise RefusesStr()

def relu_grad(z):
    deep = []
    for _ in range(200_000):
        deep = [deep]
    raise ValueError(deep)

def sigmoid_grad(z):
    import sys
    sys.setrecursionlimit(1_000_000)  # deep enough for str() to overflow the C stack
    deep = []
    for _ in range(200_000):
        deep = [deep]
    raise ValueError(deep)

def tanh(z):
    raise SyntaxError("odd", ("activations.py", 1, 1, 12345))

def tanh_grad(z):
    error = ModuleNotFoundError("No module named x")
    error.name = 123
    raise error

def leaky_relu(z, alpha=0.01):
    error = ModuleNotFoundError("No module named y")
    error.name = object()
    raise error

def leaky_relu_grad(z, alpha=0.01):
    raise KeyboardInterrupt

class NameRaises(type):
    @property
    def __name__(cls):
        raise RuntimeError("no name either")

class Nameless(Exception, metaclass=NameRaises):
    pass

def softmax(z):
    raise Nameless("a type whose name raises")
'''

AT_CALL = [
    ("relu", "calling relu raised RefusesStr: <RefusesStr whose str() raised RuntimeError> (at activations.py"),
    ("relu_grad", "calling relu_grad raised ValueError: <ValueError whose str() raised RecursionError> (at"),
    ("sigmoid_grad", "calling sigmoid_grad raised ValueError: <ValueError whose str() raised RecursionError> (at"),
    ("tanh", "calling tanh raised SyntaxError: odd (activations.py, line 1) (at activations.py"),
    ("tanh_grad", "calling tanh_grad raised ModuleNotFoundError: No module named x (at activations.py"),
    ("leaky_relu", "calling leaky_relu raised ModuleNotFoundError: No module named y (at activations.py"),
    ("leaky_relu_grad", "calling leaky_relu_grad raised KeyboardInterrupt (at activations.py"),
    ("softmax", "calling softmax raised Nameless: a type whose name raises (at activations.py"),
]


def _nul_byte_error():
    """What this Python raises for a NUL byte in source: SyntaxError, or ValueError before 3.11.4 or so."""
    try:
        compile("\0", "x.py", "exec")
    except SyntaxError:
        return "SyntaxError: source code string cannot contain null bytes (activations.py)"
    except ValueError:
        return "ValueError: source code string cannot contain null bytes"


AT_IMPORT = [
    ("# a comment with a NUL \0 byte\n", f"importing activations.py raised {_nul_byte_error()}"),
    ("raise KeyboardInterrupt\n", "importing activations.py raised KeyboardInterrupt (at activations.py, line 1"),
]


def check(tmp_path, text):
    course = manifest.load(write_course(tmp_path / "course.yaml", time_limit=2))
    folder = tmp_path / "submission"
    folder.mkdir()
    (folder / "activations.py").write_text(text)
    return run_check(course=course, source_dir=folder, exercise="activations")


@pytest.fixture(scope="module")
def hostile_messages(tmp_path_factory):
    result = check(tmp_path_factory.mktemp("hostile"), SOLUTION + HOSTILE)
    return [t.message for t in result.failures if not t.message.startswith("fails for the same reason")]


def assert_truthful(message, expected):
    assert expected in message
    assert "exit()" not in message and "malformed" not in message
    assert "learnnn_worker" not in message and "Traceback" not in message


@pytest.mark.parametrize("func, expected", AT_CALL, ids=[func for func, _ in AT_CALL])
def test_a_hostile_exception_is_reported_as_raised(hostile_messages, func, expected):
    # Its first failure: on the worker's death it read "exited (code 1) while running <func>".
    message = next(m for m in hostile_messages if re.search(rf"(calling|running) {func}\b", m))
    assert_truthful(message, expected)


@pytest.mark.parametrize("head, expected", AT_IMPORT, ids=["nul-byte", "keyboard-interrupt"])
def test_a_hostile_import_is_reported_as_raised(tmp_path, head, expected):
    result = check(tmp_path, head + SOLUTION)
    assert result.score == 0 and result.failures
    assert_truthful(result.failures[0].message, expected)
