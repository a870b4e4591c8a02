"""``compare A B --replications N``: two scenarios under common random numbers.

Replication r of *both* scenarios runs with the same seed, :func:`replication_seed` (seed, r)
with the seed of A (or ``--seed``), so that A and B meet the same demand draws, dwell times
and storms wherever their processes coincide; the difference B − A per replication then
carries the effect of the parameters and little noise. Each KPI's paired differences get a
95 % Student-t interval; a difference is *distinguishable from zero* when its interval
excludes zero. The 2N runs are tasks on the :class:`Executor`, put back in (scenario,
replication) order, so the tables never depend on the number of workers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from corridorsim.analysis.kpis import INSTANCE_COLUMNS
from corridorsim.errors import InternalError
from corridorsim.experiments.executor import Executor, ExperimentError, TaskProgress
from corridorsim.experiments.replications import replication_table, with_seed
from corridorsim.experiments.stats import SHARE_KPIS, paired_interval
from corridorsim.experiments.tasks import (
    payload_network,
    replication_seed,
    simulate_task,
    task_payload,
)
from corridorsim.network import Network
from corridorsim.run import scenario_hash
from corridorsim.scenario.model import Scenario

__all__ = ["PAIRED_COLUMNS", "PairedRuns", "paired_differences", "run_paired"]

#: columns of the paired table after the route instance's ``route, origin, destination``
PAIRED_COLUMNS = ["kpi", "a_mean", "b_mean", "diff_mean", "diff_ci95_low", "diff_ci95_high",
                  "diff_sd", "pairs", "distinguishable"]


@dataclass(frozen=True)
class PairedRuns:
    """Summary rows of N replications of A and of B, run with the same seeds."""

    a: Scenario
    b: Scenario
    seeds: list[int]
    rep_a: pd.DataFrame  # one row per replication and route instance (replication, seed, ...)
    rep_b: pd.DataFrame
    executor: str

    @property
    def replications(self) -> int:
        return len(self.seeds)


def _payloads(a: Scenario, b: Scenario, seeds: Sequence[int],
              network: Network | None) -> list[dict[str, Any]]:
    out = []
    for side, scn in (("A", a), ("B", b)):
        for r, seed in enumerate(seeds):
            s = with_seed(scn, seed)
            out.append(task_payload(s, key=f"{scenario_hash(s)}-{seed}", network=network,
                                    label=f"{side} = {scn.name}, replication {r} (seed {seed})"))
    return out


def run_paired(a: Scenario, b: Scenario, net: Network | None = None, *, replications: int,
               seed: int | None = None, workers: int = 0, scheduler: str | None = None,
               quiet: bool = False,
               task_fn: Callable[[dict[str, Any]], dict[str, Any]] = simulate_task
               ) -> PairedRuns:
    """Run A and B ``replications`` times each with common seeds; see the module docstring."""
    if replications < 2:
        raise ExperimentError(f"a paired 95 % interval needs --replications of at least 2 "
                              f"(found {replications})")
    base = a.seed if seed is None else int(seed)
    seeds = [replication_seed(base, r) for r in range(replications)]
    with Executor(workers=workers, scheduler=scheduler) as ex:
        batch = ex.submit(task_fn, _payloads(a, b, seeds, payload_network(net)), here=net)
        with TaskProgress(len(batch), f"{a.name} vs {b.name}", enabled=not quiet) as bar:
            rows, errors = batch.summary_rows(bar)
    if errors:
        raise InternalError(f"{len(errors)} of {2 * replications} runs failed; the first: "
                            f"{errors[0]}")
    n = replications
    by_seed = dict(enumerate(seeds))
    rep_a = replication_table({r: rows[r] for r in range(n)}, by_seed)
    rep_b = replication_table({r: rows[n + r] for r in range(n)}, by_seed)
    return PairedRuns(a, b, seeds, rep_a, rep_b, ex.description)


def _groups(df: pd.DataFrame, keys: Sequence[str]) -> dict[tuple[object, ...], pd.DataFrame]:
    """Rows per route instance, in order of first appearance, indexed by replication."""
    positions: dict[tuple[object, ...], list[int]] = {}
    for pos, key in enumerate(zip(*(df[k] for k in keys), strict=True)):
        positions.setdefault(tuple(key), []).append(pos)
    return {k: df.iloc[p].set_index("replication") for k, p in positions.items()}


def _verdict(flag: bool | None) -> str:
    return "n/a" if flag is None else ("yes" if flag else "no")


def paired_differences(rep_a: pd.DataFrame, rep_b: pd.DataFrame,
                       kpis: Sequence[str]) -> pd.DataFrame:
    """One row per route instance and KPI: A's and B's means, the mean paired difference
    B − A with its 95 % interval, the number of pairs and ``distinguishable`` (yes: the
    interval excludes zero; n/a: fewer than two replications have the KPI in both).
    Intervals of share KPIs are clipped to [-1, 1]."""
    keys = [k for k in INSTANCE_COLUMNS if k in rep_a.columns and k in rep_b.columns]
    ga, gb = _groups(rep_a, keys), _groups(rep_b, keys)
    empty = pd.DataFrame(index=pd.Index([], name="replication"))
    records = []
    for key in [*ga, *(k for k in gb if k not in ga)]:
        a, b = ga.get(key, empty), gb.get(key, empty)
        for kpi in kpis:
            if kpi not in a.columns and kpi not in b.columns:
                continue
            va = a[kpi].astype(float) if kpi in a.columns else pd.Series(dtype=float)
            vb = b[kpi].astype(float) if kpi in b.columns else pd.Series(dtype=float)
            both = pd.concat([va.rename("a"), vb.rename("b")], axis=1).sort_index()
            iv = paired_interval((both["b"] - both["a"]).to_numpy())
            if kpi in SHARE_KPIS:  # a difference of shares lies within [-1, 1]
                iv = iv._replace(low=max(iv.low, -1.0), high=min(iv.high, 1.0))
            records.append({**dict(zip(keys, key, strict=True)), "kpi": kpi,
                            "a_mean": va.mean(), "b_mean": vb.mean(), "diff_mean": iv.mean,
                            "diff_ci95_low": iv.low, "diff_ci95_high": iv.high,
                            "diff_sd": iv.sd, "pairs": iv.pairs,
                            "distinguishable": _verdict(iv.distinguishable)})
    return pd.DataFrame.from_records(records, columns=[*keys, *PAIRED_COLUMNS]).round(6)
