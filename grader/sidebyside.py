"""Two versions of a module shown function by function: the learner's ``relu`` always sits beside the
reference's ``relu``. Code is never re-wrapped (a wrapped line can't be copied back into Python): in two
columns a line too long for its column is cut and marked; on a narrow terminal the two versions are shown
one after the other instead."""
import ast
import itertools

CUT = " »"  # ends a line cut at its column's edge in the two-column view


def chunks(source):
    """``source`` cut at its top-level functions and classes, as ``{name: text}`` in file order; what
    comes before the first one is under "". A file that does not parse is one chunk under ""."""
    lines = source.expandtabs(4).splitlines()
    try:
        body = ast.parse(source).body
    except (SyntaxError, ValueError):
        return {"": "\n".join(lines)}
    starts = [(min([n.lineno, *(d.lineno for d in n.decorator_list)]) - 1, n.name) for n in body
              if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]
    out = {"": "\n".join(lines[:starts[0][0]] if starts else lines).strip("\n")}
    for (start, name), (end, _) in zip(starts, starts[1:] + [(len(lines), None)]):
        out[name] = "\n".join(lines[start:end]).strip("\n")
    return out


def pairs(left, right):
    """``(name, left text, right text)`` for every top-level name of either source: the right one's
    order, then names only the left one has; a side without that name gets ""."""
    a, b = chunks(left), chunks(right)
    names = [n for n in b if a.get(n, "").strip() or b[n].strip()]
    names += [n for n in a if n not in b and a[n].strip()]
    return [(n, a.get(n, ""), b.get(n, "")) for n in names]


def beside(left, right, *, titles, width, gap=" | ", least=100):
    """The two sources as lines aligned by function: in two columns when ``width`` is at least ``least``
    columns (a line longer than its column is cut, its end marked with CUT, never wrapped onto the next
    line), else one after the other, function by function and uncut. ``titles``: (left, right)."""
    matched = pairs(left, right)
    if width < least:
        out = []
        for name, a, b in matched:
            for title, text in zip(titles, (a, b)):
                if text.strip():
                    out += [f"# {title}" + (f": {name}" if name else ""), *text.splitlines(), ""]
        return out
    column = (width - len(gap)) // 2

    def fit(line):
        return line if len(line) <= column else line[:column - len(CUT)] + CUT

    out = [titles[0].ljust(column) + gap + titles[1], "-" * column + "-+-" + "-" * column]
    for _, a, b in matched:
        rows = itertools.zip_longest(a.splitlines(), b.splitlines(), fillvalue="")
        out += [f"{fit(x):<{column}}{gap}{fit(y)}".rstrip() for x, y in rows]
        out.append(f"{'':<{column}}{gap}".rstrip())
    return out


def cut(lines):
    """Whether ``beside`` cut any line."""
    return any(CUT in line for line in lines)
