"""Tables behind the report's charts: stage percentiles, assumptions.

Pure pandas; no plotting here. Times are hours in the inputs, days in the outputs where the
column name says so.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from pydantic import BaseModel

from corridorsim.sim.records import CAUSES

if TYPE_CHECKING:
    from corridorsim.result import RunResult
    from corridorsim.scenario.model import Scenario

__all__ = [
    "CAUSES",
    "accounting_tables",
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



def node_names(res: RunResult) -> dict[str, str]:
    """Node id → name (:attr:`corridorsim.network.Network.names`)."""
    return res.network.names


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
        short = inst.route.family.short_label
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
    by = "route_key" if "route_key" in c.columns else "route"
    # the columns the distributions read, not the table's ~30
    cols = [k for k in ("consignment_id", by, "created_h", "transit_h", "in_stats")
            if k in c.columns]
    d = c.loc[c["delivered"].astype(bool).to_numpy(), cols]
    parts, fallback = [], set()
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
    # numbers only, for the sample's rows (the leg table has ~40 columns, text among them):
    # the text columns are read for one row per stage, at the end
    rows = np.flatnonzero(legs["consignment_id"].isin(sample["consignment_id"]).to_numpy())
    cid = legs["consignment_id"].to_numpy()[rows]
    L = pd.DataFrame({"_row": rows, "consignment_id": cid,
                      "_key": pd.factorize(legs[key], sort=True)[0][rows],
                      "stage_index": legs["stage_index"].to_numpy()[rows]})
    order = np.lexsort((L["stage_index"].to_numpy(), cid))
    L = L.iloc[order].reset_index(drop=True)
    rows = L["_row"].to_numpy()
    L["cum_km"] = pd.Series(legs["km"].to_numpy(float)[rows]).groupby(L["consignment_id"]).cumsum()
    if value == "time":
        created = pd.Series(sample["created_h"].to_numpy(), index=sample["consignment_id"])
        L["v"] = (legs["end_h"].to_numpy(float)[rows]
                  - L["consignment_id"].map(created).to_numpy(float)) / 24.0
    else:
        teu = legs["teu"].to_numpy(float)[rows]
        per_teu = (np.nan_to_num(legs["cost_usd"].to_numpy(float)[rows])
                   / np.where(teu > 0, teu, np.nan))
        L["v"] = pd.Series(per_teu).groupby(L["consignment_id"]).cumsum()
    g = L.groupby(["_key", "stage_index"], sort=True)
    first = g["_row"].first().to_numpy()
    # column by column: taking rows of the whole table would consolidate its ~30 float
    # columns into one block (a copy of all of them)
    text = {c: legs[c].iloc[first].reset_index(drop=True)
            for c in dict.fromkeys([key, "route", "stage_kind", "node_from", "node_to"])}
    out = pd.DataFrame({"route_key": text[key],
                        "stage_index": g.size().index.get_level_values(1).to_numpy()})
    for col in ("route", "stage_kind", "node_from", "node_to"):
        out[col] = text[col]
    out["km"] = g["cum_km"].median().to_numpy()
    q = g["v"].quantile(np.array([0.1, 0.5, 0.9])).unstack()
    out[["p10", "p50", "p90"]] = q.to_numpy()
    starts = out.groupby("route_key", sort=False).first().reset_index()
    starts = starts.assign(stage_index=-1, stage_kind="start", km=0.0, p10=0.0, p50=0.0, p90=0.0)
    both = pd.concat([starts, out], ignore_index=True)
    return both.sort_values(["route_key", "stage_index"]).reset_index(drop=True)


def breakdown_columns(summary: pd.DataFrame, prefix: str, parts: tuple[str, ...] = ()
                      ) -> list[str]:
    """Summary columns ``<prefix>_<part>`` with any non-zero value (``parts`` limits)."""
    pat = re.compile(rf"^{re.escape(prefix)}_([a-z_]+)$")
    cols = []
    for col in summary.columns:
        m = pat.match(col)
        if (m and (not parts or m.group(1) in parts)
                and summary[col].fillna(0.0).abs().sum() > 0):  # no zero-length bars
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
