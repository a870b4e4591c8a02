"""``corridorsim sweep SWEEP.yaml``: a grid and/or Latin-hypercube sweep over scenario parameters.

A sweep file::

    name: caspian_fleet            # optional; the file's stem by default
    base: baseline_2024            # a shipped scenario's name or a path (relative to this file)
    seed: 7                        # optional; the base scenario's seed by default
    replications: 3                # per variant (default 1)
    horizon_d: 120                 # optional overrides of the base scenario
    warmup_d: 14
    grid:                          # every combination, in the order written
      services.caspian_feeder.fleet: [4, 6, 8]
      demand[0].teu_per_week: [800, 1600]
    lhs:                           # optional Latin-hypercube samples (after the grid points)
      samples: 10
      seed: 1
      ranges:
        facilities.border.servers: [1, 4]      # two integers: integer samples
        demand[3].teu_per_week: [3000, 9000]

Parameters are dotted paths into the scenario (``[i]`` indexes a list). Every variant runs
with the same seed(s), so variants share common random numbers. Tasks are (variant,
replication) pairs keyed by the variant scenario's hash and seed in ``<out>/store/``; a
rerun computes only the tasks missing there.
"""

from __future__ import annotations

import difflib
import itertools
import json
import math
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from corridorsim._version import __version__
from corridorsim.errors import OutputError, ScenarioError
from corridorsim.experiments.executor import Executor, TaskProgress
from corridorsim.experiments.replications import _is_shipped
from corridorsim.experiments.stats import aggregate
from corridorsim.experiments.store import ResultStore, task_key
from corridorsim.experiments.tasks import replication_seed, simulate_task, task_payload
from corridorsim.kpis import INSTANCE_COLUMNS
from corridorsim.run import scenario_hash
from corridorsim.scenario.model import Scenario

__all__ = ["SweepResult", "SweepSpec", "Variant", "load_sweep", "run_sweep", "write_sweep"]

TOP_KEYS = ("name", "description", "base", "seed", "replications", "horizon_d", "warmup_d",
            "grid", "lhs")
LHS_KEYS = ("samples", "seed", "ranges")
MAX_TASKS = 1_000_000
_TOKEN = re.compile(r"([A-Za-z0-9_\-]+)|\[(\d+)\]")
_PATH = re.compile(r"^[A-Za-z0-9_\-]+(\[\d+\])*(\.[A-Za-z0-9_\-]+(\[\d+\])*)*$")


@dataclass(frozen=True)
class Variant:
    index: int
    design: str  # "grid" or "lhs"
    params: dict[str, Any]
    scenario: Scenario


@dataclass
class SweepSpec:
    name: str
    source: str
    base: Scenario
    replications: int
    parameters: list[str]
    variants: list[Variant]
    description: str = ""
    lhs: dict[str, Any] | None = None
    base_ref: str = ""


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


# ------------------------------------------------------------------------------ parsing
def parse_path(path: str) -> list[str | int]:
    """``"demand[0].teu_per_week"`` → ``["demand", 0, "teu_per_week"]``."""
    if not isinstance(path, str) or not _PATH.match(path):
        raise ValueError("expected a dotted path such as services.caspian_feeder.fleet or "
                         "demand[0].teu_per_week")
    return [tok if tok else int(idx) for tok, idx in _TOKEN.findall(path)]


def get_path(data: Any, path: str) -> Any:
    cur = data
    for tok in parse_path(path):
        if isinstance(tok, int):
            if not isinstance(cur, list) or tok >= len(cur):
                return None
            cur = cur[tok]
        else:
            if not isinstance(cur, dict) or tok not in cur:
                return None
            cur = cur[tok]
    return cur


def set_path(data: dict[str, Any], path: str, value: Any) -> None:
    """Set ``value`` at ``path`` in ``data`` (in place); missing mapping keys are created."""
    toks = parse_path(path)
    cur: Any = data
    for n, tok in enumerate(toks):
        last = n == len(toks) - 1
        where = "".join(f"[{t}]" if isinstance(t, int) else (f".{t}" if i else t)
                        for i, t in enumerate(toks[:n + 1]))
        if isinstance(tok, int):
            if not isinstance(cur, list):
                raise ValueError(f"{where}: the scenario has no list here")
            if tok >= len(cur):
                raise ValueError(f"{where}: index out of range (the list has {len(cur)} "
                                 "item(s))")
            if last:
                cur[tok] = value
            else:
                cur = cur[tok]
        else:
            if not isinstance(cur, dict):
                raise ValueError(f"{where}: the scenario has no mapping here")
            if last:
                cur[tok] = value
            else:
                if cur.get(tok) is None:
                    cur[tok] = [] if isinstance(toks[n + 1], int) else {}
                cur = cur[tok]


def _lines(text: str) -> dict[tuple[str, ...], int]:
    """Line numbers of the keys of the top level, ``grid``, ``lhs`` and ``lhs.ranges``."""
    out: dict[tuple[str, ...], int] = {}
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return out

    def walk(n: Any, prefix: tuple[str, ...], depth: int) -> None:
        if not isinstance(n, yaml.MappingNode) or depth > 3:
            return
        for k, v in n.value:
            if isinstance(k, yaml.ScalarNode):
                key = (*prefix, str(k.value))
                out[key] = k.start_mark.line + 1
                walk(v, key, depth + 1)

    walk(node, (), 0)
    return out


def _suggest(key: str, allowed: tuple[str, ...]) -> str:
    hint = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    return f"; did you mean {hint[0]!r}?" if hint else f" (allowed: {', '.join(allowed)})"


def _lhs_samples(ranges: dict[str, tuple[Any, Any]], n: int, seed: int) -> list[dict[str, Any]]:
    rng = np.random.default_rng(seed)
    cols: dict[str, list[Any]] = {}
    for path, (low, high) in ranges.items():
        u = (rng.permutation(n) + rng.random(n)) / n
        if isinstance(low, int) and isinstance(high, int):
            vals = np.minimum(np.floor(low + u * (high - low + 1)), high).astype(int)
            cols[path] = [int(v) for v in vals]
        else:
            cols[path] = [round(float(low + x * (high - low)), 6) for x in u]
    return [{p: cols[p][i] for p in ranges} for i in range(n)]


def _resolve_base(ref: str, sweep_file: Path, where: str) -> Path:
    from corridorsim.scenario.load import shipped_dir, shipped_scenarios

    for cand in (sweep_file.parent / ref, Path(ref)):
        if cand.is_file():
            return cand
    shipped = shipped_dir() / (ref if ref.endswith((".yaml", ".yml")) else f"{ref}.yaml")
    if shipped.exists():
        return shipped
    raise ScenarioError(f"{where}: base: {ref!r} is neither a scenario file (next to the sweep "
                        f"file or the working folder) nor a shipped scenario "
                        f"({', '.join(shipped_scenarios())})")


def load_sweep(path: str | Path, *, network: Any = None) -> SweepSpec:
    """Read and validate a sweep file; every variant is validated before anything runs."""
    from corridorsim.network import load_network
    from corridorsim.scenario.check import check_scenario
    from corridorsim.scenario.load import load_scenario, scenario_from_dict

    p = Path(path)
    if not p.exists():
        raise ScenarioError(f"{p}: sweep file not found")
    if p.is_dir():
        raise ScenarioError(f"{p}: is a folder; expected a sweep YAML file")
    try:
        text = p.read_text(encoding="utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise ScenarioError(f"{p}: not UTF-8 text; save the file as UTF-8") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"{p}:{mark.line + 1}:{mark.column + 1}" if mark else str(p)
        raise ScenarioError(f"{where}: not valid YAML: {exc.problem}") from exc
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{p}: not valid YAML: {exc}") from exc
    lines = _lines(text)

    def at(*key: str) -> str:
        for n in range(len(key), 0, -1):
            if key[:n] in lines:
                return f"{p}:{lines[key[:n]]}"
        return str(p)

    def fail(key: tuple[str, ...], msg: str) -> ScenarioError:
        return ScenarioError(f"{at(*key)}: {'.'.join(key) or '<top>'}: {msg}")

    if not isinstance(data, dict):
        raise ScenarioError(f"{p}: expected a mapping with base and grid and/or lhs")
    for k in data:
        if k not in TOP_KEYS:
            raise fail((str(k),), f"unknown key {k!r}{_suggest(str(k), TOP_KEYS)}")
    name = data.get("name", p.stem)
    if not isinstance(name, str) or not re.match(r"^[A-Za-z0-9_.\-]{1,100}$", name):
        raise fail(("name",), f"found {name!r}; use letters, digits, '_', '.', '-'")
    base_ref = data.get("base")
    if not isinstance(base_ref, str) or not base_ref:
        raise fail(("base",), "required: the name of a shipped scenario or a scenario file")
    base_path = _resolve_base(base_ref, p, at("base"))
    base, _ = load_scenario(base_path)
    net = network if network is not None else load_network()

    base_data = base.model_dump(mode="json")
    for key in ("seed", "horizon_d", "warmup_d"):
        if key in data:
            v = data[key]
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise fail((key,), f"expected a number, found {v!r}")
            base_data[key] = v
    if "horizon_d" in data and "warmup_d" not in data and base_data["warmup_d"] >= data["horizon_d"]:
        base_data["warmup_d"] = data["horizon_d"] / 4
    base = scenario_from_dict(base_data, source=f"{p} (base {base_ref!r} with the sweep's "
                                                f"seed/horizon_d/warmup_d)")
    base_data = base.model_dump(mode="json")
    reps = data.get("replications", 1)
    if isinstance(reps, bool) or not isinstance(reps, int) or not 1 <= reps <= 10000:
        raise fail(("replications",), f"expected an integer 1..10000, found {reps!r}")

    grid = data.get("grid") or {}
    lhs = data.get("lhs")
    if not isinstance(grid, dict):
        raise fail(("grid",), "expected a mapping of parameter path: [values]")
    if not grid and not lhs:
        raise ScenarioError(f"{p}: give grid (parameter path: [values]) and/or lhs "
                            "(samples, seed, ranges)")

    def check_param(section: tuple[str, ...], path: Any, value: Any) -> None:
        try:
            parse_path(path)
            trial = json.loads(json.dumps(base_data))
            set_path(trial, path, value)
        except ValueError as exc:
            raise fail((*section, str(path)), str(exc)) from None
        scenario_from_dict(trial, source=f"{at(*section, str(path))}: {'.'.join(section)}."
                                         f"{path} = {value!r}")

    for path, values in grid.items():
        if not isinstance(values, list) or not values:
            raise fail(("grid", str(path)), f"expected a non-empty list of values, found "
                                            f"{values!r}")
        for v in values:
            check_param(("grid",), path, v)
    lhs_points: list[dict[str, Any]] = []
    lhs_info = None
    if lhs is not None:
        if not isinstance(lhs, dict):
            raise fail(("lhs",), "expected a mapping with samples, seed and ranges")
        for k in lhs:
            if k not in LHS_KEYS:
                raise fail(("lhs", str(k)), f"unknown key {k!r}{_suggest(str(k), LHS_KEYS)}")
        n = lhs.get("samples")
        if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 100000:
            raise fail(("lhs", "samples"), f"expected an integer 1..100000, found {n!r}")
        lseed = lhs.get("seed", 0)
        if isinstance(lseed, bool) or not isinstance(lseed, int) or lseed < 0:
            raise fail(("lhs", "seed"), f"expected a non-negative integer, found {lseed!r}")
        ranges = lhs.get("ranges")
        if not isinstance(ranges, dict) or not ranges:
            raise fail(("lhs", "ranges"), "expected a mapping of parameter path: [low, high]")
        parsed: dict[str, tuple[Any, Any]] = {}
        for path, rng in ranges.items():
            key = ("lhs", "ranges", str(path))
            if (not isinstance(rng, list) or len(rng) != 2
                    or any(isinstance(x, bool) or not isinstance(x, (int, float))
                           or not math.isfinite(x) for x in rng)):
                raise fail(key, f"expected [low, high] numbers, found {rng!r}")
            if rng[1] < rng[0]:
                raise fail(key, f"high ({rng[1]}) must be >= low ({rng[0]})")
            if path in grid:
                raise fail(key, "is also a grid parameter; vary it in one place only")
            check_param(("lhs", "ranges"), path, rng[0])
            check_param(("lhs", "ranges"), path, rng[1])
            parsed[str(path)] = (rng[0], rng[1])
        lhs_points = _lhs_samples(parsed, n, lseed)
        lhs_info = {"samples": n, "seed": lseed, "ranges": {k: list(v) for k, v in parsed.items()}}

    points = [("grid", dict(zip(grid, combo, strict=True)))
              for combo in itertools.product(*grid.values())] if grid else []
    points += [("lhs", pt) for pt in lhs_points]
    if len(points) * reps > MAX_TASKS:
        raise ScenarioError(f"{p}: {len(points)} variants × {reps} replications is more than "
                            f"{MAX_TASKS} tasks")
    parameters = [str(k) for k in grid] + [k for k in (lhs_info or {}).get("ranges", {})
                                           if k not in grid]
    variants = []
    for i, (design, params) in enumerate(points):
        d = json.loads(json.dumps(base_data))
        for path, v in params.items():
            set_path(d, path, v)
        label = ", ".join(f"{k}={v!r}" for k, v in params.items())
        scn = scenario_from_dict(d, source=f"{p}: variant {i} ({label})")
        check_scenario(scn, net, source=f"{p}: variant {i} ({label})")
        shown = {path: get_path(d, path) for path in parameters}
        variants.append(Variant(i, design, shown, scn))
    return SweepSpec(name=name, source=str(p), base=base, replications=reps,
                     parameters=parameters, variants=variants,
                     description=str(data.get("description", "")), lhs=lhs_info,
                     base_ref=base_ref)


# ------------------------------------------------------------------------------ running
def _param_cell(v: Any) -> Any:
    return v if v is None or isinstance(v, (bool, int, float, str)) else json.dumps(v)


def run_sweep(spec: SweepSpec, store_dir: Path | str, *, workers: int = 0,
              scheduler: str | None = None, quiet: bool = False, network: Any = None,
              task_fn: Callable[[dict[str, Any]], dict[str, Any]] = simulate_task,
              on_event: Callable[[str, dict[str, Any]], None] | None = None) -> SweepResult:
    """Run every (variant, replication) task not already in the store; build the tables.

    ``on_event(kind, info)`` is told ``"computed"``, ``"reused"`` and ``"failed"`` per task.
    """
    store = ResultStore(store_dir)
    seeds = [replication_seed(spec.base.seed, r) for r in range(spec.replications)]
    # task list: (variant, replication) → key; identical scenarios share one key
    jobs: list[tuple[int, int, str]] = []
    todo: dict[str, dict[str, Any]] = {}
    records: dict[str, dict[str, Any]] = {}
    reused: list[str] = []
    for v in spec.variants:
        for r, seed in enumerate(seeds):
            scn = v.scenario if v.scenario.seed == seed else v.scenario.model_copy(
                update={"seed": seed})
            key = task_key(scenario_hash(scn), seed)
            jobs.append((v.index, r, key))
            if key in records or key in todo:
                continue
            rec = store.get(key)
            if rec is not None and not _current(rec):
                rec = None  # stored by a corridorsim whose rows are per route family: redo
            if rec is not None:
                records[key] = rec
                reused.append(key)
                if on_event:
                    on_event("reused", {"key": key, "variant": v.index, "replication": r})
            else:
                todo[key] = {"scn": scn, "label": f"variant {v.index} replication {r} "
                                                  f"({_label(v)})",
                             "variant": v.index, "replication": r, "seed": seed}
    computed: list[str] = []
    errors: list[dict[str, Any]] = []
    keys = list(todo)
    with Executor(workers=workers, scheduler=scheduler) as ex:
        ship = network if (network is not None and (not ex.distributed
                                                     or not _is_shipped(network))) else None
        payloads = [task_payload(todo[k]["scn"], key=k, label=todo[k]["label"], network=ship)
                    for k in keys]
        batch = ex.submit(task_fn, payloads)
        with TaskProgress(len(payloads), f"sweep {spec.name}", enabled=not quiet) as bar:
            try:
                for i, res in batch.as_completed():
                    k = keys[i]
                    t = todo[k]
                    bar.advance()
                    if res.get("ok"):
                        rec = {"key": k, "scenario_hash": k.rsplit("-", 1)[0],
                               "seed": t["seed"], "rows": res["rows"],
                               "info": res.get("info", {}), "corridorsim": __version__}
                        rec = json.loads(json.dumps(rec))
                        store.put(k, rec)
                        records[k] = rec
                        computed.append(k)
                        if on_event:
                            on_event("computed", {"key": k, "variant": t["variant"],
                                                  "replication": t["replication"]})
                    else:
                        err = {"variant": t["variant"], "replication": t["replication"],
                               "seed": t["seed"], "key": k, "error": res.get("error", "?")}
                        errors.append(err)
                        bar.log(f"failed: {t['label']}: {err['error']}")
                        if on_event:
                            on_event("failed", {**err, "traceback": res.get("traceback")})
            except BaseException:
                batch.cancel()
                raise
        executor = ex.description
    errors.sort(key=lambda e: (e["variant"], e["replication"]))
    table, per_rep = _tables(spec, jobs, records, seeds)
    from corridorsim.experiments.report import sensitivity

    return SweepResult(spec, table, per_rep, sensitivity(spec, table), errors,
                       sorted(computed), sorted(reused), executor)


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
    done_variants = []
    rows = []
    for vi, group in itertools.groupby(sorted(jobs), key=lambda j: j[0]):
        group = list(group)
        if not all(k in records for _, _, k in group):
            continue  # a variant is reported only when all its replications finished
        done_variants.append(vi)
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
