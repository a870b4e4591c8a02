"""Where tasks run: in this process, on a local Dask cluster, or on an existing one.

``Executor(workers=0, scheduler=None)`` runs tasks one after the other in-process;
``workers=N`` starts ``LocalCluster(n_workers=N, threads_per_worker=1, processes=True)``
for the duration; ``scheduler="tcp://HOST:PORT"`` connects a client to a running cluster and
leaves the cluster as it was. Results come back as they complete; the callers put them in
task order before using them, so the number of workers never changes a result.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from corridorsim.errors import CorridorSimError
from corridorsim.experiments.tasks import error_record

if TYPE_CHECKING:
    from distributed import Client, Future, LocalCluster

__all__ = ["Executor", "ExperimentError", "TaskProgress"]


class ExperimentError(CorridorSimError, RuntimeError):
    """Experiments cannot run as asked (Dask missing, scheduler unreachable, ...)."""


class Executor:
    """A context manager that runs picklable task functions; see the module docstring."""

    def __init__(self, *, workers: int = 0, scheduler: str | None = None,
                 connect_timeout_s: float = 30.0) -> None:
        if workers and scheduler:
            raise ExperimentError("give either --workers (a local cluster) or --scheduler "
                                  "(an existing cluster), not both")
        self.workers = int(workers or 0)
        self.scheduler = scheduler
        self.timeout = connect_timeout_s
        self.client: Client | None = None
        self._cluster: LocalCluster | None = None

    @property
    def distributed(self) -> bool:
        return self.client is not None

    @property
    def description(self) -> str:
        if self.scheduler:
            return f"Dask cluster at {self.scheduler}"
        if self.workers:
            return f"local Dask cluster of {self.workers} worker(s)"
        return "in-process"

    def __enter__(self) -> Executor:
        if not (self.workers or self.scheduler):
            return self
        try:
            from distributed import Client, LocalCluster
        except ImportError as exc:
            raise ExperimentError(
                "--workers/--scheduler need dask.distributed: "
                "pip install 'corridorsim[distributed]'") from exc
        if self.scheduler:
            try:
                self.client = Client(  # type: ignore[no-untyped-call]  # dask: no annotations
                    self.scheduler, timeout=self.timeout, set_as_default=False)
            except (OSError, TimeoutError, ValueError) as exc:
                raise ExperimentError(
                    f"cannot reach the Dask scheduler at {self.scheduler}: {exc}") from exc
        else:
            # dask: LocalCluster and Client have no annotations
            self._cluster = LocalCluster(  # type: ignore[no-untyped-call]
                n_workers=self.workers, threads_per_worker=1, processes=True,
                dashboard_address=None)
            self.client = Client(self._cluster, set_as_default=False)  # type: ignore[no-untyped-call]
        return self

    def __exit__(self, *exc: object) -> None:
        if self.client is not None:
            with contextlib.suppress(Exception):
                self.client.close()  # type: ignore[no-untyped-call]  # dask: no annotations
        if self._cluster is not None:
            with contextlib.suppress(Exception):
                self._cluster.close()
        self.client = self._cluster = None

    def submit(self, fn: Callable[[dict[str, Any]], dict[str, Any]],
               payloads: Sequence[dict[str, Any]]) -> Batch:
        """Start ``fn`` on every payload (on Dask at once; in-process lazily)."""
        return Batch(self, fn, list(payloads))


class Batch:
    """Submitted tasks; iterate :meth:`as_completed` for ``(index, result)`` pairs."""

    def __init__(self, ex: Executor, fn: Callable[[dict[str, Any]], dict[str, Any]],
                 payloads: list[dict[str, Any]]) -> None:
        self.ex, self.fn, self.payloads = ex, fn, payloads
        self.futures: list[Future[dict[str, Any]]] = []
        if ex.client is not None and payloads:
            self.futures = ex.client.map(fn, payloads, pure=False)

    def __len__(self) -> int:
        return len(self.payloads)

    def as_completed(self) -> Iterator[tuple[int, dict[str, Any]]]:
        if self.ex.client is None:
            for i, p in enumerate(self.payloads):
                try:
                    yield i, self.fn(p)
                except Exception as exc:
                    yield i, error_record(p, exc)
            return
        from distributed import as_completed

        index = {f.key: i for i, f in enumerate(self.futures)}
        # dask: as_completed has no annotations
        for fut in as_completed(self.futures, loop=self.ex.client.loop):  # type: ignore[no-untyped-call]
            i = index[fut.key]
            try:
                result = fut.result()
            except Exception as exc:
                result = error_record(self.payloads[i], exc)
            fut.release()
            yield i, result

    def summary_rows(self, bar: TaskProgress, offset: int = 0
                     ) -> tuple[dict[int, list[dict[str, Any]]], list[str]]:
        """Every task's summary rows by ``offset + index`` (as plain JSON values), and the
        failures' messages; the progress bar advances per task; on any exception (Ctrl-C)
        the remaining tasks are cancelled."""
        rows: dict[int, list[dict[str, Any]]] = {}
        errors: list[str] = []
        try:
            for i, res in self.as_completed():
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
