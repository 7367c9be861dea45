"""The command line: a thin click layer over functions that return plain results.

Only this package prints and chooses exit codes: 0 success, 1 a failing check
or quiz, 2 a usage error (unknown exercise, missing workspace, broken manifest).
"""
import importlib
import os
import sys
import traceback
from pathlib import Path

import click

from .. import __version__, manifest, progress, workspace
from ..manifest import LearnnnError

# Which module defines each command: a command's module is imported only when it runs (or for --help),
# so `learnnn check` doesn't pay for importing the grading, quiz and plotting machinery.
COMMANDS = {**dict.fromkeys(["init", "list", "next", "lesson", "check", "hint", "reset", "progress"], "learn"),
            "quiz": "quizzes", "grade": "grade", "gradescope": "gradescope",
            **dict.fromkeys(["watch", "solution", "submit", "doctor", "plot"], "tools")}


def echo(text="", err=False):
    click.echo(text, err=err, color=False if os.environ.get("NO_COLOR") else None)


def error(text):
    echo(click.style(f"error: {text}".replace("`", ""), fg="red"), err=True)  # Markdown's code marks


class Group(click.Group):
    """Turns a LearnnnError into a message and an exit code, never a traceback; lists each command
    with its whole first paragraph, wrapped, where click would cut it at the terminal's edge."""

    group_class = type  # subgroups (`learnnn plot`) list their commands the same way

    def get_command(self, ctx, name):
        if name not in self.commands and name in COMMANDS:
            importlib.import_module(f"{__name__}.{COMMANDS[name]}")  # registers its commands on `app`
        return super().get_command(ctx, name)

    def list_commands(self, ctx):
        for module in sorted(set(COMMANDS.values())):
            importlib.import_module(f"{__name__}.{module}")
        return super().list_commands(ctx)

    def format_commands(self, ctx, formatter):
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                text = command.short_help or (command.help or "").split("\n\n")[0]
                rows.append((name, " ".join(text.split())))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except LearnnnError as exc:
            error(str(exc))
            ctx.exit(exc.exit_code)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except BrokenPipeError:  # output piped into `head` and closed early
            sys.stdout = open(os.devnull, "w")
            ctx.exit(0)
        except KeyboardInterrupt:
            echo("\ninterrupted", err=True)
            ctx.exit(130)
        except Exception as exc:  # a bug in learnnn itself: say so plainly
            if os.environ.get("LEARNNN_DEBUG"):
                raise
            error(f"learnnn hit an internal error ({type(exc).__name__}: {exc}). "
                  "Please report it; LEARNNN_DEBUG=1 shows the traceback.")
            ctx.exit(3)


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="learnnn")
@click.option("--course", "course_file", envvar="LEARNNN_COURSE", hidden=True, type=click.Path(dir_okay=False),
              help="Use another course manifest (for course authors).")
@click.pass_context
def app(ctx, course_file):
    """learnnn: learn neural networks from scratch, one graded exercise at a time.

    Start with `learnnn init` and `learnnn next`.
    """
    ctx.obj = {"course_file": course_file}


def load_course():
    ctx = click.get_current_context()
    if "course" not in ctx.obj:
        path = (ctx.obj or {}).get("course_file")
        ctx.obj["course"] = manifest.load(path) if path else manifest.load()
    return ctx.obj["course"]


def workspace_option(func):
    return click.option("--workspace", "-w", "workspace_dir", type=click.Path(file_okay=False, path_type=Path),
                        help="The workspace folder (default: this folder or the nearest parent holding one).")(func)


def open_workspace(workspace_dir):
    """(course, workspace, progress); reports a progress file that had to be rebuilt."""
    course = load_course()
    ws = workspace.find(course, workspace_dir)
    state = progress.load(ws)
    if state.problem:
        echo(click.style(f"note: {state.problem}", fg="yellow"), err=True)
        progress.save(ws, state)
    return course, ws, state


def main():
    try:
        app(prog_name="learnnn")
    except Exception:  # click handles its own; this is the last guard
        traceback.print_exc() if os.environ.get("LEARNNN_DEBUG") else error("learnnn failed unexpectedly")
        sys.exit(3)
