"""Learner-chosen text (folder and file names) can't become a spreadsheet formula or Markdown/HTML markup."""
import csv
import re
import io

from learnnn import gradebook, manifest
from learnnn.results import SubmissionResult
from learnnn.review import review


def test_formula_cells_are_quoted_and_numbers_kept():
    assert gradebook.spreadsheet_cell('=HYPERLINK("http://x","open")') == '\'=HYPERLINK("http://x","open")'
    assert [gradebook.spreadsheet_cell(v) for v in ("+1+1", "@sum", "-x")] == ["'+1+1", "'@sum", "'-x"]
    assert [gradebook.spreadsheet_cell(v) for v in (-3.5, "-2", "ann", 10)] == ["-3.5", "-2", "ann", "10"]


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
    text = gradebook._plain(note)
    # every markup character is escaped, so Markdown shows it as text and never as a link or HTML
    assert not re.search(r"(?<!\\)[<>\[\]()!`]", text) and "\\<img" in text
