"""Run a scenario end to end, in steps that read top to bottom.

:func:`run_scenario`: the scenario's network, places and routes → what its disruptions
close → the engine (bookings, services, facilities) → simulate → the engine's tables →
analyses side by side (KPIs, accounting, saturation, invariant checks) → one frozen
:class:`~corridorsim.result.RunResult`.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from corridorsim._version import __version__
from corridorsim.accounting.pipeline import RecordAccounting, account_records
from corridorsim.accounting.route_rates import ChoiceRates, choice_rates
from corridorsim.analysis import stage_totals
from corridorsim.analysis.caveats import run_warnings
from corridorsim.analysis.invariants import check_run
from corridorsim.analysis.kpis import INSTANCE_COLUMNS, instance_order, route_summary_arrays
from corridorsim.analysis.route_shares import route_shares_table
from corridorsim.analysis.saturation import place_queues, saturation_outputs
from corridorsim.analysis.tables import SimTrace, facilities_table, route_time_sums, vehicles_table
from corridorsim.analysis.timeseries import Weeks, facility_timeseries, route_timeseries
from corridorsim.closures import Closures
from corridorsim.limits import check_limits
from corridorsim.network import Network, load_network
from corridorsim.result import RunResult
from corridorsim.routing import ROUTE_FAMILIES, RouteFamily
from corridorsim.routing.instances import RouteInstance, resolve_instances
from corridorsim.scenario.check import canonical_places, scenario_network
from corridorsim.scenario.model import Scenario, calendar_span
from corridorsim.sim.build import Built, build_engine
from corridorsim.sim.streams import Streams

__all__ = ["run_scenario", "scenario_hash"]


def scenario_hash(scn: Scenario) -> str:
    """SHA-256 of the scenario's canonical JSON (provenance excluded)."""
    data = scn.model_dump(mode="json", exclude={"provenance", "description"})
    blob = json.dumps(data, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(blob).hexdigest()


@dataclass(frozen=True)
class Setup:
    """A scenario resolved against its network: what the engine is built from."""

    scenario: Scenario
    network: Network
    routes: dict[str, RouteInstance]
    closures: Closures
    #: freight and emissions per route, for route choice (None without route-choice demand)
    rates: ChoiceRates | None


@dataclass(frozen=True)
class Simulated:
    """What the engine left: its records and indices, and its facility and vehicle tables."""

    trace: SimTrace
    facilities: pd.DataFrame
    vehicles: pd.DataFrame


def run_scenario(
    scn: Scenario,
    *,
    network: Network | None = None,
    families: Mapping[str, RouteFamily] | None = None,
    progress: Callable[[float], None] | None = None,
    views: bool = True,
) -> RunResult:
    """Simulate ``scn`` and return its tables and KPIs (nothing is written to disk).

    The KPIs, accounting, saturation and invariant checks work on the engine's arrays;
    the consignment and leg tables are built only when asked for (``res.consignments``,
    ``res.legs``) or written chunk by chunk (:func:`corridorsim.outputs.write_run`).

    Parameters
    ----------
    scn
        A validated scenario.
    network
        The corridor network; the shipped geodata when omitted.
    families
        Route families by id; the shipped families when omitted.
    progress
        Called with the share of the horizon simulated (0..1).
    views
        Compute what only the tables, map and report read: the per-week tables
        (``timeseries.csv``, ``facility_timeseries.csv``) and the waits per route and stage
        (:mod:`corridorsim.analysis.stage_totals`); replications and sweep variants that keep
        only their summary rows skip them.
    """
    t0 = time.perf_counter()
    clock = _Stopwatch()
    setup = prepare(scn, network if network is not None else load_network(), families)
    built = build_engine(setup.scenario, setup.network, setup.routes,
                         Streams(setup.scenario.seed), setup.closures, setup.rates)
    clock.lap("build")
    built.engine.on_progress = progress
    built.engine.run()
    clock.lap("simulate")
    sim = collect(setup, built)
    info = run_info(setup, built, sim)
    res = analyse(setup, built, sim, info, clock, views=views)
    clock.lap("finish")
    info["wall_s"] = round(time.perf_counter() - t0, 3)
    info["timings_s"] = clock.laps
    return res


def prepare(scn: Scenario, net: Network, families: Mapping[str, RouteFamily] | None) -> Setup:
    """The scenario's own places and links added to the network, places written as node
    ids, its routes resolved, what its disruptions close; runaway demand refused before
    anything is allocated (docs/limits.md)."""
    net = scenario_network(scn, net)
    scn = canonical_places(scn, net, families=families)
    routes = resolve_instances(scn, net, families)
    check_limits(scn, stages=_stages_per_demand_row(scn, routes))
    closures = Closures(scn, net, families if families is not None else ROUTE_FAMILIES)
    choosing = any(row.route is None for row in scn.demand)
    return Setup(scn, net, routes, closures, choice_rates(scn, routes) if choosing else None)


def collect(setup: Setup, built: Built) -> Simulated:
    names = setup.network.names
    trace = SimTrace(built.engine, built.records, setup.routes, setup.scenario.warmup_d * 24.0)
    return Simulated(trace, facilities_table(built.engine, names), vehicles_table(built.engine))


def run_families(setup: Setup) -> list[str]:
    """The scenario's route families that have a route in this run, in its order."""
    return [f for f in setup.scenario.routes
            if any(r.family == f for r in setup.routes.values())]


def run_info(setup: Setup, built: Built, sim: Simulated) -> dict[str, Any]:
    """``run.json`` as far as the simulation tells it (the analyses add to it)."""
    scn, rec = setup.scenario, built.records
    delivered = ~np.isnan(rec.delivered_h)
    net = setup.network
    return {
        "scenario": scn.name,
        "scenario_hash": scenario_hash(scn),
        "seed": scn.seed,
        "horizon_d": scn.horizon_d,
        "warmup_d": scn.warmup_d,
        "start_date": scn.start_date,
        "routes": run_families(setup),
        "consignments": int(rec.n),
        "teu_created": float(rec.teu.sum()),
        "teu_delivered": float(rec.teu[delivered].sum()),
        "teu_in_system": float(rec.teu[~delivered].sum()),
        "teu_refused": built.refused,
        "warnings": run_warnings(scn, net, setup.routes, setup.closures),
        "windows": closure_windows(setup, built),
        "vehicle_trips": len(sim.vehicles),
        "versions": {
            "corridorsim": __version__,
            "python": platform.python_version(),
            "numpy": np.__version__,
            "pandas": pd.__version__,
        },
        "network": net.source + (f" + {net.added}" if net.added else ""),
    }


def analyse(setup: Setup, built: Built, sim: Simulated, info: dict[str, Any],
            clock: _Stopwatch, *, views: bool = True) -> RunResult:
    """KPIs, accounting, saturation and the invariant checks, side by side (they only read
    the records; numpy releases the GIL in its loops; each is deterministic on its own, so
    the results do not depend on the number of threads); then the result, complete."""
    scn, rec, routes = setup.scenario, built.records, setup.routes
    # summary rows: routes by family (the scenario's order), then by O-D pair (first seen
    # in the demand)
    order = instance_order(run_families(setup), scn.demand, routes)
    labels = [(routes[k].family, routes[k].origin, routes[k].destination) for k in order]
    row_of_key = np.array([order.index(k) if k in order else -1 for k in rec.route_ids],
                          dtype=np.int64)
    inst_row = row_of_key[rec.route] if rec.n else np.zeros(0, np.int64)
    delivered = ~np.isnan(rec.delivered_h)
    in_stats = rec.created_h >= sim.trace.warmup_h
    counted = in_stats & delivered

    def kpis(of: np.ndarray | None = None) -> pd.DataFrame:
        """KPIs per route over all consignments, or those ``of`` marks."""
        row = inst_row if of is None else np.where(of, inst_row, -1)
        return route_summary_arrays(
            row, labels,
            {"teu": rec.teu, "due_h": rec.due_h, "delivered": delivered, "in_stats": in_stats,
             "transit_h": rec.delivered_h - rec.created_h},
            time_sums=route_time_sums(rec, np.where(counted, row, -1), len(labels)))

    own = built.shipment

    weeks = Weeks(scn.start_date, scn.horizon_d * 24.0)
    names = setup.network.names
    done, seconds = _run_side_by_side({
        "timeseries": lambda: (
            route_timeseries(rec, weeks, order, routes, sim.trace.warmup_h),
            facility_timeseries(built.engine, sim.trace, weeks, names)) if views else None,
        "stage_totals": lambda: stage_totals.from_records(rec, sim.trace.warmup_h)
        if views else None,
        "accounting": lambda: account_records(scn, routes, sim.trace, counted=counted),
        "saturation": lambda: place_queues(sim.trace, sim.facilities, sim.vehicles,
                                           scn.horizon_d * 24.0),
        "kpis": kpis,
        "shipments": lambda: kpis(own) if own.any() else None,
        "checks": lambda: check_run(rec, info, sim.facilities, sim.vehicles),
    })
    clock.lap("analysis")
    clock.laps.update({f"{k} (thread)": v for k, v in seconds.items()})
    acc: RecordAccounting = done["accounting"]
    summary = done["kpis"].merge(acc.summary, on=INSTANCE_COLUMNS, how="left").round(6)
    tables = dict(acc.tables)
    if done["timeseries"] is not None:
        tables["timeseries.csv"], tables["facility_timeseries.csv"] = done["timeseries"]
    if done["shipments"] is not None:  # the planner's own cargo, per route it took
        summary = _with_shipments(summary, done["shipments"], tables)
    if built.choice is not None:
        tables["route_shares.csv"] = route_shares_table(built.choice, rec, routes)
        info["choice_over_capacity_teu"] = round(built.choice.over_cap_teu, 3)
    summary, sat_info = saturation_outputs(summary, routes, done["saturation"])
    info.update(sat_info)
    return RunResult(
        scenario=scn, network=setup.network, routes=routes, closures=setup.closures,
        summary=summary, facilities=sim.facilities, vehicles=sim.vehicles, info=info,
        extra_tables=tables, footprints=acc.footprints, trace=sim.trace,
        consignment_columns=acc.per_consignment, leg_accounting=acc,
        precomputed={} if done["stage_totals"] is None else {"stage_totals": done["stage_totals"]})


#: the planner's own cargo's KPIs repeated in summary.csv as ``shipment_<column>``
SHIPMENT_COLUMNS = ("teu_delivered", "transit_days_p50", "transit_days_p90", "on_time_share")


def _with_shipments(summary: pd.DataFrame, ship: pd.DataFrame,
                    tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """``shipments.csv`` (routes the planner's own cargo took) into ``tables``, and its
    KPIs beside everyone's in the summary as ``shipment_<column>``."""
    tables["shipments.csv"] = ship[ship["teu_created"] > 0].reset_index(drop=True)
    return summary.merge(ship[[*INSTANCE_COLUMNS, *SHIPMENT_COLUMNS]].rename(
        columns={c: f"shipment_{c}" for c in SHIPMENT_COLUMNS}), on=INSTANCE_COLUMNS, how="left")


def closure_windows(setup: Setup, built: Built) -> list[dict[str, Any]]:
    """Every disruption window, every storm and every spell of weather at a place (closing
    it or, with ``capacity_factor``, slowing it) of the run, with calendar dates (``end``:
    the last day touched) (``run.json: windows``; the report shades them)."""
    day0 = setup.scenario.start_date

    def window(cause: str, target: str, label: str, a: float, b: float,
               **extra: object) -> dict[str, Any]:
        start, end = calendar_span(day0, a, b)
        return {"cause": cause, "target": target, "label": label, "start_h": a, "end_h": b,
                "start": start, "end": end, **extra}

    out = [window("disruption", w.target, w.label, w.start_h, w.end_h)
           for w in setup.closures.windows()]
    for area, cal in sorted(built.storms.items()):
        out += [window("weather", area, f"storm on the {area}", round(a, 3), round(b, 3))
                for a, b, *_ in cal.windows]
    names = setup.network.names
    for node, cal in sorted(built.places.items()):  # weather at one place (weather.places)
        name = names.get(node, node)
        out += [window("weather", node, f"weather closes {name}" if cap == 0.0 else
                       f"weather slows {name} to {cap:.0%}", round(a, 3), round(b, 3),
                       place=name, capacity_factor=cap)
                for a, b, _, cap, _ in cal.windows]
    return out


def _stages_per_demand_row(scn: Scenario, routes: Mapping[str, RouteInstance]) -> list[int]:
    """Record rows per consignment of each demand row: the most stages of any route of its
    origin–destination (what :class:`~corridorsim.sim.records.RunRecords` allocates)."""
    out = []
    for row in scn.demand:
        stages = [len(r.route.stages) for r in routes.values()
                  if r.origin == row.origin and r.destination == row.destination]
        out.append(max(stages, default=4))
    return out


def _run_side_by_side(tasks: Mapping[str, Callable[[], Any]]
                      ) -> tuple[dict[str, Any], dict[str, float]]:
    """Run independent tasks in threads (as many as cores, at most one per task); return
    their results and the seconds each took. The first exception is raised as is."""
    def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
        t = time.perf_counter()
        out = fn()
        return out, round(time.perf_counter() - t, 3)

    workers = max(1, min(len(tasks), os.cpu_count() or 1))
    if workers == 1:
        pairs = {k: timed(fn) for k, fn in tasks.items()}
    else:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="corridorsim") as pool:
            futures = {k: pool.submit(timed, fn) for k, fn in tasks.items()}
            pairs = {k: f.result() for k, f in futures.items()}
    return {k: v[0] for k, v in pairs.items()}, {k: v[1] for k, v in pairs.items()}


class _Stopwatch:
    """Wall-clock seconds of the steps of a run (``run.json: timings_s``)."""

    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._t = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = round(now - self._t, 3)
        self._t = now
