"""`learnnn gradescope`: run learnnn as a Gradescope autograder."""
from pathlib import Path

import click

from . import app, echo, load_course


@app.group()
def gradescope():
    """Grade on Gradescope: build the autograder bundle, or grade one submission there."""


@gradescope.command()
@click.option("--out", "-o", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for setup.sh, run_autograder, README.txt and autograder.zip.")
@click.option("--install", default=None, metavar="REQUIREMENT|WHEEL",
              help="What setup.sh pip-installs (default: this version of learnnn from PyPI); a .whl is bundled.")
@click.option("--weights", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Points per exercise (as for `learnnn grade --weights`), bundled and used for every submission.")
def autograder(out, install, weights):
    """Write autograder.zip: upload it as the assignment's autograder (Ubuntu base image)."""
    from .. import gradescope as gs, weights as points_of

    course = load_course()
    points = points_of.resolve(course, points_of.read(weights, course) if weights else None)
    zipped = gs.write_bundle(out=out, course=course, points=points, install=install, weights=weights)
    echo(f"Wrote {zipped}: upload it in Gradescope's autograder settings. "
         f"Set the assignment's points to {gs._fmt(gs.total_points(course, points))}.")


@gradescope.command()
@click.argument("submission", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", "-o", "out", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("/autograder/results/results.json"), show_default=True, help="Where results.json goes.")
@click.option("--weights", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Points per exercise over the manifest's (YAML or CSV).")
def results(submission, out, weights):
    """Grade the learner's files in SUBMISSION and write Gradescope's results.json.

    A results.json is written even when grading can't run, saying why; the exit
    status is then 2.
    """
    from .. import gradescope as gs

    result, item = gs.write_results(submission=submission, out=out, weights=weights,
                                    course_file=click.get_current_context().obj.get("course_file"))
    echo(f"{result.total} / {result.max_score} points ({item.status}); wrote {out}")
