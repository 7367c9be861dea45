"""The wire format between the grader and a worker: a JSON header, then raw array blobs.

Both ends import this module. The worker encodes what learner code returns;
the trusted side decodes it with :func:`unpack` and :func:`decode`, which treat
every byte as hostile: sizes are checked before anything is read, the header's
nesting depth and node count are checked before it is parsed, each array's
dtype (numbers only, never zero bytes per element), shape and byte count are
checked from its own small header before it is made, and each blob may be
referenced once, so a reply can't make the grader hold more than
``Limits.total_bytes`` (the "1 MiB array referenced 1024 times" attack).
A blob is ``dtype.str`` and shape, then the array's bytes in C order: no
pickle, and no ``.npy`` header to parse (that cost 165 us an array).
"""
import json
import math
import re
import struct
import types
from dataclasses import dataclass

import numpy as np

MAX_ITEMS = 100_000  # items a generator may yield before it is refused
ARRAY_KINDS = "biufc"  # bool, ints, floats, complex: never strings, objects or records
# Possessive: a 15 MiB string literal matched one byte a step cost the regex engine 1.8 GB of backtracking stack.
_STRINGS = re.compile(rb'"(?:[^"\\]++|\\.)*+"')
_NOT_BRACKETS = bytes(sorted(set(range(256)) - set(b"[]{}")))
_DTYPE = re.compile(r"[<>|=][biufc][0-9]{1,2}")  # dtype.str of numbers: "<f8", "|b1", ">i4", "<c16"
MAX_DIMS = 32


class WireError(Exception):
    """A value that can't cross the boundary as plain data."""


@dataclass(frozen=True)
class Limits:
    header_bytes: int = 16 * 1024 * 1024
    blobs: int = 10_000
    total_bytes: int = 256 * 1024 * 1024  # header + every blob, as read and as materialised
    elements: int = 32 * 1024 * 1024  # in all arrays together: 256 MB once the grader turns them into float64
    depth: int = 64
    nodes: int = 1_000_000


LIMITS = Limits()


# ---------------------------------------------------------------- values <-> JSON nodes


class Named:
    """A function passed by name: the worker resolves it from the set it knows."""

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return self.name


class Rng:
    """A random generator passed by seed: the worker calls np.random.default_rng(seed)."""

    def __init__(self, seed):
        self.seed = int(seed)

    def __repr__(self):
        return f"np.random.default_rng({self.seed})"


class Generated(list):
    """What a generator yielded, so the trusted side can tell it was one."""


def _float(value):
    # repr round-trips every finite float exactly; JSON has no spelling for inf or nan.
    return value if math.isfinite(value) else {"__float__": "nan" if math.isnan(value) else repr(value)}


def encode(value, blobs, *, functions_ok=False, depth=0):
    """A JSON-able node for ``value``; arrays and NumPy scalars are appended to ``blobs``.

    Raises WireError naming the type for anything that can't round-trip exactly.
    """
    if depth > 32:
        raise WireError("the value is nested too deeply")
    again = lambda v: encode(v, blobs, functions_ok=functions_ok, depth=depth + 1)  # noqa: E731
    # NumPy first: np.float64 is a float and np.bool_ is not a bool, so the order matters.
    if isinstance(value, (np.ndarray, np.generic)):
        arr = np.asarray(value)
        if arr.dtype.hasobject:
            raise WireError("it is an array of Python objects (dtype=object), not of numbers")
        if arr.dtype.kind not in ARRAY_KINDS or arr.dtype.fields is not None:
            raise WireError(f"it is a NumPy {type(value).__name__} of dtype {arr.dtype}, not of numbers")
        blobs.append(arr)
        return {"__array__": len(blobs) - 1, "scalar": isinstance(value, np.generic)}
    kind = type(value)
    if value is None or kind in (bool, str, int):
        return value
    if kind is float:
        return _float(value)
    if kind is tuple:
        return {"__tuple__": [again(v) for v in value]}
    if kind is list:
        return [again(v) for v in value]
    if kind is dict:
        if not all(type(k) is str for k in value):
            raise WireError("it is a dict whose keys are not all strings")
        return {"__dict__": {k: again(v) for k, v in value.items()}}
    if functions_ok and kind is Named:
        return {"__fn__": value.name}
    if functions_ok and kind is Rng:
        return {"__rng__": value.seed}
    if kind is Generated:
        return {"__generator__": [encode(v, blobs, depth=depth + 1) for v in value]}
    if isinstance(value, (types.GeneratorType, range, map, filter, zip)):
        return {"__generator__": [encode(v, blobs, depth=depth + 1) for v in drain(value)]}
    raise WireError(f"it is a {kind.__name__}, which is not numbers, arrays, lists, tuples or dicts")


def drain(iterable):
    items = []
    for item in iterable:
        items.append(item)
        if len(items) > MAX_ITEMS:
            raise WireError(f"it yields more than {MAX_ITEMS} items")
    return items


def decode(node, blobs, resolve=None):
    """The value a node stands for. Every blob must be referenced exactly once (pack's output always is)."""
    used = set()
    value = _decode(node, blobs, resolve, used)
    if len(used) != len(blobs):
        raise WireError("the message holds arrays nothing refers to")
    return value


def _decode(node, blobs, resolve, used):
    again = lambda v: _decode(v, blobs, resolve, used)  # noqa: E731
    if isinstance(node, list):
        return [again(v) for v in node]
    if node is None or type(node) in (bool, str, int, float):
        return node
    if type(node) is not dict or set(node) != {"__array__", "scalar"} and (len(node) != 1 or "scalar" in node):
        raise WireError(f"unknown message node of type {type(node).__name__}")
    ((tag, body),) = [(k, node[k]) for k in node if k != "scalar"]
    if tag == "__array__":
        if type(body) is not int or not 0 <= body < len(blobs) or body in used:
            raise WireError("an array reference that is out of range or repeated")
        used.add(body)
        arr = blobs[body]
        return arr[()] if node.get("scalar") is True and arr.ndim == 0 else arr
    if tag == "__float__" and body in ("inf", "-inf", "nan"):
        return float(body)
    if tag in ("__tuple__", "__generator__") and isinstance(body, list):
        items = [again(v) for v in body]
        return tuple(items) if tag == "__tuple__" else Generated(items)
    if tag == "__dict__" and type(body) is dict:
        return {k: again(v) for k, v in body.items()}
    if tag == "__rng__" and resolve is not None and type(body) is int:
        return np.random.default_rng(body)
    if tag == "__fn__" and resolve is not None and type(body) is str:
        return resolve(body)
    if tag in ("__rng__", "__fn__"):
        raise WireError("a function or random generator can't be returned as data")
    raise WireError(f"unknown message node {tag!r}")


# ---------------------------------------------------------------- framing


def blob(arr):
    """One array as it crosses: dtype.str, shape, then its bytes in C order."""
    arr = np.asarray(arr)
    descr = arr.dtype.str.encode()
    return b"".join([struct.pack("!BB", len(descr), arr.ndim), descr, struct.pack(f"!{arr.ndim}Q", *arr.shape),
                     arr.tobytes()])


def pack(header, blobs=()):
    body = json.dumps(header, allow_nan=False).encode()
    parts = [struct.pack("!II", len(body), len(blobs)), body]
    for arr in blobs:
        data = blob(arr)
        parts += [struct.pack("!Q", len(data)), data]
    return b"".join(parts)


def check_shape(body, limits=LIMITS):
    """Refuse a JSON text nested deeper or holding more nodes than ``limits``, before parsing it."""
    bare = _STRINGS.sub(b'""', body)
    brackets = bare.translate(None, _NOT_BRACKETS)
    if brackets.count(b"[") + brackets.count(b"{") + bare.count(b",") > limits.nodes:
        raise WireError(f"the message has more than {limits.nodes} items")
    if len(brackets) > limits.depth:  # fewer brackets can't nest deeper than the limit
        codes = np.frombuffer(brackets, dtype=np.uint8)
        steps = np.where((codes == ord("[")) | (codes == ord("{")), 1, -1).astype(np.int32)
        if int(np.cumsum(steps).max()) > limits.depth:
            raise WireError(f"the message is nested more than {limits.depth} deep")


def unpack(read, limits=LIMITS):
    """Read one message with ``read(n) -> exactly n bytes``; raises WireError past any of ``limits``.

    Sizes are checked as soon as their prefix arrives, so an oversized message is
    refused before its body is read.
    """
    size, count = struct.unpack("!II", read(8))
    if size > limits.header_bytes or count > limits.blobs:
        raise WireError(f"the message is too large ({size} header bytes, {count} arrays)")
    text = read(size)
    check_shape(text, limits)
    try:  # UTF-8 only: json.loads would read UTF-16 bytes too, whose brackets check_shape never saw
        header = json.loads(text.decode("utf-8"))
    except (ValueError, RecursionError) as exc:
        raise WireError(f"an unreadable header ({type(exc).__name__})") from None
    blobs, total, elements = [], size, 0
    for _ in range(count):
        (n,) = struct.unpack("!Q", read(8))
        total += n
        if total > limits.total_bytes:
            raise WireError(f"the message is larger than {limits.total_bytes} bytes")
        arr = _load(read(n), limits.elements - elements)
        elements += arr.size
        blobs.append(arr)
    return header, blobs


def _load(data, elements):
    """One blob (see :func:`blob`), its dtype, shape and size checked before the array is made.

    A zero-byte dtype (``|S0``) would let a few bytes stand for 10**15 elements: only numbers pass.
    """
    try:
        size, ndim = struct.unpack_from("!BB", data)
        descr = data[2:2 + size].decode("ascii")
        if not _DTYPE.fullmatch(descr) or ndim > MAX_DIMS:
            raise WireError(f"an array of dtype {descr!r} and {ndim} dimensions")
        dtype = np.dtype(descr)
        shape = struct.unpack_from(f"!{ndim}Q", data, 2 + size)
    except (struct.error, UnicodeDecodeError, TypeError) as exc:
        raise WireError(f"an unreadable array ({exc})") from None
    if dtype.kind not in ARRAY_KINDS or dtype.itemsize == 0:
        raise WireError(f"an array of dtype {dtype}")
    count = math.prod(shape)
    if count > elements:
        raise WireError(f"arrays of more than {LIMITS.elements} numbers in all")
    start = 2 + size + 8 * ndim
    if len(data) - start != count * dtype.itemsize:
        raise WireError(f"an array whose {len(data) - start} bytes are not {count} x {dtype.itemsize}")
    try:  # a copy: writable, and owning its memory
        return np.frombuffer(data, dtype=dtype, count=count, offset=start).reshape(shape).copy()
    except (ValueError, OverflowError) as exc:  # a dimension numpy can't hold beside a zero one
        raise WireError(f"an unreadable array ({exc})") from None
