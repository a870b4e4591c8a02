"""Bottlenecks per route: where a route's consignments wait longer than the place's
undisturbed time.

A place is a stage of the route: a stop (a node: gauge change, border, port, terminal) or a
leg ``A → B`` (its waits before departure at A — consolidation, schedule, weather,
disruption — and at the borders and canals it passes en route, named ``via …``). Its
**undisturbed** hours are what :mod:`corridorsim.routing.schedule` counts for it in the
undisturbed schedule (typical service, dwell and opening-hours wait of a facility; half the
headway or the fill time of a departure); **excess** waiting is the mean waiting of the
route's consignments there minus that. Normal deep-sea port dwell therefore does not top the
ranking; a queue, a storm, a closure or a long border does, on the route it hits.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

import pandas as pd

from corridorsim.analysis.stage_totals import stage_totals
from corridorsim.routing import Leg, Route, Stop
from corridorsim.routing.schedule import typical_departure_wait_hours, typical_facility_hours
from corridorsim.scenario.specs import service_spec
from corridorsim.sim.keys import service_key
from corridorsim.units import WEEK_H
from corridorsim.viz import charts
from corridorsim.viz.assets import esc
from corridorsim.viz.html import formatter, html_table
from corridorsim.viz.report_data import CAUSES, node_names

if TYPE_CHECKING:
    from corridorsim.result import RunResult
    from corridorsim.scenario.model import Scenario

__all__ = ["COLUMNS", "bottleneck_section", "route_bottlenecks", "stage_places"]

#: columns of :func:`route_bottlenecks`
COLUMNS = ("route_key", "stage_index", "place", "kind", "consignments", "wait_h",
           "undisturbed_h", "excess_h", "causes")


def _service_volumes(res: RunResult) -> dict[str, float]:
    """TEU per week carried by each service (its key) over the run."""
    v = res.vehicles
    if v is None or v.empty or "load_teu" not in v:
        return {}
    weeks = max(float(res.info.get("horizon_d", 7.0) or 7.0) * 24.0 / WEEK_H, 1e-9)
    teu = v.groupby("service", sort=False)["load_teu"].sum() / weeks
    return {str(k): float(x) for k, x in teu.items()}


def _leg_name(leg: Leg, names: Mapping[str, str]) -> str:
    a, b = names.get(leg.from_node, leg.from_node), names.get(leg.to_node, leg.to_node)
    via = [names.get(w.node, w.node).split(" (")[0] for w in leg.waypoints
           if w.kind != "border_internal"]
    if len(via) > 2:
        via = [*via[:2], f"+{len(via) - 2} more"]
    return f"{a} → {b} (leg" + (f", via {', '.join(via)})" if via else ")")


def stage_places(route: Route, scn: Scenario | None, names: Mapping[str, str],
                 volume: Callable[[Leg], float] | None = None) -> list[tuple[str, str, float]]:
    """Name, kind and undisturbed waiting hours of every stage of ``route`` (by stage
    index), as :func:`~corridorsim.routing.schedule.undisturbed_hours` counts them."""
    out: list[tuple[str, str, float]] = []
    load = 0.0
    for stage in route.stages:
        if isinstance(stage, Leg):
            cap = service_spec(stage.service, f"{stage.from_node}-{stage.to_node}", scn)
            load = cap.capacity_teu
            h = typical_departure_wait_hours(stage, scn, volume=volume)
            h += sum(typical_facility_hours(w.node, w.kind, scn, load, mean=True)
                     for w in stage.waypoints)
            out.append((_leg_name(stage, names), f"{stage.mode} leg", h))
        elif isinstance(stage, Stop):
            h = 0.0 if stage.role == "origin" else typical_facility_hours(
                stage.node, stage.kind, scn, load, mean=True)
            out.append((names.get(stage.node, stage.node), stage.kind.replace("_", " "), h))
    return out


def _causes_text(means: pd.Series) -> str:
    """``border 64.8 · consolidation 16.6``: the causes of a place's mean wait, largest first."""
    parts = [(k, float(v)) for k, v in means.items() if float(v) >= 0.05]
    parts.sort(key=lambda kv: -kv[1])
    return " · ".join(f"{k} {v:.1f}" for k, v in parts)


def _stage_waits(res: RunResult) -> pd.DataFrame:
    """Mean waiting hours by cause per (route_key, stage_index) over consignments booked
    after warm-up that finished the stage, with their count (every consignment: from
    :func:`~corridorsim.analysis.stage_totals.stage_totals`, never a per-consignment table)."""
    totals = stage_totals(res)
    count = totals["consignments"].astype(float)
    means = pd.DataFrame({k: totals[f"wait_{k}_h"] / count for k in CAUSES},
                         index=totals.index).fillna(0.0)
    means["consignments"] = totals["consignments"]
    return means


def route_bottlenecks(res: RunResult, *, top: int = 6, min_excess_h: float = 0.5
                      ) -> pd.DataFrame:
    """Per route instance, its places ranked by excess waiting (see the module docstring):
    at most ``top`` per route with at least ``min_excess_h`` hours of excess. Columns
    :data:`COLUMNS` (hours per consignment passing; ``causes`` the mean wait by cause)."""
    means = _stage_waits(res)
    if means.empty:
        return pd.DataFrame(columns=list(COLUMNS))
    names = node_names(res)
    vols = _service_volumes(res)
    causes = [k for k in means.columns if k != "consignments"]
    rows = []
    for key, inst in res.routes.items():
        if key not in means.index.get_level_values(0):
            continue
        direction = inst.route.direction

        def volume(leg: Leg, d: str = direction) -> float:
            return vols.get(service_key(leg, d), 0.0)

        places = stage_places(inst.route, res.scenario, names, volume)
        sub = means.loc[key]
        for idx, (_, m) in zip(sub.index.to_numpy(int), sub.iterrows(), strict=True):
            if not 0 <= idx < len(places):
                continue
            place, kind, typical = places[idx]
            wait = float(m[causes].sum())
            rows.append({"route_key": key, "stage_index": int(idx), "place": place,
                         "kind": kind, "consignments": int(m["consignments"]), "wait_h": wait,
                         "undisturbed_h": typical, "excess_h": wait - typical,
                         "causes": _causes_text(m[causes])})
    df = pd.DataFrame(rows, columns=list(COLUMNS))
    df = df[df["excess_h"] >= min_excess_h]
    order = {k: i for i, k in enumerate(res.routes)}
    df = df.assign(_o=df["route_key"].map(order)).sort_values(
        ["_o", "excess_h"], ascending=[True, False], kind="stable")
    return df.groupby("route_key", sort=False).head(top).drop(columns="_o").reset_index(
        drop=True)


def _table_html(bn: pd.DataFrame, labels: Mapping[str, str], colours: Mapping[str, str]
                ) -> str:
    rows = bn.assign(route=[
        (f'<i class="swatch" style="background:{esc(colours.get(k, "#333"))}"></i>'
         f"{esc(labels.get(k, k))}") if first else ""
        for k, first in zip(bn["route_key"], ~bn["route_key"].duplicated(), strict=True)])
    cols = ["route", "place", "kind", "consignments", "wait_h", "undisturbed_h", "excess_h",
            "causes"]
    hours = formatter(".1f")
    return html_table(rows[cols], raw=["route"], formats={
        "consignments": formatter(",.0f"), "wait_h": hours, "undisturbed_h": hours,
        "excess_h": hours}, headers={
        "wait_h": "mean wait h", "undisturbed_h": "undisturbed h", "excess_h": "excess h",
        "causes": "mean wait by cause (h)"})


def bottleneck_section(res: RunResult, labels: Mapping[str, str],
                       colours: Mapping[str, str]) -> str:
    """The report's bottleneck ranking: per route, its places by excess waiting."""
    head = '<h2 id="bottlenecks">Bottlenecks per route: excess waiting</h2>'
    bn = route_bottlenecks(res)
    if bn.empty:
        return head + ("<p>No place held any route's consignments longer than its "
                       "undisturbed time.</p>")
    order = {k: i for i, k in enumerate(colours)}
    bn = bn.assign(_o=bn["route_key"].map(lambda k: order.get(k, len(order)))).sort_values(
        "_o", kind="stable").drop(columns="_o").reset_index(drop=True)
    note = ("Per route, the places where its consignments (booked after warm-up) waited "
            "longest beyond the place's undisturbed time: excess = mean wait there − the mean "
            "an undisturbed box waits (typical service, dwell and opening hours of a facility; "
            "half the headway or the fill time of a departure, as in the undisturbed "
            "schedule). A leg’s waits are those before departure (consolidation, schedule, "
            "weather, closures) and at the borders it passes en route (“via …”). Places with "
            "less than 0.5 h of excess are left out.")
    fig = charts.excess_chart(bn, labels, colours)
    return (head + f'<div class="chart">{charts.to_svg(fig, "bn")}</div>'
            f'<p class="note">{esc(note)}</p>' + _table_html(bn, labels, colours))
