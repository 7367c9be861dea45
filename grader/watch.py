"""`learnnn watch`: re-check the current exercise every time its file is saved.

Changes are noticed through file events when the optional ``watchdog`` package
is installed, and by polling the files' contents every ``POLL_SECONDS``
otherwise (and always as a fallback: some editors and network or container
file systems send no events). Keys are read one at a time from a terminal in
cbreak mode; from a pipe they are read as they come, and its end quits.

This module decides what happens; the CLI draws each :class:`Screen`.
"""
import contextlib
import hashlib
import os
import select
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import progress
from .check import check_workspace

POLL_SECONDS = 0.5
SETTLE_SECONDS = 0.1  # a save must stop changing the file for this long before it is checked
KEYS = {"h": "hint", "n": "next", "l": "list", "r": "recheck", "q": "quit", "\x04": "quit"}  # \x04: Ctrl-D


@dataclass
class Screen:
    """What to show after an action; the CLI clears the terminal and draws it."""

    exercise: str
    file: Path
    result: object = None  # the last CheckResult of this exercise
    done: int = 0  # steps done in the whole course
    total: int = 0
    following: str = ""  # the exercise `n` moves to ("" when every exercise passes)
    plot: Path = None  # training curves saved by the check
    hint: tuple = ()  # (number, count, text) after `h`
    listing: list = field(default_factory=list)  # (name, title, passed, current) after `l`
    notes: list = field(default_factory=list)  # one-line messages, e.g. that the exercise changed
    stub: Path = None  # the exercise's starting file: its function names group the failures


# ---------------------------------------------------------------- choosing exercises


def first_unpassed(course, state, ws=None):
    """The current exercise: the first whose last check failed, or whose file changed since it passed."""
    return next((n for n in course.exercises if not state.passes(n, ws)), None)


def following_exercise(course, state, current, ws=None):
    """The next exercise after ``current`` that does not pass yet, wrapping around; None when all pass."""
    names = list(course.exercises)
    start = names.index(current) + 1
    for name in names[start:] + names[:start]:
        if name != current and not state.passes(name, ws):
            return name
    return None


# ---------------------------------------------------------------- the session


class Session:
    """The exercise being watched, and what each key does to it."""

    def __init__(self, *, course, ws, exercise, auto_advance=False, on_check=None, on_test=None):
        self.course, self.ws, self.auto_advance = course, ws, auto_advance
        self.on_check = on_check  # called with the exercise's name as a check starts (checks can take a while)
        self.on_test = on_test  # called with (number, count, test name) as each test starts
        self.exercise = course.exercise(exercise)
        self.result = None
        self.plot = None
        self.seen = ()  # the watched files' signature as the last check began

    def files(self):
        """The files whose saving triggers a check: the exercise's, and the learner's earlier
        modules when the exercise runs on them (own_stack)."""
        names = [n for n in self.exercise.earlier if self.exercise.own_stack] + [self.exercise.name]
        return [self.ws.root / f"{n}.py" for n in names]

    def _state(self, notes):
        state = progress.load(self.ws)  # re-read each time: `learnnn check` may run beside watch
        if state.problem:
            notes.append(state.problem)
            progress.save(self.ws, state)
        return state

    def screen(self, state, **extra):
        steps = self.course.steps
        return Screen(self.exercise.name, self.ws.module(self.exercise), self.result,
                      sum(state.done(s) for s in steps), len(steps),
                      following_exercise(self.course, state, self.exercise.name, self.ws) or "", self.plot,
                      stub=self.exercise.stub, **extra)

    def check(self):
        notes = []
        if self.on_check:
            self.on_check(self.exercise.name)
        self.seen = signature(self.files())  # a save during the check is then noticed after it
        follow = TestProgress(self.on_test)
        with _passing_on_ctrl_c():
            checked = check_workspace(course=self.course, ws=self.ws, exercises=[self.exercise.name],
                                      plugins=[follow])
        if follow.stopped:
            notes.append(f"Stopped at the first call that timed out ({follow.stopped}); the tests after it "
                         "did not run. Fix that one and save.")
        if checked.problem:
            notes.append(checked.problem)
        state, result = checked.state, checked.results[0]
        self.result, self.plot = result, checked.plots.get(result.exercise)
        if self.plot is None and self.ws.managed and (result.artifacts or {}).get("history"):
            from .drawing import missing

            if missing():
                notes.append(f"Your loss and accuracy curves were not drawn: {missing()}.")
        if result.passed and self.auto_advance:
            following = following_exercise(self.course, state, self.exercise.name, self.ws)
            if following:
                notes.append(f"{self.exercise.name} passes: moved on to {following}.")
                return self.switch(following, notes)
            notes.append("Every exercise passes!")
        return self.screen(state, notes=notes)

    def switch(self, name, notes=()):
        self.exercise, self.result, self.plot = self.course.exercise(name), None, None
        screen = self.check()
        screen.notes[:0] = notes
        return screen

    def next(self):
        notes = []
        following = following_exercise(self.course, self._state(notes), self.exercise.name, self.ws)
        if following is None:
            notes.append("Every other exercise passes already: there is no next one.")
            return self.screen(self._state(notes), notes=notes)
        return self.switch(following, notes)

    def hint(self):
        notes = []
        state = self._state(notes)
        entry = state.exercise(self.exercise.name)
        hints = self.exercise.hints
        shown = min(max(entry.hints, 0), len(hints) - 1)
        entry.hints = shown + 1
        progress.save(self.ws, state)
        return self.screen(state, hint=(shown + 1, len(hints), hints[shown]), notes=notes)

    def listing(self):
        notes = []
        state = self._state(notes)
        rows = [(e.name, e.title, state.passes(e.name, self.ws), e.name == self.exercise.name)
                for e in self.course.exercises.values()]
        return self.screen(state, listing=rows, notes=notes)


class TestProgress:
    """A pytest plugin for `watch`: names each test as it starts, and stops the check at the first
    call into the learner's code that times out, instead of waiting out every later test's limit too."""

    def __init__(self, on_test=None):
        self.on_test, self.count, self.number, self.stopped = on_test, 0, 0, ""

    def pytest_collection_finish(self, session):
        self.count = len(session.items)

    def pytest_runtest_logstart(self, nodeid, location):
        self.number += 1
        if self.on_test:
            self.on_test(self.number, self.count, nodeid.rpartition("::")[2])

    def pytest_runtest_makereport(self, item, call):
        from .sandbox import LearnerTimeout

        if call.excinfo is not None and isinstance(call.excinfo.value, LearnerTimeout) and not self.stopped:
            self.stopped = item.name.removeprefix("test_")
            item.session.shouldfail = "a call into the learner's code timed out"  # shouldstop reads as Ctrl-C


@contextlib.contextmanager
def _passing_on_ctrl_c():
    """pytest turns a Ctrl-C during a check into a result; make it stop watch all the same."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pressed = []

    def interrupt(*_):
        pressed.append(True)
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if pressed:
        raise KeyboardInterrupt


# ---------------------------------------------------------------- noticing saves


def signature(paths):
    """What changes when any of ``paths`` is saved: mtime, size and content (None for a missing file)."""
    out = []
    for path in paths:
        try:
            stat = os.stat(path)
            with open(path, "rb") as f:
                digest = hashlib.sha1(f.read()).hexdigest()
            out.append((stat.st_mtime_ns, stat.st_size, digest))
        except OSError:
            out.append(None)
    return tuple(out)


class FileWatcher:
    """Reports whether the watched files changed since the last look.

    With watchdog, file events wake the loop at once through a pipe (``fd``);
    either way the files' signature is what decides, so a missed or spurious
    event costs at most one poll interval.
    """

    def __init__(self, *, events=True):
        self.paths, self._last = [], ()
        self.fd = self._write_fd = self._observer = None
        self.mode = "polling"
        if events:
            self._start_events()

    def _start_events(self):
        try:
            from watchdog.events import FileSystemEventHandler
            from watchdog.observers import Observer
        except ImportError:
            return
        watcher = self

        class Handler(FileSystemEventHandler):
            def on_any_event(self, event):
                touched = {Path(os.fsdecode(p)).name for p in (event.src_path, getattr(event, "dest_path", "")) if p}
                if touched & {p.name for p in watcher.paths}:
                    try:
                        os.write(watcher._write_fd, b".")
                    except OSError:  # the pipe is full: a wake-up is already pending
                        pass

        self.fd, self._write_fd = os.pipe()
        os.set_blocking(self._write_fd, False)
        self._handler, self._observer = Handler(), Observer()
        try:
            self._observer.start()
        except Exception:  # e.g. the inotify watch limit is reached: polling still works
            self.close()
            return
        self._scheduled = {}
        self.mode = "file events"

    def watch(self, paths, seen=None):
        """Watch ``paths`` from now on, as they were when their ``signature`` was ``seen`` (default: now)."""
        paths = [Path(p) for p in paths]
        if paths == self.paths and seen is None:
            return
        self.paths = paths
        if self._observer is not None:
            for folder in {p.parent for p in self.paths} - set(self._scheduled):
                try:
                    self._scheduled[folder] = self._observer.schedule(self._handler, str(folder), recursive=False)
                except Exception:
                    pass  # polling covers this folder
        self._last = signature(self.paths) if seen is None else seen

    def changed(self):
        """True when a watched file changed; waits for a save in progress to settle first."""
        if self.fd is not None:
            while select.select([self.fd], [], [], 0)[0]:
                os.read(self.fd, 4096)
        now = signature(self.paths)
        if now == self._last:
            return False
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline:
            time.sleep(SETTLE_SECONDS)
            settled = signature(self.paths)
            if settled == now:
                break
            now = settled
        self._last = now
        return True

    def close(self):
        if self._observer is not None:
            try:
                self._observer.stop()
                self._observer.join(timeout=2)
            except Exception:
                pass
            self._observer = None
        for fd in (self.fd, self._write_fd):
            if fd is not None:
                os.close(fd)
        self.fd = self._write_fd = None
        self.mode = "polling"

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# ---------------------------------------------------------------- reading keys


class Keys:
    """Single keypresses from ``stream``: cbreak mode on a terminal, raw bytes from a pipe,
    a reading thread for streams without a file descriptor. ``read()`` returns "" at the end."""

    def __init__(self, stream):
        self.stream, self.tty, self._saved, self._old_handlers, self._own_fd = stream, False, None, {}, False
        try:
            self.fd = stream.fileno()
        except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation is an OSError
            self.fd, self._own_fd = self._thread_pipe(), True
            return
        self.tty = os.isatty(self.fd)

    def _thread_pipe(self):
        read_fd, write_fd = os.pipe()

        def pump():
            try:
                while True:
                    char = self.stream.read(1)
                    if not char:
                        break
                    os.write(write_fd, char.encode() if isinstance(char, str) else char)
            except (OSError, ValueError):
                pass
            finally:
                os.close(write_fd)

        threading.Thread(target=pump, daemon=True).start()
        return read_fd

    def __enter__(self):
        if self.tty:
            import termios
            import tty
            self._saved = termios.tcgetattr(self.fd)
            tty.setcbreak(self.fd)  # keys arrive one by one, unechoed; Ctrl-C still interrupts
            if threading.current_thread() is threading.main_thread():
                for sig in (signal.SIGTERM, signal.SIGHUP):  # restore the terminal when killed too
                    self._old_handlers[sig] = signal.signal(sig, lambda number, _: sys.exit(128 + number))
        return self

    def __exit__(self, *exc):
        if self._saved is not None:
            import termios
            termios.tcsetattr(self.fd, termios.TCSADRAIN, self._saved)
            self._saved = None
        for sig, handler in self._old_handlers.items():
            signal.signal(sig, handler)
        if self._own_fd:
            os.close(self.fd)
            self._own_fd = False

    def read(self):
        try:
            data = os.read(self.fd, 1024)
        except OSError:
            return ""
        return data.decode("utf-8", errors="ignore") if data else ""


# ---------------------------------------------------------------- the loop


def run(*, session, watcher, keys, show, poll=POLL_SECONDS):
    """Check now, then again on every save, and act on keys until `q` or the end of input.

    Returns why it stopped; Ctrl-C raises KeyboardInterrupt as usual.
    """
    show(session.check())
    watcher.watch(session.files(), seen=session.seen)
    while True:
        fds = [fd for fd in (keys.fd if keys else None, watcher.fd) if fd is not None]
        try:
            ready = select.select(fds, [], [], poll)[0]
        except InterruptedError:
            ready = []
        if keys is not None and keys.fd in ready:
            typed = keys.read()
            if not typed:
                return "end of input"
            for char in typed:
                action = KEYS.get(char)
                if action == "quit":
                    return "quit"
                if action:
                    show({"hint": session.hint, "next": session.next, "list": session.listing,
                          "recheck": session.check}[action]())
                    watcher.watch(session.files(), seen=session.seen)
        if watcher.changed():
            show(session.check())
            watcher.watch(session.files(), seen=session.seen)
