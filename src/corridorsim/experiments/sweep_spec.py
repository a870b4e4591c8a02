"""A sweep file turned into its variants: every variant is a validated, checked scenario
before anything runs (:func:`load_sweep`)."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from corridorsim.errors import ScenarioError
from corridorsim.experiments.sweep_model import (
    Lines,
    SweepFile,
    fail,
    read_sweep_file,
    where,
)
from corridorsim.experiments.sweep_paths import get_path, parse_path, set_path
from corridorsim.scenario.model import Scenario

if TYPE_CHECKING:
    from corridorsim.network import Network

__all__ = ["MAX_TASKS", "SweepSpec", "Variant", "load_sweep"]

MAX_TASKS = 1_000_000


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


@dataclass(frozen=True)
class _File:
    """The sweep file being loaded: its path, the line of each key, its validated content."""

    path: Path
    lines: Lines
    model: SweepFile

    def fail(self, key: tuple[str, ...], msg: str) -> ScenarioError:
        return fail(self.path, self.lines, key, msg)

    def at(self, *key: str) -> str:
        return where(self.path, self.lines, key)


def load_sweep(path: str | Path, *, network: Network | None = None) -> SweepSpec:
    """Read and validate a sweep file; every variant is validated before anything runs."""
    from corridorsim.network import load_network
    from corridorsim.scenario.check import check_scenario
    from corridorsim.scenario.load import scenario_from_dict

    p = Path(path)
    model, lines = read_sweep_file(p)
    f = _File(p, lines, model)
    base = _base_scenario(f)
    base_data = base.model_dump(mode="json")
    grid = model.grid or {}
    for key, values in grid.items():
        for v in values:
            _check_param(f, base_data, ("grid",), key, v)
    lhs_points: list[dict[str, Any]] = []
    lhs_info = None
    if model.lhs is not None:
        for key, (low, high) in model.lhs.ranges.items():
            _check_param(f, base_data, ("lhs", "ranges"), key, low)
            _check_param(f, base_data, ("lhs", "ranges"), key, high)
        lhs_points = lhs_samples(model.lhs.ranges, model.lhs.samples, model.lhs.seed)
        lhs_info = {"samples": model.lhs.samples, "seed": model.lhs.seed,
                    "ranges": {k: list(v) for k, v in model.lhs.ranges.items()}}
    points = [("grid", dict(zip(grid, combo, strict=True)))
              for combo in itertools.product(*grid.values())] if grid else []
    points += [("lhs", pt) for pt in lhs_points]
    if len(points) * model.replications > MAX_TASKS:
        raise ScenarioError(f"{p}: {len(points)} variants × {model.replications} replications "
                            f"is more than {MAX_TASKS} tasks")
    parameters = [*grid, *(k for k in (model.lhs.ranges if model.lhs else {}) if k not in grid)]
    net = network if network is not None else load_network()
    variants = []
    for i, (design, params) in enumerate(points):
        d = json.loads(json.dumps(base_data))
        for key, v in params.items():
            set_path(d, key, v)
        label = ", ".join(f"{k}={v!r}" for k, v in params.items())
        scn = scenario_from_dict(d, source=f"{p}: variant {i} ({label})")
        check_scenario(scn, net, source=f"{p}: variant {i} ({label})")
        shown = {key: get_path(d, key) for key in parameters}
        variants.append(Variant(i, design, shown, scn))
    return SweepSpec(name=model.name or p.stem, source=str(p), base=base,
                     replications=model.replications, parameters=parameters,
                     variants=variants, description=model.description, lhs=lhs_info,
                     base_ref=model.base)


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


def _base_scenario(f: _File) -> Scenario:
    """The base scenario with the sweep's seed, horizon_d and warmup_d (a warm-up as long as
    a new horizon shrinks to a quarter of it)."""
    from corridorsim.scenario.load import load_scenario, scenario_from_dict

    m = f.model
    base, _ = load_scenario(_resolve_base(m.base, f.path, f.at("base")))
    data = base.model_dump(mode="json")
    overrides = {"seed": m.seed, "horizon_d": m.horizon_d, "warmup_d": m.warmup_d}
    data.update({k: v for k, v in overrides.items() if v is not None})
    if m.horizon_d is not None and m.warmup_d is None and data["warmup_d"] >= m.horizon_d:
        data["warmup_d"] = m.horizon_d / 4
    return scenario_from_dict(data, source=f"{f.path} (base {m.base!r} with the sweep's "
                                           f"seed/horizon_d/warmup_d)")


def _check_param(f: _File, base_data: dict[str, Any], section: tuple[str, ...], path: str,
                 value: Any) -> None:
    """``value`` at ``path`` gives a valid scenario (alone, on the base scenario)."""
    from corridorsim.scenario.load import scenario_from_dict

    try:
        parse_path(path)
        trial = json.loads(json.dumps(base_data))
        set_path(trial, path, value)
    except ValueError as exc:
        raise f.fail((*section, path), str(exc)) from None
    scenario_from_dict(trial, source=f"{f.at(*section, path)}: {'.'.join(section)}."
                                     f"{path} = {value!r}")


def lhs_samples(ranges: dict[str, tuple[int | float, int | float]], n: int, seed: int
                ) -> list[dict[str, int | float]]:
    """``n`` Latin-hypercube points over ``ranges``; a range of two integers gives integers."""
    rng = np.random.default_rng(seed)
    cols: dict[str, list[int | float]] = {}
    for path, (low, high) in ranges.items():
        u = (rng.permutation(n) + rng.random(n)) / n
        if isinstance(low, int) and isinstance(high, int):
            vals = np.minimum(np.floor(low + u * (high - low + 1)), high).astype(int)
            cols[path] = [int(v) for v in vals]
        else:
            cols[path] = [round(float(low + x * (high - low)), 6) for x in u]
    return [{p: cols[p][i] for p in ranges} for i in range(n)]
