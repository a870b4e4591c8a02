"""Running a sweep and writing its tables: ``corridorsim sweep SWEEP.yaml``.

The sweep file and its variants: :mod:`corridorsim.experiments.sweep_model` (the file) and
:mod:`corridorsim.experiments.sweep_spec` (:func:`load_sweep`). Every variant runs with the
same seed(s), so variants share common random numbers. Tasks are (variant, replication) pairs
keyed by the variant scenario's hash and seed in ``<out>/store/``; a rerun computes only the
tasks missing there.
"""

from __future__ import annotations

import itertools
import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from corridorsim._version import __version__
from corridorsim.analysis.kpis import INSTANCE_COLUMNS
from corridorsim.errors import OutputError
from corridorsim.experiments.executor import Executor, TaskProgress
from corridorsim.experiments.stats import aggregate
from corridorsim.experiments.store import ResultStore, task_key
from corridorsim.experiments.sweep_spec import SweepSpec, Variant, load_sweep
from corridorsim.experiments.tasks import (
    payload_network,
    replication_seed,
    simulate_task,
    task_payload,
)
from corridorsim.run import scenario_hash

if TYPE_CHECKING:
    from corridorsim.network import Network

__all__ = ["SweepResult", "SweepSpec", "Variant", "load_sweep", "run_sweep", "write_sweep"]

TaskFn = Callable[[dict[str, Any]], dict[str, Any]]
OnEvent = Callable[[str, dict[str, Any]], None]


@dataclass
class SweepResult:
    spec: SweepSpec
    table: pd.DataFrame                 # one row per variant × route instance (means if replicated)
    replications: pd.DataFrame | None   # one row per variant × replication × route instance
    sensitivity: pd.DataFrame
    errors: list[dict[str, Any]] = field(default_factory=list)
    computed: list[str] = field(default_factory=list)  # store keys simulated by this call
    reused: list[str] = field(default_factory=list)    # store keys found in the store
    executor: str = "in-process"


# ------------------------------------------------------------------------------ running
def _param_cell(v: Any) -> Any:
    return v if v is None or isinstance(v, (bool, int, float, str)) else json.dumps(v)


def run_sweep(spec: SweepSpec, store_dir: Path | str, *, workers: int = 0,
              scheduler: str | None = None, quiet: bool = False, network: Network | None = None,
              task_fn: TaskFn = simulate_task, on_event: OnEvent | None = None) -> SweepResult:
    """Run every (variant, replication) task not already in the store; build the tables.

    ``on_event(kind, info)`` is told ``"computed"``, ``"reused"`` and ``"failed"`` per task.
    """
    from corridorsim.experiments.report import sensitivity

    store = ResultStore(store_dir)
    seeds = [replication_seed(spec.base.seed, r) for r in range(spec.replications)]
    plan = _plan(spec, store, seeds, on_event)
    run = _Run(plan, store, on_event)
    with Executor(workers=workers, scheduler=scheduler) as ex:
        ship = payload_network(network)
        keys = list(plan.todo)
        payloads = [task_payload(plan.todo[k]["scn"], key=k, label=plan.todo[k]["label"],
                                 network=ship) for k in keys]
        batch = ex.submit(task_fn, payloads, here=network)
        with TaskProgress(len(payloads), f"sweep {spec.name}", enabled=not quiet) as bar:
            try:
                for i, res in batch.as_completed():
                    bar.advance()
                    failed = run.finished(keys[i], res)
                    if failed:
                        bar.log(failed)
            except BaseException:
                batch.cancel()
                raise
        executor = ex.description
    run.errors.sort(key=lambda e: (e["variant"], e["replication"]))
    table, per_rep = _tables(spec, plan.jobs, plan.records, seeds)
    return SweepResult(spec, table, per_rep, sensitivity(spec, table), run.errors,
                       sorted(run.computed), sorted(plan.reused), executor)


@dataclass
class _Plan:
    """The tasks of a sweep: (variant, replication, key) for each, the records found in the
    store and the tasks still to compute (identical scenarios share one key)."""

    jobs: list[tuple[int, int, str]] = field(default_factory=list)
    todo: dict[str, dict[str, Any]] = field(default_factory=dict)
    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    reused: list[str] = field(default_factory=list)


def _plan(spec: SweepSpec, store: ResultStore, seeds: list[int],
          on_event: OnEvent | None) -> _Plan:
    plan = _Plan()
    for v in spec.variants:
        for r, seed in enumerate(seeds):
            scn = v.scenario if v.scenario.seed == seed else v.scenario.model_copy(
                update={"seed": seed})
            key = task_key(scenario_hash(scn), seed)
            plan.jobs.append((v.index, r, key))
            if key in plan.records or key in plan.todo:
                continue
            rec = store.get(key)
            if rec is not None and not _current(rec):
                rec = None  # stored by a corridorsim whose rows are per route family: redo
            if rec is not None:
                plan.records[key] = rec
                plan.reused.append(key)
                if on_event:
                    on_event("reused", {"key": key, "variant": v.index, "replication": r})
            else:
                plan.todo[key] = {"scn": scn, "label": f"variant {v.index} replication {r} "
                                                       f"({_label(v)})",
                                  "variant": v.index, "replication": r, "seed": seed}
    return plan


@dataclass
class _Run:
    """Collects finished tasks: results into the store and the plan's records, failures."""

    plan: _Plan
    store: ResultStore
    on_event: OnEvent | None
    computed: list[str] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)

    def finished(self, k: str, res: dict[str, Any]) -> str | None:
        """Record task ``k``'s result; a line to show if it failed."""
        t = self.plan.todo[k]
        if res.get("ok"):
            rec = {"key": k, "scenario_hash": k.rsplit("-", 1)[0], "seed": t["seed"],
                   "rows": res["rows"], "info": res.get("info", {}), "corridorsim": __version__}
            rec = json.loads(json.dumps(rec))
            self.store.put(k, rec)
            self.plan.records[k] = rec
            self.computed.append(k)
            if self.on_event:
                self.on_event("computed", {"key": k, "variant": t["variant"],
                                           "replication": t["replication"]})
            return None
        err = {"variant": t["variant"], "replication": t["replication"], "seed": t["seed"],
               "key": k, "error": res.get("error", "?")}
        self.errors.append(err)
        if self.on_event:
            self.on_event("failed", {**err, "traceback": res.get("traceback")})
        return f"failed: {t['label']}: {err['error']}"


def _current(rec: dict[str, Any]) -> bool:
    """Whether a stored task's summary rows name their route instance (``origin`` and
    ``destination`` beside ``route``), as this corridorsim writes them."""
    return all({"origin", "destination"} <= set(row) for row in rec.get("rows", []))


def _label(v: Variant) -> str:
    return ", ".join(f"{k}={val!r}" for k, val in v.params.items()) or "base"


def _tables(spec: SweepSpec, jobs: list[tuple[int, int, str]],
            records: dict[str, dict[str, Any]], seeds: list[int]
            ) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    by_index = {v.index: v for v in spec.variants}
    rows = []
    for vi, grp in itertools.groupby(sorted(jobs), key=lambda j: j[0]):
        group = list(grp)
        if not all(k in records for _, _, k in group):
            continue  # a variant is reported only when all its replications finished
        v = by_index[vi]
        head = {"variant": vi, "design": v.design,
                **{p: _param_cell(v.params.get(p)) for p in spec.parameters}}
        for _, r, k in group:
            for row in records[k]["rows"]:
                rows.append({**head, "replication": r, "seed": seeds[r], **row})
    head_cols = ["variant", "design", *spec.parameters]
    if not rows:
        return pd.DataFrame(columns=[*head_cols, *INSTANCE_COLUMNS]), None
    per_rep = pd.DataFrame.from_records(rows)
    if spec.replications == 1:
        return per_rep.drop(columns=["replication", "seed"]).round(6), None
    values = per_rep.drop(columns=["seed", *head_cols[1:]])
    keys = ["variant", *(c for c in INSTANCE_COLUMNS if c in values.columns)]
    agg = aggregate(values, keys, "replication")
    agg = per_rep[head_cols].drop_duplicates("variant").merge(agg, on="variant", how="right")
    agg = agg.sort_values("variant", kind="stable").reset_index(drop=True)
    return agg, per_rep.round(6)


# ------------------------------------------------------------------------------ writing
def _atomic_write(path: Path, text: str) -> Path:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise OutputError(f"{path}: cannot write ({exc.strerror})") from exc
    return path


def write_sweep(result: SweepResult, out: Path, *, report: bool = True) -> list[Path]:
    """Write ``sweep.csv`` (+ replications, sensitivity, errors, report, sweep.json)."""
    out.mkdir(parents=True, exist_ok=True)
    spec = result.spec
    paths = [_atomic_write(out / "sweep.csv",
                           result.table.to_csv(index=False, float_format="%.6f"))]
    reps = out / "sweep_replications.csv"
    if result.replications is not None:
        paths.append(_atomic_write(reps, result.replications.to_csv(index=False,
                                                                    float_format="%.6f")))
    else:
        reps.unlink(missing_ok=True)
    paths.append(_atomic_write(out / "sweep_sensitivity.csv",
                               result.sensitivity.to_csv(index=False, float_format="%.6f")))
    errs = out / "sweep_errors.csv"
    if result.errors:
        paths.append(_atomic_write(errs, pd.DataFrame(result.errors).to_csv(index=False)))
    else:
        errs.unlink(missing_ok=True)
    info = {
        "sweep": spec.name, "source": spec.source, "base": spec.base_ref,
        "base_scenario": spec.base.name, "base_scenario_hash": scenario_hash(spec.base),
        "seed": spec.base.seed, "horizon_d": spec.base.horizon_d,
        "warmup_d": spec.base.warmup_d, "replications": spec.replications,
        "replication_seeds": [replication_seed(spec.base.seed, r)
                              for r in range(spec.replications)],
        "parameters": spec.parameters, "lhs": spec.lhs,
        "variants": [{"variant": v.index, "design": v.design, "params": v.params,
                      "scenario_hash": scenario_hash(v.scenario)} for v in spec.variants],
        "variants_complete": int(result.table["variant"].nunique()) if len(result.table) else 0,
        "failed_tasks": len(result.errors),
        "versions": {"corridorsim": __version__},
    }
    paths.append(_atomic_write(out / "sweep.json", json.dumps(info, indent=2, sort_keys=True)
                               + "\n"))
    page = out / "sweep_report.html"
    if report:
        from corridorsim.experiments.report import report_html

        paths.append(_atomic_write(page, report_html(result)))
    return sorted(paths)
