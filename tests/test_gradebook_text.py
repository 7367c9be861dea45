"""Learner-chosen text (names, notes, messages, quiz answers) can't become a spreadsheet formula, Markdown/HTML
markup in the files an instructor opens, or a terminal command when one of them is `cat`."""
import csv
import io
import json
from types import SimpleNamespace

import pytest
from markdown_it import MarkdownIt  # a dependency of rich
from markdown_it.common.utils import escapeHtml

from learnnn import classreport, gradebook, manifest, markup
from learnnn.grading import quiz_lessons
from learnnn.printable import printable
from learnnn.results import ExerciseGrade, QuestionResult, QuizResult, SubmissionResult, TestOutcome
from learnnn.review import review

MD = MarkdownIt("commonmark").enable(["table", "strikethrough"])


def test_formula_cells_are_quoted_and_numbers_kept():
    assert gradebook.spreadsheet_cell('=HYPERLINK("http://x","open")') == '\'=HYPERLINK("http://x","open")'
    assert [gradebook.spreadsheet_cell(v) for v in ("+1+1", "@sum", "-x")] == ["'+1+1", "'@sum", "'-x"]
    assert [gradebook.spreadsheet_cell(v) for v in (-3.5, "-2", "ann", 10)] == ["-3.5", "-2", "ann", "10"]
    # a control character is a ? (cat replays none) and can't hide a formula behind it
    assert [gradebook.spreadsheet_cell(v) for v in ("\x1b[2Jann\x9b", "\x1b=1+1")] == ["?[2Jann?", "?=1+1"]


def test_json_files_write_no_raw_control_or_bidi_character():
    # json.dumps escapes C0 itself but writes C1 (0x9b: a one-byte CSI), bidi overrides and U+2028 raw
    text = "a\x9b31m \u202eevil\u202c \u2028 \x1b[2J é"
    written = gradebook.json_text({"note": text})
    assert not any(c in written for c in "\x1b\x9b\u202e\u202c\u2028") and "é" in written
    assert json.loads(written) == {"note": text}


def test_grades_csv_quotes_a_formula_in_the_original_name(tmp_path):
    course = manifest.load()
    result = SubmissionResult("x", "empty", {}, {}, note="=cmd|' /C calc'!A0")

    class Sub:
        id, original_name, files, problem = "x", '=HYPERLINK("http://evil","open")', {}, ""

    rows = list(csv.reader(io.StringIO(gradebook.grades_csv([result], course, review([result], [Sub()], course)))))
    assert all(not cell.startswith(("=", "+", "@")) for cell in rows[1])
    assert rows[1][1] == "'=HYPERLINK(\"http://evil\",\"open\")"


def test_a_note_in_feedback_carries_no_markup():
    note = "graded ![x](http://e)<img src=x onerror=alert(1)>/neuron.py as neuron"
    html = MD.render(f"Note: {markup.inline(note)}")
    # every markup character is escaped, so Markdown shows it as text and never as a link or HTML
    assert html == f"<p>Note: {escapeHtml(note)}</p>\n"


# What a learner controls: an exception's text, a quiz answer, a file or folder name. Terminal commands (an OSC
# title, a screen clear, a one-byte CSI) and Markdown/HTML that would run or link in a rendered page.
H = ("<script>alert(1)</script> <img src=x onerror=alert(1)> ``` `tick` *em* [a](http://e) &amp; "
     "\x1b]0;OWNED\x07\x1b[2J \x9b31m")
TERMINAL = "\x1b\x07\x9b"
MESSAGE = f"got {H}\nsecond line\n````\n# not a heading\n\n</pre>\nend"  # a fence, a heading, HTML that closes


@pytest.mark.parametrize("text", [H, "# heading", "1. item", "- item", "> quote", "***", "a_b _c_ d\\|e",
                                  "<http://e.example>", "x\ny\tz"])
def test_inline_text_renders_as_the_same_characters(text):
    # in a list item and in a table cell (GFM): the page shows exactly the text, controls as ?
    shown = escapeHtml(printable(text).replace("\n", " ").replace("\t", " "))
    assert MD.render(f"- {markup.inline(text, opens_block=True)}") == f"<ul>\n<li>{shown}</li>\n</ul>\n"
    table = MD.render(f"| a |\n|---|\n| {markup.inline(text)} |\n")
    assert f"<td>{shown}</td>" in table


def hostile_class(tmp_path):
    """One learner whose message, error, quiz answer, file names and folder name are H; graded files written."""
    course = manifest.load()
    first, second, *rest = course.exercises
    exercises = {first: ExerciseGrade(1, 10, "failed", [
                     TestOutcome("test_values", False, MESSAGE, 0, 1),
                     TestOutcome("test_shape", True, "", 1, 1)]),
                 second: ExerciseGrade(0, 10, "error", [], error=f"the suite broke on {H}"),
                 **{n: ExerciseGrade(0, 10, "missing") for n in rest}}
    quiz_ids = [lesson.id for lesson in quiz_lessons(course)]
    quizzes = {quiz_ids[0]: QuizResult(quiz_ids[0], [QuestionResult("q1", False, "Because.",
                                                                     f"'{H}' is not one of the choices")],
                                       problems=[f"# {H}"])}
    result = SubmissionResult("eve", "incomplete", exercises, quizzes, note=f"set aside: {H}.py",
                              ignored=[f"{H}.txt"])
    sub = SimpleNamespace(id="eve", original_name=f"=eve {H}", files={}, digest="d", problem="",
                          ignored=[f"{H}.txt"], renamed=[], set_aside=[(f"{H}.py", "a symbolic link: not followed")])
    reviews = review([result], [sub], course)
    gradebook.write(tmp_path, [result], course, reviews)
    classreport.write(tmp_path / "report", [result], course, reviews, tier="test")
    return tmp_path


def test_learner_text_in_feedback_is_inert(tmp_path):
    text = (hostile_class(tmp_path) / "feedback" / "eve.md").read_text()
    assert not any(c in text for c in TERMINAL)
    html = MD.render(text)
    assert "<script" not in html and "<img" not in html and "<a " not in html and "<em>" not in html
    assert html.count("<h1>") == 1
    # the message is one code block, every line of it kept (the ```` line did not close it) and readable as text
    assert f"<pre><code>{escapeHtml(printable(MESSAGE))}\n</code></pre>" in html
    assert f"  got {printable(H)}" in text.splitlines()
    assert f"<pre><code>the suite broke on {escapeHtml(printable(H))}\n</code></pre>" in html
    # the quiz answer, the sheet problem, the note and the ignored file name, shown as the learner's characters
    shown = escapeHtml(printable(H))
    assert f"(&#x27;{shown}&#x27; is not one of the choices)" in html.replace("'", "&#x27;")
    assert f"<li># {shown}</li>" in html and f"set aside: {shown}.py" in html
    assert f"<code>{escapeHtml(printable(H).replace('`', '?'))}.txt</code>" in html


def test_learner_text_in_the_report_and_grades_is_inert(tmp_path):
    out = hostile_class(tmp_path)
    for rel in ("grades.csv", "grades.json", "report/index.md", "report/index.html"):
        text = (out / rel).read_text()
        assert not any(c in text for c in TERMINAL), rel
    html = MD.render((out / "report" / "index.md").read_text())
    page = (out / "report" / "index.html").read_text()
    for rendered in (html, page):
        assert "<script" not in rendered and "<img src=x" not in rendered and "<a " not in rendered
        assert f"set aside: {escapeHtml(printable(H))}.py" in rendered
    rows = list(csv.reader(io.StringIO((out / "grades.csv").read_text())))
    assert rows[1][1] == f"'=eve {printable(H)}"  # still quoted against a formula, controls as ?
    # grades.json keeps the learner's exact text: JSON escapes carry the controls, none is written raw
    data = json.loads((out / "grades.json").read_text())
    assert data["submissions"][0]["note"] == f"set aside: {H}.py"
