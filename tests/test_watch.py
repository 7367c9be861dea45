"""`learnnn watch`: run in a pseudo-terminal, with the exercise file edited from the test.

Uses a course cut down to its first three lessons (activations and neuron,
whose hidden suites take well under a second), given through LEARNNN_COURSE.
"""
import codecs
import os
import re
import select
import signal
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

from learnnn import progress, watch, workspace
from learnnn.cli import app
from learnnn.manifest import data_dir

from conftest import write_course

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="watch's keys and these tests need POSIX terminals")
TIMEOUT = 15  # seconds for any one expected output: generous, only reached when something is broken


def _events_available():
    with watch.FileWatcher(events=True) as watcher:
        return watcher.mode == "file events"  # watchdog is installed (it is optional)


MODES = ["--poll"] + (["events"] if _events_available() else [])


@pytest.fixture(scope="module")
def course_file(tmp_path_factory):
    return write_course(tmp_path_factory.mktemp("course") / "course.yaml")  # activations and neuron


@pytest.fixture
def ws(tmp_path, course_file):
    root = tmp_path / "ws"
    result = CliRunner().invoke(app, ["init", str(root)], env={"LEARNNN_COURSE": str(course_file)})
    assert result.exit_code == 0, result.output
    return root


def solve(ws, name):
    """Put the reference solution in place, as a learner's save would."""
    (ws / f"{name}.py").write_bytes((data_dir("solutions") / f"{name}.py").read_bytes())


def child_env(course_file):
    env = dict(os.environ, LEARNNN_COURSE=str(course_file), NO_COLOR="1", PYTHONIOENCODING="utf-8",
               PYTHONUNBUFFERED="1")
    env.pop("LEARNNN_DEBUG", None)
    return env


class Terminal:
    """`python -m learnnn ARGS` on a pseudo-terminal: send keys, wait for output."""

    def __init__(self, args, env):
        self.master, slave = os.openpty()
        self.slave = slave
        self.proc = subprocess.Popen([sys.executable, "-m", "learnnn", *args], stdin=slave, stdout=slave,
                                     stderr=slave, env=env, start_new_session=True)
        self.text = ""  # everything read so far, without carriage returns
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")  # a character may span two reads
        self.seen = 0  # where the next expect() starts looking

    def _read(self, deadline):
        while time.monotonic() < deadline:
            ready = select.select([self.master], [], [], max(0.0, deadline - time.monotonic()))[0]
            if not ready:
                return False
            try:
                data = os.read(self.master, 65536)
            except OSError:  # EIO: the child has gone and closed the terminal
                return False
            if not data:
                return False
            self.text += self._decoder.decode(data).replace("\r", "")
            return True
        return False

    def expect(self, pattern, timeout=TIMEOUT):
        deadline = time.monotonic() + timeout
        regex = re.compile(pattern)
        while True:
            found = regex.search(self.text, self.seen)
            if found:
                self.seen = found.end()
                return found
            if not self._read(deadline) and (time.monotonic() >= deadline or self.proc.poll() is not None):
                found = regex.search(self.text, self.seen)
                if found:
                    self.seen = found.end()
                    return found
                raise AssertionError(f"{pattern!r} did not appear within {timeout} s; output so far:\n{self.text}")

    def send(self, keys):
        os.write(self.master, keys.encode())

    def finish(self, timeout=TIMEOUT):
        code = self.proc.wait(timeout=timeout)
        while self._read(time.monotonic() + 0.2):
            pass
        return code

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        for fd in (self.master, self.slave):
            try:
                os.close(fd)
            except OSError:
                pass


@pytest.fixture
def terminal(course_file):
    opened = []

    def start(*args):
        opened.append(Terminal(["watch", *args], child_env(course_file)))
        return opened[-1]

    yield start
    for term in opened:
        term.close()


@pytest.mark.parametrize("mode", MODES)
def test_watch_rechecks_on_save_and_obeys_keys(ws, terminal, mode):
    import termios
    term = terminal("--workspace", str(ws), *([mode] if mode == "--poll" else []))
    term.expect(r"learnnn watch: activations")
    term.expect("polling" if mode == "--poll" else "file events")
    term.expect(r"activations: \d+ of \d+ tests pass")
    term.expect(r"h hint +n next exercise +l list")

    solve(ws, "activations")
    term.expect(r"activations: all \d+ tests pass")
    term.expect(r"activations passes! Press n for the next exercise \(neuron\)")

    term.send("h")
    term.expect(r"Hint 1 of \d+:")
    term.send("l")
    term.expect(r"> \[.\] activations")
    term.expect(r"  \[ \] neuron")
    term.send("n")
    term.expect(r"learnnn watch: neuron")
    term.expect(r"neuron: \d+ of \d+ tests pass")
    term.send("q")
    term.expect(r"Stopped watching \(quit\)")
    assert term.finish() == 0

    attrs = termios.tcgetattr(term.slave)
    assert attrs[3] & termios.ICANON and attrs[3] & termios.ECHO, "the terminal was left in cbreak mode"
    state = progress.load(workspace.Workspace(ws, True))
    assert state.exercises["activations"].passed and state.exercises["activations"].hints == 1
    assert not state.exercises["neuron"].passed


def test_watch_moves_on_by_itself_only_when_asked(ws, terminal):
    solve(ws, "activations")
    plain = terminal("--workspace", str(ws), "--poll", "activations")
    plain.expect(r"activations: all \d+ tests pass")
    plain.send("q")
    assert plain.finish() == 0
    assert "learnnn watch: neuron" not in plain.text

    auto = terminal("--workspace", str(ws), "--poll", "--auto-advance", "activations")
    auto.expect(r"activations passes: moved on to neuron\.")
    auto.expect(r"neuron: \d+ of \d+ tests pass")
    solve(ws, "neuron")
    auto.expect(r"neuron: all \d+ tests pass")
    auto.expect(r"Every exercise passes!")
    auto.send("q")
    assert auto.finish() == 0


def test_ctrl_c_quits_cleanly(ws, terminal):
    term = terminal("--workspace", str(ws), "--poll")
    term.expect(r"activations: \d+ of \d+ tests pass")
    term.expect(r"q quit")
    os.kill(term.proc.pid, signal.SIGINT)
    term.expect(r"Stopped watching \(Ctrl-C\)")
    assert term.finish() == 0


def test_watch_without_a_terminal_rechecks_and_stops_at_end_of_input(ws, course_file):
    proc = subprocess.Popen([sys.executable, "-m", "learnnn", "watch", "--workspace", str(ws), "--poll"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            env=child_env(course_file))
    out = b""

    def wait_for(pattern):
        nonlocal out
        deadline = time.monotonic() + TIMEOUT
        while not re.search(pattern, out.decode(errors="replace")):
            assert time.monotonic() < deadline, f"{pattern!r} not seen in:\n{out.decode(errors='replace')}"
            if select.select([proc.stdout], [], [], 0.2)[0]:
                out += os.read(proc.stdout.fileno(), 65536)

    try:
        wait_for(r"activations: \d+ of \d+ tests pass")
        solve(ws, "activations")
        wait_for(r"activations: all \d+ tests pass")
        proc.stdin.close()
        assert proc.wait(timeout=TIMEOUT) == 0
        out += proc.stdout.read()
        assert "Stopped watching (end of input)" in out.decode()
        assert "\x1b[2J" not in out.decode(), "the screen is cleared only on a terminal"
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        proc.stdout.close()


def test_watch_through_clirunner_reads_keys_from_input(ws, course_file):
    result = CliRunner().invoke(app, ["watch", "--workspace", str(ws), "--poll", "neuron"], input="hlq",
                                env={"LEARNNN_COURSE": str(course_file), "NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    assert "learnnn watch: neuron" in result.output
    assert "Hint 1 of" in result.output and "> [ ] neuron" in result.output
    assert "Stopped watching (quit)" in result.output


def test_watch_when_everything_passes_and_unknown_names(ws, course_file):
    env = {"LEARNNN_COURSE": str(course_file)}
    state = progress.Progress(exercises={n: progress.ExerciseProgress(passed=True) for n in ("activations", "neuron")})
    progress.save(workspace.Workspace(ws, True), state)
    result = CliRunner().invoke(app, ["watch", "--workspace", str(ws)], env=env)
    assert result.exit_code == 0 and "Every exercise passes" in result.output
    result = CliRunner().invoke(app, ["watch", "--workspace", str(ws), "activatoins"], env=env)
    assert result.exit_code == 2 and "Did you mean 'activations'?" in result.output


def test_file_watcher_sees_content_changes_that_keep_size_and_time(tmp_path):
    file = tmp_path / "m.py"
    file.write_text("x = 1\n")
    stat = file.stat()
    with watch.FileWatcher(events=False) as watcher:
        watcher.watch([file])
        assert not watcher.changed()
        file.write_text("x = 2\n")
        os.utime(file, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        assert watcher.changed()
        assert not watcher.changed()
        file.unlink()
        assert watcher.changed()


def test_file_watcher_wakes_on_a_watchdog_event(tmp_path):
    """The watchdog path: a save writes to the watcher's pipe, so watch wakes without waiting out a poll."""
    pytest.importorskip("watchdog")  # in the [test] extra; optional for learners
    file = tmp_path / "m.py"
    file.write_text("x = 1\n")
    with watch.FileWatcher(events=True) as watcher:
        assert watcher.mode == "file events" and watcher.fd is not None
        watcher.watch([file])
        file.write_text("x = 2\n")
        assert select.select([watcher.fd], [], [], TIMEOUT)[0] == [watcher.fd], "no event within the time-out"
        assert watcher.changed()
        assert not watcher.changed()
    assert watcher.mode == "polling" and watcher.fd is None


def test_following_exercise_skips_passed_ones_and_wraps(course_file):
    from learnnn import manifest
    course = manifest.load(course_file)
    state = progress.Progress()
    assert watch.first_unpassed(course, state) == "activations"
    assert watch.following_exercise(course, state, "activations") == "neuron"
    assert watch.following_exercise(course, state, "neuron") == "activations"
    state.exercise("activations").passed = True
    assert watch.following_exercise(course, state, "neuron") is None
    assert watch.first_unpassed(course, state) == "neuron"


def test_ctrl_c_during_a_check_stops_watch_even_though_pytest_catches_it(ws, course_file, monkeypatch):
    from learnnn import manifest
    from learnnn.results import CheckResult

    def check_like_pytest(**kwargs):  # pytest.main turns a KeyboardInterrupt into an exit code
        try:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(5)
        except KeyboardInterrupt:
            pass
        return [CheckResult(name, error="interrupted") for name in kwargs["exercises"]]

    monkeypatch.setattr("learnnn.check.run_checks", check_like_pytest)
    session = watch.Session(course=manifest.load(course_file), ws=workspace.Workspace(ws, True), exercise="neuron")
    with pytest.raises(KeyboardInterrupt):
        session.check()
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


@pytest.mark.parametrize("managed", [True, False], ids=["workspace", "plain-folder"])
def test_check_and_watch_record_alike_and_never_write_plots_into_a_plain_folder(tmp_path, monkeypatch, course_file,
                                                                                 managed):
    """check_workspace is the one record-plot path of `learnnn check` and `learnnn watch`."""
    from learnnn import check, manifest
    from learnnn.results import CheckResult, TestOutcome

    history = {"loss": [1.0, 0.5, 0.25]}
    monkeypatch.setattr(check, "run_checks", lambda **kw: [CheckResult(
        n, [TestOutcome("test_x", True, "", 1, 1)], artifacts={"history": history}) for n in kw["exercises"]])
    ws = workspace.Workspace(tmp_path, managed)
    session = watch.Session(course=manifest.load(course_file), ws=ws, exercise="neuron")
    session.check()
    assert (session.plot is not None) == managed == (tmp_path / "plots").is_dir()
    assert progress.load(ws).passes("neuron") == managed  # a plain folder keeps no progress either
