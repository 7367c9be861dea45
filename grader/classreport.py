"""The class report: matplotlib charts (Agg, no display needed) and an index page in Markdown and HTML.

What an instructor reads first: the run's isolation tier, the "needs attention"
list, then a table with a row per learner, then the class's charts (without
matplotlib, the ``learnnn[plots]`` extra, the pages say they were not drawn).
"""
import collections
import html
import io
import statistics

from . import drawing
from .atomic import atomic_write
from .markup import inline
from .printable import printable
from .review import failure_causes

GRADED = ("graded", "incomplete", "stopped")  # rows whose code was actually run
TOP = 15


def _pct(part, whole):
    return 100.0 * part / whole if whole else 0.0


def isolation_tier():
    """The isolation tier workers of this process get, as `learnnn doctor` states it."""
    from .isolation import tier
    return str(tier())


def summarise(results, course, reviews):
    """The numbers behind the charts and tables, as plain data."""
    graded = [r for r in results if r.status in GRADED]
    percent = [_pct(r.total, r.max_score) for r in graded]
    exercises = {}
    for name in course.exercises:
        present = [r.exercises[name] for r in graded if r.exercises[name].status != "missing"]
        exercises[name] = {"submitted": len(present), "passed": _pct(sum(e.passed for e in present), len(present)),
                           "mean": _pct(sum(e.score for e in present), sum(e.max_score for e in present))}
    failing, _ = failure_causes(graded, reviews, course)
    quiz_means = {}
    for r in results:
        for quiz_id, grade in r.quizzes.items():
            if grade.status == "graded":
                quiz_means.setdefault(quiz_id, []).append(_pct(grade.score, grade.max_score))
    return {"count": len(results), "statuses": collections.Counter(reviews[r.id].status for r in results),
            "learners": [(r, reviews[r.id]) for r in sorted(results, key=lambda r: r.id)],
            "percent": percent, "mean": statistics.fmean(percent) if percent else 0.0,
            "median": statistics.median(percent) if percent else 0.0, "exercises": exercises,
            "failing": failing[:TOP], "quizzes": {q: statistics.fmean(v) for q, v in quiz_means.items()}}


def _png(path, draw, size=(7, 4)):
    fig = drawing.figure(*size)
    draw(fig.subplots())
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    atomic_write(path, buf.getvalue())


def write(folder, results, course, reviews, *, tier=None):
    """Charts and index.md / index.html in ``folder``; returns the HTML page's path.

    ``reviews`` is review.review(...)'s {id: Review}; ``tier`` the isolation tier (default: asked of the engine).
    Without matplotlib the pages are written without charts and say why (drawing.MISSING).
    """
    s = summarise(results, course, reviews)
    s["tier"] = tier if tier is not None else isolation_tier()
    s["no_charts"] = drawing.missing()

    def scores(ax):
        ax.hist(s["percent"], bins=[i * 10 for i in range(11)], color="#4c72b0", edgecolor="white")
        ax.set(xlabel="total score (% of the maximum)", ylabel="submissions", xlim=(0, 100),
               title=f"Scores of {len(s['percent'])} graded submissions")
        drawing.whole_numbers(ax.yaxis)  # a count of submissions

    def exercises(ax):
        names = list(s["exercises"])
        x = range(len(names))
        ax.bar([i - 0.2 for i in x], [s["exercises"][n]["passed"] for n in names], 0.4, label="passed every test")
        ax.bar([i + 0.2 for i in x], [s["exercises"][n]["mean"] for n in names], 0.4, label="mean points")
        ax.set_xticks(list(x), names, rotation=30, ha="right")
        ax.set(ylabel="% of submissions that had the file", ylim=(0, 118), yticks=range(0, 101, 20), title="Exercises")
        ax.legend(loc="upper center", ncol=2, fontsize="small")

    def failing(ax):
        rows = list(reversed(s["failing"]))
        ax.barh(range(len(rows)), [r[0] for r in rows], color="#c44e52")
        ax.set_yticks(range(len(rows)), [f"{r[1]}: {r[2]}" for r in rows], fontsize=8)
        ax.set(xlabel="% of submissions failing it (root causes only)", xlim=(0, 100),
               title="Tests failed most often")

    charts = [("scores.png", "Score distribution", scores, (7, 4)),
              ("exercises.png", "Pass rate per exercise", exercises, (7, 4)),
              ("failing-tests.png", "Tests most learners fail", failing, (8, 1.5 + 0.3 * len(s["failing"])))]
    # No chart of grading times: grading the same class twice writes the same bytes (a hang is in "needs attention").
    if s["no_charts"]:
        charts = []
    for name, _, draw, size in charts:
        _png(folder / name, draw, size)
    atomic_write(folder / "index.md", _markdown(s, charts, course))
    atomic_write(folder / "index.html", _html(s, charts, course))
    return folder / "index.html"


def _attention(s):
    return [(r.id, note) for r, review in s["learners"] for note in review.attention] or [["-", "nothing"]]


def _tables(s, course):
    """(title, header, rows) shared by both pages."""
    statuses = ", ".join(f"{n} {k}" for k, n in sorted(s["statuses"].items()))
    names = list(course.exercises)
    learners = [[r.id, review.status, f"{r.total} / {r.max_score}",
                 *(f"{r.exercises[n].score} {review.exercises[n].replace('_', ' ')}" for n in names)]
                for r, review in s["learners"]]
    return [
        # the mean and median are of the submissions whose code ran: empty, missing and rejected rows would pull
        # them towards 0 without saying anything about the work handed in
        ("Class", ["submissions", "statuses", "code ran", "mean score (code ran)", "median score (code ran)"],
         [[s["count"], statuses, len(s["percent"]), f"{s['mean']:.1f}%", f"{s['median']:.1f}%"]]),
        ("Needs attention", ["submission", "what"], _attention(s)),
        ("Learners", ["submission", "status", "total", *names], learners),
        ("Exercises", ["exercise", "submitted", "passed every test", "mean points"],
         [[n, e["submitted"], f"{e['passed']:.0f}%", f"{e['mean']:.0f}%"] for n, e in s["exercises"].items()]),
        ("Tests failed most often (root causes: knock-on failures are not counted)", ["exercise", "test or cause", "failed by"],
         [[ex, test, f"{pct:.0f}%"] for pct, ex, test in s["failing"]] or [["-", "none", "-"]]),
        ("Quizzes", ["quiz", "mean score"],
         [[q, f"{m:.0f}%"] for q, m in s["quizzes"].items()] or [["-", "no quiz answer sheet was handed in"]]),
    ]


def _md_cell(value):
    return inline(value)  # learner text (notes, file names, the line a cause raised at) stays text


def _markdown(s, charts, course):
    lines = ["# Class report", "", f"Isolation: {s['tier']}", ""]
    for title, header, rows in _tables(s, course):
        lines += [f"## {title}", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows] + [""]
    lines += [f"![{alt}]({name})" for name, alt, _, _ in charts]
    if s["no_charts"]:
        lines.append(f"Charts not drawn: {s['no_charts']}.")
    return "\n".join(lines) + "\n"


def _html(s, charts, course):
    def e(text):
        return html.escape(printable(str(text)))

    parts = ["<!doctype html><meta charset=utf-8><title>Class report</title>",
             "<style>body{font-family:sans-serif;max-width:60em;margin:auto}table{border-collapse:collapse}"
             "td,th{border:1px solid #ccc;padding:.2em .6em;text-align:left}</style><h1>Class report</h1>"]
    parts.append(f"<p>Isolation: {e(s['tier'])}</p>")
    for title, header, rows in _tables(s, course):
        parts.append(f"<h2>{e(title)}</h2><table><tr>{''.join(f'<th>{e(h)}</th>' for h in header)}</tr>")
        parts += [f"<tr>{''.join(f'<td>{e(c)}</td>' for c in row)}</tr>" for row in rows]
        parts.append("</table>")
    parts += [f'<h2>{e(alt)}</h2><img src="{name}" alt="{e(alt)}">' for name, alt, _, _ in charts]
    if s["no_charts"]:
        parts.append(f"<p>Charts not drawn: {e(s['no_charts'])}.</p>")
    return "\n".join(parts) + "\n"
