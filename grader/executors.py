"""Where a class is graded: the local pool (the default) or a Dask cluster, named by a scheduler address.

``local:N`` starts a LocalCluster of N single-threaded worker processes on this
machine; ``tcp://HOST:8786`` (or any address Dask's Client takes) joins an
existing cluster. dask[distributed] is an optional extra.
"""
import contextlib
import logging
import re
from dataclasses import dataclass

from .manifest import LearnnnError

INSTALL = 'pip install "learnnn[dask]"'


@dataclass
class Engine:
    """An executor to grade on (None: the local pool) and how to describe it in the summary."""

    executor: object
    description: str
    remote: bool


@contextlib.contextmanager
def engine(scheduler=None, *, jobs=1):
    """The engine for ``scheduler`` (None, ``local:N`` or a Dask scheduler address), closed on exit.

    Raises LearnnnError (exit code 2) when a scheduler is named but distributed is not installed.
    """
    if not scheduler:
        yield Engine(None, f"with {jobs} jobs", remote=False)
        return
    try:
        import distributed
    except ImportError:
        raise LearnnnError(f"--scheduler {scheduler} needs Dask's distributed scheduler: {INSTALL}") from None
    match = re.fullmatch(r"local:(\d+)", scheduler)
    with _quiet():
        with contextlib.ExitStack() as stack:
            if match:
                workers = max(1, int(match[1]))
                cluster = stack.enter_context(distributed.LocalCluster(
                    n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                    host="127.0.0.1", silence_logs=logging.CRITICAL))
                client = stack.enter_context(distributed.Client(cluster))
                where = f"on a local Dask cluster of {workers} workers"
            else:
                try:
                    client = stack.enter_context(distributed.Client(scheduler, timeout="30s"))
                except (OSError, TimeoutError, ValueError) as exc:
                    raise LearnnnError(f"can't reach the Dask scheduler at {scheduler}: {exc}") from None
                where = f"on the Dask cluster at {scheduler} ({len(client.scheduler_info()['workers'])} workers)"
            yield Engine(client.get_executor(pure=False), where, remote=True)


@contextlib.contextmanager
def _quiet():
    """A dying worker is expected (its tasks are retried): its log lines would only alarm the instructor."""
    loggers = [logging.getLogger(name) for name in ("distributed", "tornado")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)
