"""The one error the CLI turns into a message and an exit code instead of a traceback."""


class LearnnnError(Exception):
    """A problem the user can fix; the CLI prints it and exits with ``exit_code``."""

    exit_code = 2
