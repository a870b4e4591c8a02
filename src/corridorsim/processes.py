"""Local worker processes: started clean (spawn), stopped at once when asked.

Used by ``--workers`` (:mod:`corridorsim.experiments.executor`) and by the report's chart
renderer (:mod:`corridorsim.viz.render`). Workers ignore Ctrl-C: the process that started
them catches it and stops them, so the terminal shows one message, not one traceback per
worker.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import signal
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor

__all__ = ["spawn_pool", "stop_pool"]


def _worker_start(then: Callable[[], None] | None) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if then is not None:
        then()


def spawn_pool(workers: int, warm: Callable[[], None] | None = None) -> ProcessPoolExecutor:
    """``workers`` spawned processes (fork would copy this process's threads and memory,
    which copy-on-write then duplicates page by page); each runs ``warm`` (a module-level
    function: imports, caches) when it starts."""
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_worker_start, initargs=(warm,))


def stop_pool(pool: ProcessPoolExecutor, *, now: bool) -> None:
    """Shut ``pool`` down: after its tasks, or (``now``: Ctrl-C, an error) cancelling them
    and terminating the workers mid-task."""
    if now:
        # ProcessPoolExecutor has no public way to stop a running task before Python 3.14
        procs = list((getattr(pool, "_processes", None) or {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for proc in procs:
            with contextlib.suppress(Exception):
                proc.terminate()
                proc.join(5.0)
    pool.shutdown(wait=True, cancel_futures=True)
