"""Reading what a learner typed as a quiz answer: numbers, shapes and words, each in one canonical form.

Every quiz goes through these functions, so "1/2", "50%" and "0.5" are the same
number everywhere, and "Element-wise" and "elementwise" the same word.
Arithmetic is evaluated by walking Python's AST over a handful of node types;
nothing the learner types is ever passed to ``eval``.
"""
import ast
import math
import operator
import re

MAX_LENGTH = 200  # longer input is not an answer to a quiz question
MAX_EXPONENT = 1000  # keeps "9^9^9" from running for minutes

_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
           ast.Div: operator.truediv, ast.Pow: operator.pow}
_UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos}
_FUNCTIONS = {"sqrt": math.sqrt, "log": math.log, "ln": math.log, "log10": math.log10, "log2": math.log2,
              "exp": math.exp}
_CONSTANTS = {"e": math.e, "pi": math.pi}


_QUOTES = {"`": "`", '"': '"', "'": "'", "“": "”", "‘": "’"}


def unquote(text):
    """``text`` without surrounding spaces and matching backticks or quotes, however many pairs
    (```x```, "x", `x`, 'x', “x”): a learner often quotes a command or a term."""
    text = str(text).strip()
    while len(text) >= 2 and _QUOTES.get(text[0]) == text[-1]:
        text = text[1:-1].strip()
    return text


class NotAnAnswer(ValueError):
    """The text can't be read as this kind of answer; the message says how to write one."""


def number(text):
    """A float from "0.5", "1/2", "50%", "2,410", "0,5", "sqrt(2/50)", "10^-5", "1e-5", "ln(2)" or "0.25**5".

    Raises NotAnAnswer with a message for a learner (never Python's own wording).
    """
    if isinstance(text, bool):
        raise NotAnAnswer("give a number, not true or false")
    if isinstance(text, (int, float)):
        return float(text)
    raw = unquote(text)
    source = raw.lower().replace("−", "-").replace("×", "*").replace("^", "**").lstrip("~≈").strip()
    percent = source.endswith("%")
    source = source.removesuffix("%").strip()
    if re.fullmatch(r"-?\d{1,3}(,\d{3})+(\.\d+)?", source):  # thousands: 2,410 or 1,437
        source = source.replace(",", "")
    elif re.fullmatch(r"-?\d+,\d+", source):  # a decimal comma: 0,5
        source = source.replace(",", ".")
    try:
        if not source or len(source) > MAX_LENGTH:
            raise SyntaxError
        value = _evaluate(ast.parse(source, mode="eval").body)
    except (SyntaxError, ValueError, TypeError, ZeroDivisionError, OverflowError, RecursionError):
        raise NotAnAnswer(f"'{raw[:40]}' is not a number learnnn can read; write it like 0.5, 1/2, 50%, 1e-5 "
                          "or sqrt(2/50)") from None
    if not math.isfinite(value):
        raise NotAnAnswer(f"'{raw}' is not a finite number")
    return value / 100 if percent else value


def _evaluate(node):
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        return float(node.value)
    if isinstance(node, ast.Name) and node.id in _CONSTANTS:
        return _CONSTANTS[node.id]
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return _UNARY[type(node.op)](_evaluate(node.operand))
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _evaluate(node.left), _evaluate(node.right)
        if isinstance(node.op, ast.Pow) and (abs(right) > MAX_EXPONENT or abs(left) > 1e6 and abs(right) > 10):
            raise OverflowError
        result = _BINARY[type(node.op)](left, right)
        if isinstance(result, complex):
            raise ValueError
        return result
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _FUNCTIONS
            and len(node.args) == 1 and not node.keywords):
        return float(_FUNCTIONS[node.func.id](_evaluate(node.args[0])))
    raise ValueError("not arithmetic")


_SHAPE = re.compile(r"[(\[]\s*(\w+(?:\s*,\s*\w+)*)?\s*(,)?\s*[)\]]")
_BY = re.compile(r"\d+(?:\s*[x×*]\s*\d+)+")


def shape(text):
    """"(32, 64)", "(32,64)", "[32, 64]", "32x64" and "32 × 64" all give "(32,64)"; "(7, )" gives "(7,)".

    Returns None when the text is not a shape.
    """
    text = unquote(text).lower()
    match = _SHAPE.fullmatch(text)
    if match:
        dims = [d.strip() for d in match.group(1).split(",")] if match.group(1) else []
        return "(" + ",".join(dims) + ("," if len(dims) == 1 else "") + ")"
    if _BY.fullmatch(text):
        return "(" + ",".join(d.strip() for d in re.split(r"[x×*]", text)) + ")"
    return None


_ARTICLE = re.compile(r"^(?:a|an|the)\s+")
_BRITISH = re.compile(r"(?<=[a-vx-z])is(ation|e|ed|ing)\b")  # not -wise


def words(text):
    """A phrase in one canonical form: case, spaces, hyphens, underscores, a leading article,
    trailing full stops, "()" and matching backticks or quotes around it ignored; British -ise spellings read as -ize; shapes as by ``shape``."""
    text = unquote(text).lower()
    as_shape = shape(text)
    if as_shape is not None:
        return as_shape
    text = _ARTICLE.sub("", text.strip(" ."))
    text = _BRITISH.sub(r"iz\1", text)
    text = text.replace("()", "")
    return re.sub(r"[\s\-_‐–]+", "", text).strip(".")
