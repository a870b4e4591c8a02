"""Where tasks run: in this process, in local worker processes, or on a Dask cluster.

``Executor(workers=0 or 1)`` runs tasks one after the other in this process.
``workers=N`` (N ≥ 2) uses N processes in all: this one and N − 1 spawned worker processes
(:class:`concurrent.futures.ProcessPoolExecutor`). The workers are kept busy and this
process takes the next task itself whenever it is free, so N processes simulate on N cores
and none waits idle (a task only returns summary rows; each worker loads the shipped
network once). ``scheduler="tcp://HOST:PORT"`` connects a Dask client to a running cluster
and leaves the cluster as it was; this process then only collects. Results come back as
they complete; the callers put them in task order before using them, so neither the number
of workers nor where a task ran ever changes a result.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures import Future as LocalFuture
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from corridorsim.errors import CorridorSimError
from corridorsim.experiments.tasks import error_record
from corridorsim.processes import spawn_pool, stop_pool

if TYPE_CHECKING:
    from distributed import Client, Future

    from corridorsim.network import Network

__all__ = ["Executor", "ExperimentError", "TaskProgress"]

TaskFn = Callable[[dict[str, Any]], dict[str, Any]]


class ExperimentError(CorridorSimError, RuntimeError):
    """Experiments cannot run as asked (Dask missing, scheduler unreachable, ...)."""


class Executor:
    """A context manager that runs picklable task functions; see the module docstring."""

    def __init__(self, *, workers: int = 0, scheduler: str | None = None,
                 connect_timeout_s: float = 30.0) -> None:
        if workers and scheduler:
            raise ExperimentError("give either --workers (local processes) or --scheduler "
                                  "(an existing Dask cluster), not both")
        self.workers = int(workers or 0)
        self.scheduler = scheduler
        self.timeout = connect_timeout_s
        self.client: Client | None = None
        self.pool: ProcessPoolExecutor | None = None

    @property
    def distributed(self) -> bool:
        """Tasks run on a Dask cluster (this process only collects their results)."""
        return self.client is not None

    @property
    def description(self) -> str:
        if self.scheduler:
            return f"Dask cluster at {self.scheduler}"
        if self.workers >= 2:
            return f"{self.workers} local processes"
        return "in-process"

    def __enter__(self) -> Executor:
        if self.scheduler:
            try:
                from distributed import Client
            except ImportError as exc:
                raise ExperimentError(
                    "--scheduler needs dask.distributed: "
                    "pip install 'corridorsim[distributed]'") from exc
            try:
                self.client = Client(  # type: ignore[no-untyped-call]  # dask: no annotations
                    self.scheduler, timeout=self.timeout, set_as_default=False)
            except (OSError, TimeoutError, ValueError) as exc:
                raise ExperimentError(
                    f"cannot reach the Dask scheduler at {self.scheduler}: {exc}") from exc
        elif self.workers >= 2:
            self.pool = spawn_pool(self.workers - 1)
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        if self.client is not None:
            with contextlib.suppress(Exception):
                self.client.close()  # type: ignore[no-untyped-call]  # dask: no annotations
        if self.pool is not None:  # on Ctrl-C or an error, stop the workers now
            stop_pool(self.pool, now=exc_type is not None)
        self.client = self.pool = None

    def submit(self, fn: TaskFn, payloads: Sequence[dict[str, Any]], *,
               here: Network | None = None) -> Batch:
        """Start ``fn`` on every payload (on Dask and on the local workers at once; here,
        as this process gets free). ``here`` is the network a payload without one uses
        when it runs in this process (the others load the shipped network once each)."""
        return Batch(self, fn, list(payloads), here)


class Batch:
    """Submitted tasks; iterate :meth:`as_completed` for ``(index, result)`` pairs."""

    def __init__(self, ex: Executor, fn: TaskFn, payloads: list[dict[str, Any]],
                 here: Network | None = None) -> None:
        self.ex, self.fn, self.payloads, self.here = ex, fn, payloads, here
        self.futures: list[Future[dict[str, Any]]] = []
        self._running: dict[LocalFuture[dict[str, Any]], int] = {}
        self._next = 0  # the first payload nobody has taken yet
        self._pool_lost = False
        if ex.client is not None and payloads:
            self.futures = ex.client.map(fn, payloads, pure=False)
        self._top_up()

    def __len__(self) -> int:
        return len(self.payloads)

    def _top_up(self) -> None:
        """Keep every local worker busy (one task each, so this process takes the rest);
        if the workers are gone (one was killed: BrokenProcessPool), this process takes
        every task left."""
        pool = None if self._pool_lost else self.ex.pool
        while pool is not None and self._next < len(self.payloads) \
                and len(self._running) < self.ex.workers - 1:
            try:
                fut = pool.submit(self.fn, self.payloads[self._next])
            except Exception:
                self._pool_lost = True
                return
            self._running[fut] = self._next
            self._next += 1

    def _run_here(self, i: int) -> dict[str, Any]:
        p = self.payloads[i]
        if p.get("network") is None and self.here is not None:
            p = {**p, "network": self.here}
        try:
            return self.fn(p)
        except Exception as exc:
            return error_record(p, exc)

    def as_completed(self, then: Callable[[], object] | None = None
                     ) -> Iterator[tuple[int, dict[str, Any]]]:
        """``(index, result)`` as tasks finish. ``then`` runs once in this process as soon
        as it has no task left to take (at once on Dask, after the queue on local
        workers, while their last tasks finish); its exceptions propagate."""
        if self.ex.client is not None:
            if then is not None:
                then()
            yield from self._dask_completed()
            return
        while self._next < len(self.payloads) or self._running or then is not None:
            for fut in [f for f in self._running if f.done()]:
                i = self._running.pop(fut)
                yield i, self._local_result(fut, i)
            self._top_up()
            if self._next < len(self.payloads):  # this process takes the next task itself
                self._next += 1
                yield self._next - 1, self._run_here(self._next - 1)
            elif then is not None:
                job: Callable[[], object] = then
                then = None
                job()
            elif self._running:
                wait(self._running, return_when=FIRST_COMPLETED)

    def _local_result(self, fut: LocalFuture[dict[str, Any]], i: int) -> dict[str, Any]:
        try:
            return fut.result()
        except Exception as exc:  # a worker died (BrokenProcessPool) or pickling failed
            return error_record(self.payloads[i], exc)

    def _dask_completed(self) -> Iterator[tuple[int, dict[str, Any]]]:
        from distributed import as_completed

        index = {f.key: i for i, f in enumerate(self.futures)}
        # dask: as_completed has no annotations
        for fut in as_completed(self.futures, loop=self.ex.client.loop):  # type: ignore[no-untyped-call,union-attr]
            i = index[fut.key]
            try:
                result = fut.result()
            except Exception as exc:
                result = error_record(self.payloads[i], exc)
            fut.release()
            yield i, result

    def summary_rows(self, bar: TaskProgress, offset: int = 0,
                     then: Callable[[], object] | None = None
                     ) -> tuple[dict[int, list[dict[str, Any]]], list[str]]:
        """Every task's summary rows by ``offset + index`` (as plain JSON values), and the
        failures' messages; the progress bar advances per task; ``then`` as in
        :meth:`as_completed`; on any exception (Ctrl-C) the remaining tasks are cancelled."""
        rows: dict[int, list[dict[str, Any]]] = {}
        errors: list[str] = []
        try:
            for i, res in self.as_completed(then):
                bar.advance()
                if res["ok"]:
                    rows[offset + i] = json.loads(json.dumps(res["rows"]))
                else:
                    errors.append(f"{res['label']}: {res['error']}")
                    bar.log(f"failed: {res['label']}: {res['error']}")
        except BaseException:
            self.cancel()
            raise
        return rows, errors

    def cancel(self) -> None:
        """Cancel what has not finished (the local workers are stopped when the executor
        exits on the exception that called this)."""
        self._next = len(self.payloads)
        for fut in self._running:
            fut.cancel()
        if self.futures and self.ex.client is not None:
            with contextlib.suppress(Exception):
                self.ex.client.cancel(self.futures)  # type: ignore[no-untyped-call]  # dask


class TaskProgress:
    """A rich progress bar over tasks on stderr (silent when ``enabled`` is false)."""

    def __init__(self, total: int, label: str, *, enabled: bool = True,
                 console: Console | None = None) -> None:
        self.enabled = enabled and total > 0
        self._bar: Progress | None = None
        if self.enabled:
            self._bar = Progress(TextColumn("{task.description}"), BarColumn(),
                                 MofNCompleteColumn(), TimeElapsedColumn(),
                                 console=console or Console(stderr=True), transient=True)
            self._task = self._bar.add_task(label, total=total)

    def __enter__(self) -> TaskProgress:
        if self._bar is not None:
            self._bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()

    def advance(self, n: int = 1) -> None:
        if self._bar is not None:
            self._bar.advance(self._task, n)

    def log(self, message: str) -> None:
        if self._bar is not None:
            self._bar.console.print(message, markup=False, highlight=False)
