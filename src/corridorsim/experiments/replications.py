"""``run --replications N``: independent replications of one scenario.

Replication r simulates the scenario with :func:`replication_seed` (seed, r); within each
replication every route draws from streams keyed by process name, so routes share common
random numbers. Replication 0 runs in this process with its full tables (they become the
run's consignments, legs, ... tables) once the process has no other task to take (last on
local workers, so it never holds them while simulating others); the others are tasks
returning only summary rows.
``summary.csv`` then holds the mean over replications with ``<kpi>_ci95_low`` and
``<kpi>_ci95_high`` columns, and ``replications.csv`` one row per replication and route
instance (route family, origin and destination).
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from typing import Any

import pandas as pd

from corridorsim.analysis.kpis import INSTANCE_COLUMNS
from corridorsim.errors import InternalError
from corridorsim.experiments.executor import Executor, ExperimentError, TaskProgress
from corridorsim.experiments.stats import aggregate
from corridorsim.experiments.tasks import (
    payload_network,
    replication_seed,
    simulate_task,
    summary_rows,
    task_payload,
)
from corridorsim.network import Network
from corridorsim.result import RunResult
from corridorsim.run import run_scenario, scenario_hash
from corridorsim.scenario.model import Scenario

__all__ = ["replication_table", "run_replications", "with_seed"]


def with_seed(scn: Scenario, seed: int) -> Scenario:
    """``scn`` with seed ``seed`` (the same object when it already has it)."""
    return scn if scn.seed == seed else scn.model_copy(update={"seed": int(seed)})


def replication_table(rows_by_rep: dict[int, list[dict[str, Any]]],
                      seeds: dict[int, int]) -> pd.DataFrame:
    """One row per replication and route instance, ordered by replication (never by
    completion)."""
    records = []
    for r in sorted(rows_by_rep):
        for row in rows_by_rep[r]:
            records.append({"replication": r, "seed": seeds[r], **row})
    return pd.DataFrame.from_records(records)


def throughput(replications: int, wall_s: float, *, local_workers: bool) -> dict[str, Any]:
    """``run.json``'s account of a replication run: its wall time, replications per
    minute and the peak memory of this process and of the largest local worker (each
    holds one replication at a time, so these bound the memory per process whatever N)."""
    out: dict[str, Any] = {"replications_wall_s": round(wall_s, 3),
                           "replications_per_min": round(replications / wall_s * 60.0, 2)}
    if sys.platform != "win32":
        import resource

        kib = 1024.0 if sys.platform != "darwin" else 1024.0 * 1024.0  # ru_maxrss units
        out["peak_rss_mb"] = {"this_process": round(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / kib, 1)}
        if local_workers:  # joined by now, so counted among the children
            out["peak_rss_mb"]["largest_worker"] = round(
                resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / kib, 1)
    return out


def run_replications(scn: Scenario, net: Network | None = None, *, replications: int = 1,
                     workers: int = 0, scheduler: str | None = None, quiet: bool = False,
                     task_fn: Callable[[dict[str, Any]], dict[str, Any]] = simulate_task
                     ) -> RunResult:
    """Simulate ``replications`` independent replications; see the module docstring."""
    if replications < 1:
        raise ExperimentError(f"replications must be >= 1 (found {replications})")
    t0 = time.perf_counter()
    seeds = {r: replication_seed(scn.seed, r) for r in range(replications)}
    payloads = []
    with Executor(workers=workers, scheduler=scheduler) as ex:
        for r in range(1, replications):
            s = with_seed(scn, seeds[r])
            payloads.append(task_payload(s, key=f"{scenario_hash(s)}-{seeds[r]}",
                                         label=f"replication {r} (seed {seeds[r]})",
                                         network=payload_network(net)))
        batch = ex.submit(task_fn, payloads, here=net)
        done: list[RunResult] = []

        def replication_0() -> None:  # whole tables, in this process, once it is free
            done.append(run_scenario(scn, network=net))
            bar.advance()

        with TaskProgress(replications, f"{scn.name}: replications", enabled=not quiet) as bar:
            rows, errors = batch.summary_rows(bar, offset=1, then=replication_0)
        first = done[0]
        rows[0] = json.loads(json.dumps(summary_rows(first)))
    if errors:
        raise InternalError(f"{len(errors)} of {replications} replications failed:\n"
                            + "\n".join(errors))
    per_rep = replication_table(rows, seeds)
    if replications == 1:
        summary = first.summary
    else:
        keys = [c for c in INSTANCE_COLUMNS if c in per_rep.columns]
        summary = aggregate(per_rep.drop(columns=["seed"]), keys, "replication")
    info = dict(first.info)
    info["replications"] = replications
    info["replication_seeds"] = [seeds[r] for r in range(replications)]
    info["aggregation"] = ("summary.csv: mean over replications with 95 % Student-t "
                           "intervals (<kpi>_ci95_low/_high); replications.csv: one row per "
                           "replication and route instance; the other tables are replication 0's")
    info["executor"] = ex.description
    info.update(throughput(replications, time.perf_counter() - t0, local_workers=ex.workers >= 2))
    extra = dict(first.extra_tables)
    extra["replications.csv"] = per_rep
    return first.replace(summary=summary, info=info, extra_tables=extra)
