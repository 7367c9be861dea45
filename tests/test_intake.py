"""Intake: real LMS downloads become exactly one row per learner, graded on the right files.

One class, spread over seven inputs in the layouts of Canvas, Moodle, Blackboard,
Gradescope and plain folders, is graded once through the CLI under a course with
one exercise (activations); most learners hand in the same correct module, which
is graded once. The rest are fast checks of `intake.discover` alone.
"""
import codecs
import csv
import json
import sys
import tempfile
import unicodedata
import zipfile

import pytest
import yaml
from click.testing import CliRunner

from learnnn import manifest, notebooks, quiz
from learnnn.cli import app
from learnnn.intake import discover
from learnnn.learnerfiles import decode
from learnnn.manifest import LearnnnError

from conftest import write_course

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="the sandbox needs POSIX")

ACT = (manifest.data_dir("solutions") / "activations.py").read_text()
STUB = (manifest.data_dir("exercises") / "activations.py").read_text()
BUGGY = ACT.replace("return np.maximum(0.0, _as_float(z))", "return _as_float(z)")
QUIZZES = ["01-intro", "02-activations"]


def put(root, files):
    for rel, data in files.items():
        path = root / rel
        if rel.endswith("/"):
            path.mkdir(parents=True, exist_ok=True)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return root


def write_zip(path, files, stored=False):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return path


def notebook(*cells):
    return json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": kind, "metadata": {}, "source": source, **(
            {"outputs": [], "execution_count": None} if kind == "code" else {})} for kind, source in cells]})


def right_answers(lesson_id):
    chosen = quiz.load(manifest.load().lesson(lesson_id))
    return yaml.safe_dump({q.id: list(q.answer) if q.kind == "multiple" else q.answer for q in chosen.questions})


def zip_without_utf8_flag(path, folder, placeholder, files):
    """A zip whose names are UTF-8 bytes without the UTF-8 flag, as many zip tools write them."""
    write_zip(path, {f"{placeholder}/{name}": data for name, data in files.items()})
    raw = path.read_bytes().replace(placeholder.encode(), folder.encode("utf-8"))
    path.write_bytes(raw)
    assert all(not i.flag_bits & 0x800 for i in zipfile.ZipFile(path).infolist())
    return path


def grade_cli(course_path, *args):
    return CliRunner().invoke(app, ["--course", str(course_path), "grade", *map(str, args)], catch_exceptions=False)


@pytest.fixture(scope="module")
def course_path(tmp_path_factory):
    return write_course(tmp_path_factory.mktemp("course") / "course.yaml", lessons=2, time_limit=2)


@pytest.fixture(scope="module")
def course(course_path):
    return manifest.load(course_path)


# ------------------------------------------------------------------ one class, five layouts, graded once


@pytest.fixture(scope="module")
def downloads(tmp_path_factory):
    root = tmp_path_factory.mktemp("downloads")
    write_zip(root / "canvas.zip", {
        "leeann_12345_67890_activations.py": STUB,  # the first hand-in, then again as -1
        "leeann_12345_67890_activations-1.py": ACT,
        "roeben_late_23456_78901_Activations.py": ACT,
        "README.txt": "downloaded from Canvas",
    })
    zoe = unicodedata.normalize("NFD", "Zoë Lee")  # macOS writes names decomposed
    head, tail = ACT.split("\ndef relu(", 1)
    put(root / "moodle", {
        f"{zoe}_34567_assignsubmission_file_/activations.ipynb": notebook(
            ("markdown", "# My activations"), ("code", "%matplotlib inline\n!pip install numpy\n" + head),
            ("code", "def relu(" + tail), ("code", "%%bash\necho hi\n")),
        f"{zoe}_34567_assignsubmission_onlinetext_/onlinetext.html": "<p>see my notebook</p>",
        "Sam Poe_45678_assignsubmission_file_/": b"",
    })
    write_zip(root / "blackboard.zip", {
        "Week2_cdoe_attempt_2026-01-01-10-00-00_activations.py": BUGGY,
        "Week2_cdoe_attempt_2026-01-01-10-00-00.txt": "Name: C Doe\nAssignment: Week2",
        "Week2_cdoe_attempt_2026-01-02-09-00-00_activations.py": ACT,
        "Week2_cdoe_attempt_2026-01-02-09-00-00.txt": "Name: C Doe\nAssignment: Week2",
    })
    put(root / "gradescope", {
        "submission_metadata.yml": (":submission_111:\n  :submitters:\n  - :name: Ida Rue\n    :sid: S111\n"
                                    "    :email: ida@example.edu\n  :created_at: 2026-01-03 10:00:00 +0000\n"),
        "submission_111/activations.py": codecs.BOM_UTF16_LE + ACT.encode("utf-16-le"),
    })
    exported = "#!/usr/bin/env python\n# coding: utf-8\nget_ipython().run_line_magic('matplotlib', 'inline')\n" + ACT
    put(root / "plain", {
        "student03/Desktop/my-course/activations.py": ACT,
        "student03/Desktop/my-course/.ipynb_checkpoints/activations-checkpoint.py": STUB,
        "student04/src/ACTIVATIONS.PY": codecs.BOM_UTF8 + ACT.encode(),
        "student04/answers/02-activations.yaml": codecs.BOM_UTF16_LE + right_answers("02-activations").encode(
            "utf-16-le"),
        "student04/venv/pyvenv.cfg": "home = /usr/bin",
        "student04/venv/lib/python3/site-packages/activations.py": STUB,
        "student04/data/train.csv": "x,y\n1,2\n",
        "student07/activations.py": BUGGY,
        "exported/activations.py": exported,
        "stubby/activations.py": STUB,
        "empty_one/": b"",
        ".git/config": "[core]",
        ".ipynb_checkpoints/x-checkpoint.ipynb": "{}",
        ".DS_Store": "x",
    })
    heavy = {"heavy/activations.py": ACT, "heavy/data/train.npy": b"\0" * (60 * 2**20)}
    heavy.update({f"heavy/.venv/lib/site-packages/pkg/m{i}.py": "x = 1\n" for i in range(1200)})
    heavy["heavy/.venv/pyvenv.cfg"] = "home = /usr/bin"
    write_zip(root / "plain" / "heavy.zip", heavy, stored=True)
    write_zip(root / "student07.zip", {"student07/activations.py": ACT})  # the same learner again, given last
    zip_without_utf8_flag(root / "jose.zip", "José", "JosXY", {"activations.py": ACT})
    (root / "roster.csv").write_text("Student,ID,SIS Login ID\nLee Ann,12345,alee\nRoe Ben,23456,broe\n"
                                     "Lee Zoë,34567,zlee\nPoe Sam,45678,spoe\nNobody Ned,99999,nned\n")
    return root


INPUTS = ["canvas.zip", "moodle", "blackboard.zip", "gradescope", "plain", "student07.zip", "jose.zip"]


@pytest.fixture(scope="module")
def graded(downloads, course_path):
    out = downloads.parent / f"{downloads.name}-out"
    result = grade_cli(course_path, *(downloads / i for i in INPUTS), "--roster", downloads / "roster.csv",
                       "--out", out, "--jobs", 2)
    rows = {s["id"]: s for s in json.loads((out / "grades.json").read_text())["submissions"]}
    return {"out": out, "result": result, "rows": rows}


@pytest.mark.slow
def test_every_learner_has_exactly_one_row(graded):
    assert graded["result"].exit_code == 0, graded["result"].output
    assert sorted(graded["rows"]) == sorted([
        "leeann_12345", "roeben_23456", "Zoë_Lee_34567", "Sam_Poe_45678", "cdoe", "Ida_Rue_S111",
        "student03", "student04", "student07", "exported", "stubby", "empty_one", "heavy", "José", "99999"])
    feedback = sorted(p.name for p in (graded["out"] / "feedback").iterdir())
    assert feedback == sorted(f"{i}.md" for i in graded["rows"])


@pytest.mark.slow
def test_correct_work_scores_full_marks_wherever_and_however_it_was_handed_in(graded):
    rows = graded["rows"]
    full = rows["student03"]["exercises"]["activations"]["max_score"]
    for ident in ("leeann_12345", "roeben_23456", "Zoë_Lee_34567", "cdoe", "Ida_Rue_S111", "student03",
                  "student04", "student07", "exported", "heavy", "José"):
        assert rows[ident]["exercises"]["activations"]["score"] == full > 0, (ident, rows[ident]["note"])
        assert rows[ident]["status"] == "graded", ident
    quiz_row = rows["student04"]["quizzes"]["02-activations"]
    assert quiz_row["score"] == quiz_row["max_score"] > 0  # a UTF-16 answer sheet
    for ident in ("Sam_Poe_45678", "empty_one"):
        assert rows[ident]["status"] == "empty" and rows[ident]["total"] == 0
    assert rows["stubby"]["exercises"]["activations"]["score"] == 0
    assert rows["99999"]["status"] == "missing" and rows["99999"]["total"] == 0


@pytest.mark.slow
def test_notes_say_which_file_was_graded_and_what_was_set_aside(graded):
    notes = {i: r["note"] for i, r in graded["rows"].items()}
    assert "leeann_12345_67890_activations-1.py -> activations.py" in notes["leeann_12345"]
    assert "leeann_12345_67890_activations.py (an older copy of activations.py" in notes["leeann_12345"]
    assert "roeben_late_23456_78901_Activations.py -> activations.py" in notes["roeben_23456"]
    assert "marked late" in notes["roeben_23456"] and "late" not in notes["leeann_12345"]
    assert "activations.ipynb -> activations.py" in notes["Zoë_Lee_34567"]
    assert "Week2_cdoe_attempt_2026-01-02-09-00-00_activations.py -> activations.py" in notes["cdoe"]
    assert "attempt 2026-01-01-10-00-00" in notes["cdoe"]
    assert "Desktop/my-course/activations.py -> activations.py" in notes["student03"]
    assert "src/ACTIVATIONS.PY -> activations.py" in notes["student04"]
    assert "answers/02-activations.yaml" not in notes["student04"]  # graded under its own name
    assert "plain/student07" in notes["student07"] and "student07.zip" in notes["student07"]
    assert "IPython lines" in notes["exported"]
    assert "still the starting stub: activations.py" in notes["stubby"]
    assert "no submission in the download" in notes["99999"]
    assert "no exercise module or quiz answer sheet was found: it was empty" in notes["Sam_Poe_45678"]
    assert "not on the roster" in notes["student03"] and "not on the roster" not in notes["leeann_12345"]
    feedback = (graded["out"] / "feedback" / "student04.md").read_text()
    assert "src/ACTIVATIONS.PY -> activations.py" in feedback and "data/train.csv" in feedback
    assert "venv" not in str(graded["rows"]["student04"]["ignored"])  # set aside, never listed file by file
    assert "was not in the submission" not in feedback


@pytest.mark.slow
def test_junk_never_becomes_a_learner_and_the_run_says_what_it_set_aside(graded):
    output = graded["result"].output
    assert "set aside: plain/.git: version control: not a learner" in output
    assert "set aside: canvas.zip/README.txt: its name does not match the canvas pattern" in output
    assert "not on the roster: " in output and "student03" in output


@pytest.mark.slow
def test_no_temporary_or_local_path_in_any_output(graded, downloads):
    out = graded["out"]
    for path in [out / "grades.csv", out / "grades.json", *(out / "feedback").iterdir()]:
        text = path.read_text()
        assert str(downloads) not in text and tempfile.gettempdir() + "/" not in text, path
        assert "learnnn-grade" not in text and "null bytes" not in text, path


@pytest.mark.slow
def test_a_rerun_writes_the_same_bytes(graded, downloads, course_path):
    out = graded["out"]
    before = {p.relative_to(out): p.read_bytes() for p in [out / "grades.csv", out / "grades.json",
                                                            *(out / "feedback").iterdir()]}
    result = grade_cli(course_path, *(downloads / i for i in INPUTS), "--roster", downloads / "roster.csv",
                       "--out", out)
    assert result.exit_code == 0 and "(15 from the cache)" in result.output
    assert {p: (out / p).read_bytes() for p in before} == before


# ------------------------------------------------------------------ intake alone


def ids(found):
    return {s.id: s for s in found.submissions}


def test_the_submission_record(downloads, course):
    found = discover([downloads / i for i in INPUTS], course=course, quizzes=QUIZZES,
                     roster=downloads / "roster.csv")
    subs = ids(found)
    assert found.layout == "blackboard+canvas+folders+gradescope+moodle" and found.roster_column == "ID"
    lee = subs["leeann_12345"]
    assert (lee.original_name, lee.lms_id, lee.attempt, lee.late) == ("leeann_12345_67890", "12345", "1", False)
    assert lee.graded == {"activations.py": "leeann_12345_67890_activations-1.py"}
    assert lee.roster == {"Student": "Lee Ann", "ID": "12345", "SIS Login ID": "alee"}
    assert subs["roeben_23456"].late
    zoe = subs["Zoë_Lee_34567"]
    assert zoe.id == unicodedata.normalize("NFC", zoe.id) and zoe.original_name.startswith("Zoë Lee_34567")
    assert "onlinetext.html" in str(zoe.ignored)  # Moodle's second folder is the same learner
    assert subs["cdoe"].attempt == "2026-01-02-09-00-00"
    assert (subs["Ida_Rue_S111"].original_name, subs["Ida_Rue_S111"].lms_id) == ("submission_111", "S111")
    assert subs["Zoë_Lee_34567"].lms_id == "34567" and subs["cdoe"].lms_id == "cdoe" and not subs["student03"].lms_id
    assert subs["student04"].files["activations.py"] == ACT.encode()  # BOM gone
    assert ("venv/", "a virtualenv, not read (2 files)") in subs["student04"].skipped
    assert subs["student04"].set_aside == []  # junk is skipped, not a decision anyone needs to review
    assert subs["cdoe"].skipped == [("Week2_cdoe_attempt_2026-01-02-09-00-00.txt",
                                     "the LMS's receipt, not the learner's file")]
    assert subs["student04"].ignored == ["data/train.csv"]
    assert ("Desktop/my-course/.ipynb_checkpoints/", "Jupyter's autosave copies, not read (1 file)") in \
        subs["student03"].skipped
    assert subs["stubby"].untouched == ["activations.py"]
    assert subs["99999"].missing and subs["99999"].files == {}
    assert subs["99999"].original_name == "Nobody Ned"  # the roster's name beside its id
    assert found.not_on_roster == sorted(["Ida_Rue_S111", "José", "cdoe", "empty_one", "exported", "heavy",
                                          "student03", "student04", "student07", "stubby"])


def test_intake_is_deterministic(downloads, course):
    def run():
        found = discover([downloads / i for i in INPUTS], course=course, quizzes=QUIZZES)
        return [(s.id, s.digest, s.graded, s.set_aside, s.skipped, s.notes) for s in found.submissions], found.set_aside
    assert run() == run()


def test_a_blackboard_file_named_after_a_classmates_attempt_stays_its_authors(course, tmp_path):
    # The file part of a Blackboard name is what the learner called the file: it can't pass as bob's newest attempt.
    write_zip(tmp_path / "bb.zip", {
        "Week2_bob_attempt_2026-01-02-09-00-00_activations.py": ACT,
        "Week2_mallory_attempt_2026-01-02-10-00-00_x_bob_attempt_2099-12-31-23-59-59_activations.py": STUB})
    subs = ids(discover([tmp_path / "bb.zip"], course=course, quizzes=QUIZZES))
    assert sorted(subs) == ["bob", "mallory"]
    assert subs["bob"].attempt == "2026-01-02-09-00-00" and subs["bob"].files["activations.py"] == ACT.encode()
    assert subs["mallory"].attempt == "2026-01-02-10-00-00"


def test_the_attempt_rule_and_an_instructors_pattern(downloads, course, tmp_path):
    oldest = ids(discover([downloads / "blackboard.zip", downloads / "canvas.zip"], course=course, quizzes=QUIZZES,
                          attempt="oldest"))
    assert oldest["cdoe"].attempt == "2026-01-01-10-00-00" and oldest["cdoe"].files["activations.py"] == BUGGY.encode()
    lee = oldest["leeann_12345"]
    assert lee.graded == {"activations.py": "leeann_12345_67890_activations.py"} and lee.attempt == ""
    assert "leeann_12345_67890_activations-1.py (a newer copy of activations.py" in " ".join(lee.notes)
    write_zip(tmp_path / "hw.zip", {"hw2-alice-v1-activations.py": STUB, "hw2-alice-v3-activations.py": ACT,
                                    "hw2-bob-v1-activations.py": BUGGY})
    found = discover([tmp_path / "hw.zip"], course=course, quizzes=QUIZZES,
                     pattern=r"hw2-(?P<id>[a-z]+)-v(?P<attempt>\d+)-(?P<file>.+)")
    subs = ids(found)
    assert sorted(subs) == ["alice", "bob"] and found.layout == "custom"
    assert subs["alice"].attempt == "3" and subs["alice"].files["activations.py"] == ACT.encode()
    assert ("hw.zip", ) not in found.set_aside and any("attempt 1" in why for _, why in found.set_aside)
    with pytest.raises(LearnnnError, match=r"capture the learner's id"):
        discover([tmp_path / "hw.zip"], course=course, quizzes=QUIZZES, pattern=r"hw2-(\w+)")


def test_the_same_download_unzipped_reads_the_same(downloads, course, tmp_path):
    with zipfile.ZipFile(downloads / "canvas.zip") as zf:
        zf.extractall(tmp_path / "canvas")
    write_zip(tmp_path / "canvas" / "kimjo_34567_89012_lab.zip", {"lab/Activations.py": ACT})  # uploaded a zip
    zipped = ids(discover([downloads / "canvas.zip"], course=course, quizzes=QUIZZES))
    unzipped = ids(discover([tmp_path / "canvas"], course=course, quizzes=QUIZZES))
    assert sorted(unzipped) == sorted([*zipped, "kimjo_34567"])
    for ident, sub in zipped.items():
        assert (unzipped[ident].graded, unzipped[ident].digest) == (sub.graded, sub.digest)
    assert unzipped["kimjo_34567"].graded == {"activations.py": "kimjo_34567_89012_lab.zip/lab/Activations.py"}


def test_decomposed_and_composed_names_are_one_learner(tmp_path, course):
    put(tmp_path / "a", {unicodedata.normalize("NFD", "Zoë/activations.py"): STUB})
    write_zip(tmp_path / "b.zip", {unicodedata.normalize("NFC", "Zoë/activations.py"): ACT})
    found = discover([tmp_path / "a", tmp_path / "b.zip"], course=course, quizzes=QUIZZES)
    (zoe,) = found.submissions
    assert zoe.id == "Zoë" and zoe.files["activations.py"] == ACT.encode()
    assert found.set_aside == [("a/Zoë", "a copy of Zoë's work: the newest, b.zip/Zoë, was graded")]


def test_moodle_without_folders_and_a_forced_layout(tmp_path, course):
    write_zip(tmp_path / "moodle.zip", {"Ann Lee_1_assignsubmission_file_Activations.py": ACT,
                                        "Ann Lee_1_assignsubmission_file_02-activations.yaml": "q: 1",
                                        "Bo Ng_2_assignsubmission_onlinetext_onlinetext.html": "<p>hi</p>"})
    found = discover([tmp_path / "moodle.zip"], course=course, quizzes=QUIZZES)
    subs = ids(found)
    assert found.layout == "moodle" and sorted(subs) == ["Ann_Lee_1", "Bo_Ng_2"]
    assert sorted(subs["Ann_Lee_1"].files) == ["activations.py", "answers/02-activations.yaml"]
    assert subs["Bo_Ng_2"].files == {} and subs["Bo_Ng_2"].ignored == [
        "Bo Ng_2_assignsubmission_onlinetext_onlinetext.html"]
    forced = discover([tmp_path / "moodle.zip"], course=course, quizzes=QUIZZES, lms="canvas")
    assert forced.submissions == [] and len(forced.set_aside) == 3
    assert all("does not match the canvas pattern" in why for _, why in forced.set_aside)


def test_a_gradescope_group_submission_is_a_row_per_submitter(tmp_path, course):
    put(tmp_path / "gs", {
        "submission_metadata.yml": (":submission_7:\n  :submitters:\n  - :name: Al Bo\n    :sid: A1\n"
                                    "  - :name: Cy Do\n    :email: cy@example.edu\n"),
        "submission_7/activations.py": ACT})
    subs = ids(discover([tmp_path / "gs"], course=course, quizzes=QUIZZES))
    assert sorted(subs) == ["Al_Bo_A1", "Cy_Do_cy@example.edu"]
    assert subs["Al_Bo_A1"].digest == subs["Cy_Do_cy@example.edu"].digest


def test_a_wrapped_class_and_a_class_zip_holding_one_learner(tmp_path, course):
    write_zip(tmp_path / "week3.zip", {"week3/ann/Activations.py": ACT, "week3/ben/": "", "__MACOSX/week3/._ann": "x"})
    assert sorted(ids(discover([tmp_path / "week3.zip"], course=course, quizzes=QUIZZES))) == ["ann", "ben"]
    write_zip(tmp_path / "class.zip", {"carol/work/activations.py": ACT})
    (carol,) = discover([tmp_path / "class.zip"], course=course, quizzes=QUIZZES).submissions
    assert carol.id == "carol" and carol.graded == {"activations.py": "work/activations.py"}
    put(tmp_path / "one", {"answers/02-activations.yaml": right_answers("02-activations"),
                           "notes_2024_01_todo.txt": "a name Canvas's pattern would match"})
    (one,) = discover([tmp_path / "one"], course=course, quizzes=QUIZZES).submissions
    assert one.id == "one" and sorted(one.files) == ["answers/02-activations.yaml"]


def test_of_several_copies_of_a_module_one_is_graded_by_the_rule_and_the_rest_named(tmp_path, course):
    put(tmp_path / "cls" / "dan", {"activations.py": STUB, "work/activations.py": ACT,
                                   "work/answers/02-activations.yaml": "x: 1", "old/Activations.ipynb": notebook()})
    put(tmp_path / "cls" / "eve", {"x": ""})
    dan = ids(discover([tmp_path / "cls"], course=course, quizzes=QUIZZES))["dan"]
    assert dan.graded == {"activations.py": "activations.py", "answers/02-activations.yaml":
                          "work/answers/02-activations.yaml"}  # one module per folder: the shallowest
    assert ("work/activations.py", "another copy of activations.py: activations.py was graded") in dan.set_aside


def test_a_learner_folder_that_is_itself_a_virtualenv(tmp_path, course):
    put(tmp_path / "kai", {"pyvenv.cfg": "home = /usr/bin", "bin/python3": "", "lib/python3/site-packages/x.py": "",
                           "Activations.py": ACT})
    (kai,) = discover([tmp_path / "kai"], course=course, quizzes=QUIZZES).submissions
    assert kai.graded == {"activations.py": "Activations.py"}
    assert {"bin/", "lib/", "pyvenv.cfg"} <= {rel for rel, _ in kai.skipped} and kai.ignored == []


def test_links_are_followed_nowhere(tmp_path, course):
    put(tmp_path / "cls" / "fay", {"activations.py": ACT})
    put(tmp_path / "cls" / "gus", {"activations.py": ACT})
    (tmp_path / "cls" / "fay" / "data").symlink_to("/etc")
    (tmp_path / "cls" / "gus" / "activations.py").unlink()
    (tmp_path / "cls" / "gus" / "activations.py").symlink_to(manifest.data_dir("solutions") / "activations.py")
    subs = ids(discover([tmp_path / "cls"], course=course, quizzes=QUIZZES))
    assert subs["fay"].files and ("data", "a symbolic link: not followed") in subs["fay"].set_aside
    assert "symbolic link" in subs["gus"].problem and subs["gus"].files == {}


def test_unreadable_files_are_set_aside_by_name(tmp_path, course):
    put(tmp_path / "cls" / "hal", {"activations.ipynb": "not json", "answers/02-activations.yaml": b"\xff\xfe\xff"})
    put(tmp_path / "cls" / "ivy", {"activations.py": ACT + "#" * (3 * 2**20) + "\n",
                                   "01-intro.yaml": "q: 1"})  # a sheet handed in without its answers/ folder
    subs = ids(discover([tmp_path / "cls"], course=course, quizzes=QUIZZES))
    hal, ivy = subs["hal"], subs["ivy"]
    assert hal.files == {} and not hal.problem
    assert "activations.ipynb (not read: not a notebook nbformat can read" in " ".join(hal.notes)
    assert "answers/02-activations.yaml (not read: not UTF-8 or UTF-16 text)" in " ".join(hal.notes)
    assert sorted(ivy.files) == ["answers/01-intro.yaml"] and not ivy.problem  # the cap is per file read
    assert "activations.py (not read: activations.py is larger than 2 MB)" in " ".join(ivy.notes)


def test_roster_and_option_errors_are_clear(tmp_path, downloads, course_path):
    (tmp_path / "bad.csv").write_text("Name,Email\nX,x@example.edu\n")
    out = tmp_path / "out"
    for args, message in [(["--roster", tmp_path / "bad.csv"], "no column of the roster"),
                          (["--pattern", "("], "--pattern is not a regular expression"),
                          (["--pattern", "(?P<who>.+)"], "must capture the learner's id")]:
        result = grade_cli(course_path, downloads / "plain", "--out", out, *args)
        assert result.exit_code == 2 and message in result.output, result.output
        assert "Traceback" not in result.output and not out.exists()


# ------------------------------------------------------------------ reading text


def test_text_encodings_and_ipython_lines():
    source = "x = 'é'\n"
    for data in (source.encode(), codecs.BOM_UTF8 + source.encode(), codecs.BOM_UTF16_LE + source.encode("utf-16-le"),
                 codecs.BOM_UTF16_BE + source.encode("utf-16-be")):
        assert decode(data)[0] == source
    assert decode(b"\xff\xfe\x00")[0] is None and decode("é".encode("latin-1"))[0] is None


def test_a_module_saved_as_windows_1252_is_read_as_such(tmp_path, course):
    put(tmp_path / "cls", {"lou/activations.py": ("# café\n" + ACT).encode("cp1252"),
                           "max/activations.py": ("# -*- coding: latin-1 -*-\n# café\n" + ACT).encode("latin-1")})
    subs = ids(discover([tmp_path / "cls"], course=course, quizzes=QUIZZES))
    assert subs["lou"].files["activations.py"] == ("# café\n" + ACT).encode()
    assert "activations.py is not UTF-8: it was read as Windows-1252" in subs["lou"].notes
    assert subs["max"].files["activations.py"].startswith(b"# -*- coding: latin-1") and not subs["max"].notes
    kept = "text = '''\n%d items\n'''\n"
    assert notebooks.without_ipython(kept) == kept  # it compiles: a % line in a string is the learner's
    assert notebooks.without_ipython("if True:\n    %time f()\n!ls\nx = 1\n") == "if True:\n    pass\npass\nx = 1\n"
    assert notebooks.without_ipython("get_ipython().system('ls')\nx = 1\n") == "pass\nx = 1\n"


def test_a_file_graded_under_another_name_is_said_once_in_the_row_and_once_in_the_feedback(course, tmp_path):
    write_zip(tmp_path / "canvas.zip", {"leeann_12345_67890_activations.py": ACT})
    result = CliRunner().invoke(app, ["--course", str(course.source), "grade", str(tmp_path / "canvas.zip"),
                                      "--out", str(tmp_path / "out"), "--jobs", "1"])
    assert result.exit_code in (0, 1), result.output
    renamed = "leeann_12345_67890_activations.py -> activations.py"
    assert (tmp_path / "out" / "grades.csv").read_text().count(renamed) == 1
    feedback = (tmp_path / "out" / "feedback" / "leeann_12345.md").read_text()
    assert feedback.count(renamed.replace("_", "\\\\_").replace(">", "\\\\>")) + feedback.count(renamed) == 1


def test_a_notebook_learnnn_cant_turn_into_python_is_set_aside_not_the_class(tmp_path, course_path):
    """A lone surrogate (JSON's \\ud800) in a cell, or a cell whose source is a number, once stopped the whole class."""
    put(tmp_path / "cls", {"ann/activations.ipynb": notebook(("code", "NOTE = '\ud800'\n" + ACT)),
                           "bo/activations.ipynb": notebook(("code", 12345)),
                           "cy/activations.py": ACT})
    result = grade_cli(course_path, tmp_path / "cls", "--out", tmp_path / "out", "--no-cache")
    assert result.exit_code == 0, result.output
    rows = {r["id"]: r for r in csv.DictReader(open(tmp_path / "out" / "grades.csv", encoding="utf-8"))}
    assert "code cell 1 holds a lone surrogate" in rows["ann"]["note"]
    assert "code cell 1 has no text as its source" in rows["bo"]["note"]
    assert rows["cy"]["activations"] == "10" and rows["ann"]["activations"] == rows["bo"]["activations"] == "0"


def test_file_names_in_what_grade_prints_carry_no_terminal_escapes(tmp_path, course_path):
    put(tmp_path / "cls", {"ann/activations.py": ACT, "\x1b]0;OWNED\x07\x1b[2Jloose\u202e.py": ACT})
    result = grade_cli(course_path, tmp_path / "cls", "--out", tmp_path / "out", "--no-cache")
    assert result.exit_code == 0 and "set aside: " in result.output and "?]0;OWNED??[2Jloose?.py" in result.output
    assert not any(c in result.output for c in "\x1b\x07\u202e")


def test_a_roster_row_wider_than_its_header(tmp_path, downloads, course_path):
    (tmp_path / "roster.csv").write_text("ID,Name\nleeann_12345,Lee Ann,,\nstudent03,S Three,\n")
    result = grade_cli(course_path, downloads / "plain", "--out", tmp_path / "out", "--roster", tmp_path / "roster.csv")
    assert result.exit_code in (0, 1), result.output  # trailing empty cells, as spreadsheets write them: fine
    (tmp_path / "roster.csv").write_text("ID,Name\nleeann_12345,Lee Ann\nstudent03,Three, S.\n")
    result = grade_cli(course_path, downloads / "plain", "--out", tmp_path / "out2", "--roster", tmp_path / "roster.csv")
    assert result.exit_code == 2 and "line 3 of the roster" in result.output and "quote a cell" in result.output
    assert not (tmp_path / "out2").exists()


def test_a_learner_whose_only_upload_is_a_broken_zip_is_rejected_and_named(tmp_path, course):
    write_zip(tmp_path / "canvas.zip", {"ann_123_456_work.zip": b"PK\x03\x04 not really a zip",
                                        "bo_124_457_activations.py": ACT})
    subs = ids(discover([tmp_path / "canvas.zip"], course=course, quizzes=QUIZZES))
    assert "work.zip is not a readable zip archive" in subs["ann_123"].problem and not subs["bo_124"].problem
