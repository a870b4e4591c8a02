"""Run a scenario end to end: network → routes → simulation → tables → KPIs."""

from __future__ import annotations

import hashlib
import json
import platform
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from corridorsim._version import __version__
from corridorsim.accounting.pipeline import account_run
from corridorsim.errors import InternalError, RouteError, ScenarioError
from corridorsim.kpis import route_summary
from corridorsim.limits import check_limits
from corridorsim.network import Network, load_network
from corridorsim.results import (
    consignments_table,
    facilities_table,
    legs_table,
    vehicles_table,
)
from corridorsim.routing import ROUTE_FAMILIES, RouteFamily, resolve_route
from corridorsim.saturation import add_saturation
from corridorsim.scenario.model import Scenario
from corridorsim.sim.build import RouteInstance, build_engine, route_key
from corridorsim.sim.streams import Streams

__all__ = ["RunResult", "run_scenario", "scenario_hash"]


@dataclass
class RunResult:
    """Everything a run produced. Tables are pandas DataFrames; times are hours.

    Attributes
    ----------
    summary : one row per route (see ``corridorsim.kpis.SUMMARY_COLUMNS``)
    consignments : one row per consignment
    legs : one row per consignment and stage
    facilities : one row per facility (utilisation, queues, waits)
    vehicles : one row per vehicle trip
    info : the content of ``run.json``
    """

    scenario: Scenario
    network: Network
    routes: dict[str, RouteInstance]
    summary: pd.DataFrame
    consignments: pd.DataFrame
    legs: pd.DataFrame
    facilities: pd.DataFrame
    vehicles: pd.DataFrame
    info: dict[str, Any] = field(default_factory=dict)
    extra_tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    footprints: dict[str, Any] = field(default_factory=dict)


def scenario_hash(scn: Scenario) -> str:
    """SHA-256 of the scenario's canonical JSON (provenance excluded)."""
    data = scn.model_dump(mode="json", exclude={"provenance", "description"})
    blob = json.dumps(data, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(blob).hexdigest()


def resolve_instances(
    scn: Scenario, net: Network, families: Mapping[str, RouteFamily] | None = None
) -> dict[str, RouteInstance]:
    """Resolve every (route family, origin, destination) the scenario's demand uses."""
    fams = families if families is not None else ROUTE_FAMILIES
    out: dict[str, RouteInstance] = {}
    choice_routes = scn.choice.routes if scn.choice.routes is not None else scn.routes
    for i, row in enumerate(scn.demand):
        if row.route is None:
            # route choice: every family the shippers may pick, where it serves the O-D
            errors: list[str] = []
            for fam in choice_routes:
                if fam not in fams:
                    raise ScenarioError(
                        f"choice.routes: unknown route family {fam!r}; allowed: {', '.join(fams)}")
                key = route_key(fam, row.origin, row.destination)
                if key in out:
                    continue
                try:
                    r = resolve_route(net, fams[fam], origin=row.origin,
                                      destination=row.destination)
                except RouteError as exc:
                    errors.append(f"{fam}: {exc}")
                    continue
                out[key] = RouteInstance(fam, row.origin, row.destination, r)
            if not any(route_key(f, row.origin, row.destination) in out for f in choice_routes):
                raise ScenarioError(f"demand[{i}]: no route family in choice.routes serves "
                                    f"{row.origin}-{row.destination}: {'; '.join(errors)}")
            continue
        if row.route not in fams:
            raise ScenarioError(
                f"demand[{i}].route: unknown route family {row.route!r}; "
                f"allowed: {', '.join(fams)}"
            )
        if row.route not in scn.routes:
            raise ScenarioError(
                f"demand[{i}].route: {row.route!r} is not among the scenario's routes "
                f"({', '.join(scn.routes)})"
            )
        key = route_key(row.route, row.origin, row.destination)
        if key not in out:
            try:
                r = resolve_route(net, fams[row.route], origin=row.origin,
                                  destination=row.destination)
            except RouteError as exc:
                raise ScenarioError(f"demand[{i}]: {exc}") from exc
            out[key] = RouteInstance(row.route, row.origin, row.destination, r)
    return out


def check_invariants(res: RunResult) -> None:
    """Cheap end-of-run checks; a violation is a bug in corridorsim (:class:`InternalError`).

    TEU conserved (created = delivered + in system, per consignment table and run.json),
    waiting + moving = transit for each delivered consignment, no stage ending before it
    starts (clock monotone), no facility busier than its servers and no vehicle loaded above
    its capacity.
    """
    info = res.info

    def bug(what: str) -> InternalError:
        return InternalError(
            f"internal error (a bug in corridorsim, not in your input): {what}. "
            f"Run of scenario {info.get('scenario', res.scenario.name)!r} with seed "
            f"{info.get('seed', res.scenario.seed)} (scenario_hash "
            f"{str(info.get('scenario_hash', '?'))[:12]}); please report it at the "
            "corridorsim issue tracker with the scenario file and this message"
        )

    c = res.consignments
    created, delivered = float(c["teu"].sum()), float(c.loc[c["delivered"], "teu"].sum())
    if not (np.isclose(info["teu_created"], info["teu_delivered"] + info["teu_in_system"])
            and np.isclose(created, info["teu_created"])
            and np.isclose(delivered, info["teu_delivered"])):
        raise bug(f"TEU not conserved: created {info['teu_created']:g} != delivered "
                  f"{info['teu_delivered']:g} + in system {info['teu_in_system']:g} "
                  f"(consignments table: {created:g} created, {delivered:g} delivered)")
    d = c[c["delivered"]]
    if (d["transit_h"] < -1e-9).any():
        cid = int(d.loc[d["transit_h"] < -1e-9, "consignment_id"].iloc[0])
        raise bug(f"negative transit time (consignment {cid})")
    wait_cols = [col for col in c.columns if col.startswith("wait_")]
    total = d["moving_h"] + d[wait_cols].sum(axis=1)
    off = ~np.isclose(total.to_numpy(), d["transit_h"].to_numpy(), rtol=1e-5, atol=1e-6)
    if off.any():
        cid = int(d["consignment_id"].to_numpy()[off][0])
        raise bug(f"waiting + moving != transit for {int(off.sum())} consignment(s), "
                  f"e.g. consignment {cid}")
    legs = res.legs
    if len(legs) and (legs["end_h"] < legs["start_h"] - 1e-9).any():
        raise bug("clock not monotone: a stage ends before it starts")
    fac = res.facilities
    if len(fac) and "utilisation" in fac and (fac["utilisation"] > 1.0 + 1e-6).any():
        node = str(fac.loc[fac["utilisation"] > 1.0 + 1e-6, "node"].iloc[0])
        raise bug(f"facility {node} above capacity (utilisation > 1)")
    veh = res.vehicles
    if len(veh) and (veh["load_teu"] > veh["capacity_teu"] + 1e-6).any():
        svc = str(veh.loc[veh["load_teu"] > veh["capacity_teu"] + 1e-6, "service"].iloc[0])
        raise bug(f"vehicle of {svc} loaded above its capacity")


def run_scenario(
    scn: Scenario,
    *,
    network: Network | None = None,
    families: Mapping[str, RouteFamily] | None = None,
    progress: Callable[[float], None] | None = None,
) -> RunResult:
    """Simulate ``scn`` and return its tables and KPIs (nothing is written to disk).

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
    """
    t0 = time.perf_counter()
    net = network if network is not None else load_network()
    routes = resolve_instances(scn, net, families)
    streams = Streams(scn.seed)
    check_limits(scn)  # refuse runaway demand before allocating (docs/limits.md)
    choice: list[Any] = []
    eng, rec, refused = build_engine(scn, net, routes, streams, choice_out=choice)
    eng.on_progress = progress
    eng.run()
    warmup_h = scn.warmup_d * 24.0
    cons = consignments_table(rec, routes, warmup_h)
    legs = legs_table(rec, routes)
    names = {str(k): str(v) for k, v in net.nodes["name"].items()}
    fac = facilities_table(eng, names)
    veh = vehicles_table(eng)
    families = [f for f in scn.routes if any(r.family == f for r in routes.values())]
    summary = route_summary(cons, families)
    acc = account_run(scn, routes, legs, cons, in_place=True)
    legs, cons = acc.legs, acc.consignments
    summary = summary.merge(acc.summary, on="route", how="left").round(6)
    info = {
        "scenario": scn.name,
        "scenario_hash": scenario_hash(scn),
        "seed": scn.seed,
        "horizon_d": scn.horizon_d,
        "warmup_d": scn.warmup_d,
        "start_date": scn.start_date,
        "routes": families,
        "consignments": int(rec.n),
        "teu_created": float(rec.teu.sum()),
        "teu_delivered": float(rec.teu[~np.isnan(rec.delivered_h)].sum()),
        "teu_in_system": float(rec.teu[np.isnan(rec.delivered_h)].sum()),
        "teu_refused": refused,
        "vehicle_trips": len(veh),
        "versions": {
            "corridorsim": __version__,
            "python": platform.python_version(),
            "numpy": np.__version__,
            "pandas": pd.__version__,
        },
        "network": net.source,
        "wall_s": round(time.perf_counter() - t0, 3),
    }
    tables = dict(acc.tables)
    if choice:
        tables["route_shares.csv"] = choice[0].table(rec, rec.route_ids, routes)
        info["choice_over_capacity_teu"] = round(choice[0].over_cap_teu, 3)
    res = RunResult(scn, net, routes, summary, cons, legs, fac, veh, info,
                    extra_tables=tables, footprints=acc.footprints)
    add_saturation(res)  # saturated places and backlog into info and summary
    check_invariants(res)
    return res
