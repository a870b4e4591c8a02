"""Tables behind the report's charts: stage percentiles, bottlenecks, assumptions.

Pure pandas; no plotting here. Times are hours in the inputs, days in the outputs where the
column name says so.
"""

from __future__ import annotations

import logging
import math
import re
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from pydantic import BaseModel

from corridorsim.viz.assets import as_float

if TYPE_CHECKING:
    from corridorsim.result import RunResult
    from corridorsim.scenario.model import Scenario

__all__ = [
    "CAUSES",
    "accounting_tables",
    "bottlenecks",
    "breakdown_columns",
    "defaults_table",
    "instance_keys",
    "instance_labels",
    "od_pairs",
    "provenance_table",
    "sample_consignments",
    "stage_profile",
]

log = logging.getLogger(__name__)

CAUSES = ("consolidation", "queue", "schedule", "weather", "border", "handling",
          "disruption", "blocking")


def node_names(res: RunResult) -> dict[str, str]:
    """Node id → name (``net.nodes["name"]``)."""
    return {str(k): str(v) for k, v in res.network.nodes["name"].items()}


def od_pairs(res: RunResult) -> list[tuple[str, str]]:
    """The origin–destination pairs of the run's route instances, in the order they first
    appear in the scenario's demand."""
    have = [(str(i.origin), str(i.destination)) for i in res.routes.values()]
    seen = [(str(r.origin), str(r.destination)) for r in getattr(res.scenario, "demand", [])]
    return [p for p in dict.fromkeys(seen + have) if p in set(have)]


def instance_labels(res: RunResult) -> dict[str, str]:
    """A label per route instance key: the family's short label, followed by
    ``· Origin → Destination`` (node names) when the run has more than one O/D pair."""
    names = node_names(res)
    several = len(od_pairs(res)) > 1
    out = {}
    for key, inst in res.routes.items():
        short = inst.route.family.label.split(" (")[0]
        out[key] = (f"{short} · {names.get(inst.origin, inst.origin)} → "
                    f"{names.get(inst.destination, inst.destination)}" if several else short)
    return out


def instance_keys(res: RunResult, table: pd.DataFrame) -> list[str]:
    """The route instance key of every row of a per-route table (``route``, ``origin``,
    ``destination``); the ``route`` value itself for rows that name no instance (a table
    without origin/destination, or an instance the run does not have)."""
    fam = [str(r) for r in table["route"]]
    if not {"origin", "destination"} <= set(table.columns):
        return fam
    key_of = {(i.family, i.origin, i.destination): k for k, i in res.routes.items()}
    return [key_of.get((f, str(o), str(d)), f) for f, o, d in
            zip(fam, table["origin"], table["destination"], strict=True)]


def sample_consignments(res: RunResult) -> tuple[pd.DataFrame, set[str]]:
    """Delivered consignments used for distributions: those after warm-up when a route
    instance has any, else all delivered ones of that instance. Returns the rows and the
    route instances (``route_key``; ``route`` without it) that fell back to warm-up
    consignments."""
    c = res.consignments
    d = c[c["delivered"].astype(bool)]
    parts, fallback = [], set()
    by = "route_key" if "route_key" in d.columns else "route"
    for route, grp in d.groupby(by, sort=False, observed=True):
        stats = grp[grp["in_stats"].astype(bool)] if "in_stats" in grp else grp
        if len(stats) == 0:
            fallback.add(str(route))
            stats = grp
        parts.append(stats)
    return (pd.concat(parts) if parts else d.iloc[0:0]), fallback


def stage_profile(res: RunResult, sample: pd.DataFrame, *, value: str = "time") -> pd.DataFrame:
    """P10/P50/P90 over consignments of the cumulative value at each stage end.

    ``value`` is ``"time"`` (days since creation) or ``"cost"`` (USD per TEU, needs a
    ``cost_usd`` column in ``res.legs``). One row per (route_key, stage_index) plus a start
    row at km 0, with columns route, route_key, stage_index, stage_kind, node_from, node_to,
    km (cumulative, median), p10, p50, p90.
    """
    legs = res.legs
    if value == "cost" and "cost_usd" not in legs:
        return pd.DataFrame()
    key = "route_key" if "route_key" in legs else "route"
    L = legs[legs["consignment_id"].isin(sample["consignment_id"])]
    L = L.merge(sample[["consignment_id", "created_h"]], on="consignment_id", how="left")
    L = L.sort_values(["consignment_id", "stage_index"])
    L["cum_km"] = L.groupby("consignment_id")["km"].cumsum()
    if value == "time":
        L["v"] = (L["end_h"] - L["created_h"]) / 24.0
    else:
        per_teu = L["cost_usd"].fillna(0.0) / L["teu"].where(L["teu"] > 0)
        L["v"] = per_teu.groupby(L["consignment_id"]).cumsum()
    g = L.groupby([key, "stage_index"], sort=True)
    out = g.agg(route=("route", "first"), stage_kind=("stage_kind", "first"),
                node_from=("node_from", "first"), node_to=("node_to", "first"),
                km=("cum_km", "median"))
    q = g["v"].quantile(np.array([0.1, 0.5, 0.9])).unstack()
    out[["p10", "p50", "p90"]] = q.to_numpy()
    out = out.reset_index().rename(columns={key: "route_key"})
    starts = out.groupby("route_key", sort=False).first().reset_index()
    starts = starts.assign(stage_index=-1, stage_kind="start", km=0.0, p10=0.0, p50=0.0, p90=0.0)
    both = pd.concat([starts, out], ignore_index=True)
    return both.sort_values(["route_key", "stage_index"]).reset_index(drop=True)


def _place(row: pd.Series, names: dict[str, str]) -> str:
    a = names.get(row["node_from"], row["node_from"])
    if row["stage_kind"] == "stop":
        return str(a)
    b = names.get(row["node_to"], row["node_to"])
    return f"{a} → {b} (leg)"


def bottlenecks(res: RunResult, *, top: int = 15) -> pd.DataFrame:
    """Waiting TEU-hours by place and cause, ranked by their share of all traffic's wait.

    Stops are named by node; waits of a leg (before departure at A and at borders en route) are attributed to ``A → B (leg)``.
    Columns: place, routes, teu_through, wait_<cause>_h_per_teu (mean per TEU passing),
    total_h_per_teu (same, all causes), contribution_h_per_teu (waiting TEU-h at the place
    divided by all TEU in the sample: its share of the average TEU's waiting).
    """
    legs = res.legs
    c = res.consignments
    ids = c.loc[c["in_stats"].astype(bool), "consignment_id"] if "in_stats" in c else c[
        "consignment_id"]
    L = legs[legs["consignment_id"].isin(ids) & legs["end_h"].notna()].copy()
    if L.empty:
        return pd.DataFrame()
    names = {str(k): str(v) for k, v in res.network.nodes["name"].items()}
    # name each distinct (kind, from, to) once, not each row
    trip = L[["stage_kind", "node_from", "node_to"]].astype(str)
    codes, uniq = pd.MultiIndex.from_frame(trip).factorize()
    labels = np.array([_place(pd.Series(dict(zip(trip.columns, u, strict=True))), names)
                       for u in uniq], dtype=object)
    L["place"] = labels[codes] if len(labels) else []
    causes = [k for k in CAUSES if f"wait_{k}_h" in L]
    for k in causes:
        L[f"teuh_{k}"] = L[f"wait_{k}_h"].fillna(0.0) * L["teu"]
    g = L.groupby("place")
    out = g.agg(teu_through=("teu", "sum"),
                routes=("route", lambda s: ", ".join(sorted(set(map(str, s))))))
    teuh = g[[f"teuh_{k}" for k in causes]].sum()
    teuh.columns = causes
    total_teu = float(c.loc[c["consignment_id"].isin(ids), "teu"].sum())
    for k in causes:
        out[f"wait_{k}_h_per_teu"] = teuh[k] / out["teu_through"]
    out["total_h_per_teu"] = teuh.sum(axis=1) / out["teu_through"]
    out["contribution_h_per_teu"] = teuh.sum(axis=1) / total_teu if total_teu else np.nan
    out = out[out["contribution_h_per_teu"] > 1e-6]
    out = out.sort_values("contribution_h_per_teu", ascending=False).head(top)
    keep = [k for k in causes if (out[f"wait_{k}_h_per_teu"] > 1e-9).any()]
    smp = res.info.get("sample") if isinstance(getattr(res, "info", None), dict) else None
    if smp:  # a sample of every k-th consignment per route: scale the flow back up
        out["teu_through"] = out["teu_through"] * (smp["of"] / smp["consignments"])
    cols = ["routes", "teu_through", *[f"wait_{k}_h_per_teu" for k in keep],
            "total_h_per_teu", "contribution_h_per_teu"]
    return out[cols].reset_index()


def breakdown_columns(summary: pd.DataFrame, prefix: str, parts: tuple[str, ...] = ()
                      ) -> list[str]:
    """Summary columns ``<prefix>_<part>`` with any non-missing value (``parts`` limits)."""
    pat = re.compile(rf"^{re.escape(prefix)}_([a-z_]+)$")
    cols = []
    for col in summary.columns:
        m = pat.match(col)
        if m and (not parts or m.group(1) in parts) and summary[col].notna().any():
            cols.append(col)
    return cols


def _flat(value: object) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}={_flat(v)}" for k, v in value.items() if v is not None)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _params_text(params: BaseModel) -> str:
    data = params.model_dump(exclude_none=True) if hasattr(params, "model_dump") else {}
    return "; ".join(f"{k}: {_flat(v)}" if isinstance(v, dict) else f"{k}={_flat(v)}"
                     for k, v in data.items())


def defaults_table() -> pd.DataFrame:
    """Service, facility and node defaults with their sources (``assumed`` flagged)."""
    from corridorsim.scenario import defaults as d

    rows = []
    for group, table in (("service", d.SERVICE_DEFAULTS), ("facility", d.FACILITY_DEFAULTS),
                         ("node", getattr(d, "NODE_DEFAULTS", {}))):
        for key, s in table.items():
            rows.append({"group": group, "key": key, "value": _params_text(s.params),
                         "source": s.source, "year": s.year, "note": s.note,
                         "assumed": bool(s.assumed)})
    return pd.DataFrame(rows)


def provenance_table(scn: Scenario) -> pd.DataFrame:
    """The scenario's provenance entries: path, source, year, note, assumed."""
    rows = []
    for path, p in (getattr(scn, "provenance", None) or {}).items():
        get = p.get if isinstance(p, dict) else lambda k, p=p: getattr(p, k, None)
        rows.append({"path": path, "source": get("source"), "year": get("year"),
                     "note": get("note"), "assumed": bool(get("assumed"))})
    return pd.DataFrame(rows, columns=["path", "source", "year", "note", "assumed"])


def accounting_tables() -> pd.DataFrame | None:
    """Emission factors and tariffs from ``corridorsim.accounting``, if it is available."""
    try:
        from corridorsim.accounting import assumptions_table
    except ImportError:
        return None
    try:
        tab = assumptions_table()
    except Exception as exc:  # accounting is optional here: report without it
        log.warning("accounting tables unavailable: %s", exc)
        return None
    return tab if isinstance(tab, pd.DataFrame) and len(tab) else None


def is_number(x: object) -> bool:
    v = as_float(x)
    return v is not None and math.isfinite(v)
