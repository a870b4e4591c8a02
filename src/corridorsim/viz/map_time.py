"""The map's time slider: week by week, each facility's queue and each route's TEU.

Reads only the run's ``timeseries.csv`` and ``facility_timeseries.csv`` tables
(``RunResult.extra_tables``). The slider is a Leaflet control written in plain JavaScript
(:data:`~corridorsim.viz.map_time_js.SLIDER_JS`, inlined): a range input and a week label; moving it
restyles the existing layers, found by their keys (option ``tags``) (:func:`~corridorsim.viz.layers.
facility_class`, :func:`~corridorsim.viz.layers.route_class`). Position 0 is the whole run
(the map as drawn). Nothing is fetched; the data are embedded as JSON with sorted keys, so
the page is deterministic.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import TYPE_CHECKING, Any

import pandas as pd
from branca.element import MacroElement
from jinja2 import Template

from corridorsim.viz.assets import QUEUE_BINS
from corridorsim.viz.layers import facility_class, instance_label, route_class, route_families
from corridorsim.viz.map_time_js import SLIDER_JS

if TYPE_CHECKING:
    import folium

    from corridorsim.result import RunResult

__all__ = ["TimeSlider", "add_time_slider", "time_data"]

ROUTE_TABLE = "timeseries.csv"
FACILITY_TABLE = "facility_timeseries.csv"


def _num(value: object, ndigits: int = 1) -> float | None:
    """A finite number rounded for the page, or None (JSON ``null``)."""
    try:
        x = float(value)  # type: ignore[arg-type]  # anything float() takes
    except (TypeError, ValueError):
        return None
    return round(x, ndigits) if math.isfinite(x) else None


def _week_label(week: str, start: str, end: str) -> str:
    try:
        a, b = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    except ValueError:
        return week
    return f"{week} · {a:%d %b} – {b:%d %b %Y}"


def _weeks(tables: list[pd.DataFrame], start_date: str) -> list[dict[str, Any]]:
    cols = ["week", "week_start", "week_end"]
    parts = [t[cols] for t in tables if set(cols) <= set(t.columns)]
    if not parts:
        return []
    w = pd.concat(parts).astype(str).drop_duplicates("week").sort_values("week_start")
    day0 = dt.date.fromisoformat(start_date)
    out = []
    for week, start, end in w.itertuples(index=False):
        try:
            h0 = (dt.date.fromisoformat(start) - day0).days * 24.0
            h1 = (dt.date.fromisoformat(end) - day0).days * 24.0 + 24.0
        except ValueError:
            h0 = h1 = math.nan
        out.append({"id": week, "label": _week_label(week, start, end),
                    "h0": _num(h0), "h1": _num(h1)})
    return out


def _series(df: pd.DataFrame, weeks: list[str], col: str) -> list[float | None]:
    by_week = dict(zip(df["week"].astype(str), df[col], strict=True)) if col in df else {}
    return [_num(by_week.get(w)) for w in weeks]


def _facilities(res: RunResult, fts: pd.DataFrame, weeks: list[str]) -> list[dict[str, Any]]:
    need = {"node", "direction", "week"}
    if not need <= set(fts.columns):
        return []
    fts = fts.assign(queue_teu=fts.get("teu_at_facility_mean", 0.0)
                     + fts.get("teu_waiting_onward_mean", 0.0))
    drawn = res.facilities
    drawn = drawn[(drawn["kind"] != "chokepoint") & drawn["node"].isin(res.network.nodes.index)]
    by_place = {(str(n), str(d)): rows for (n, d), rows in
                fts.groupby(["node", "direction"], sort=False, observed=True)}
    out = []
    for node, direction, name in drawn[["node", "direction", "name"]].itertuples(index=False):
        rows = by_place.get((str(node), str(direction)))
        if rows is None or rows.empty:
            continue
        out.append({"cls": facility_class(node, direction), "name": str(name),
                    "q": _series(rows, weeks, "queue_teu"),
                    "at": _series(rows, weeks, "teu_at_facility_mean"),
                    "on": _series(rows, weeks, "teu_waiting_onward_mean"),
                    "u": _series(rows, weeks, "utilisation"),
                    "w": _series(rows, weeks, "wait_mean_h")})
    return out


def _routes(res: RunResult, ts: pd.DataFrame, weeks: list[str]) -> list[dict[str, Any]]:
    if not {"route", "week"} <= set(ts.columns):
        return []
    out = []
    for family, insts in route_families(res).items():
        for inst in insts:
            rows = ts[ts["route"] == family]
            if {"origin", "destination"} <= set(ts.columns):
                rows = rows[(rows["origin"] == inst.origin)
                            & (rows["destination"] == inst.destination)]
            if rows.empty:
                continue
            out.append({"cls": route_class(inst), "label": instance_label(res, inst),
                        "short": inst.route.family.short_label,
                        "colour": str(inst.route.family.colour),
                        "booked": _series(rows, weeks, "teu_booked"),
                        "delivered": _series(rows, weeks, "teu_delivered"),
                        "p50": _series(rows, weeks, "transit_p50_d")})
    return out


def _closures(res: RunResult) -> list[dict[str, Any]]:
    if not res.closures:
        return []
    return [{"h0": _num(w.start_h), "h1": _num(w.end_h), "label": w.label}
            for w in res.closures.windows()]


def time_data(res: RunResult) -> dict[str, Any] | None:
    """What the slider shows, as JSON-ready data; None when the run has no weekly tables."""
    tables = getattr(res, "extra_tables", {}) or {}
    ts, fts = tables.get(ROUTE_TABLE), tables.get(FACILITY_TABLE)
    present = [t for t in (ts, fts) if t is not None and len(t)]
    weeks = _weeks(present, str(res.scenario.start_date))
    if not weeks:
        return None
    ids = [w["id"] for w in weeks]
    facs = _facilities(res, fts, ids) if fts is not None and len(fts) else []
    routes = _routes(res, ts, ids) if ts is not None and len(ts) else []
    if not facs and not routes:
        return None
    qs = [q for f in facs for q in f["q"] if q is not None]
    teu = [t for r in routes for k in ("booked", "delivered") for t in r[k] if t is not None]
    return {"weeks": weeks, "facilities": facs, "routes": routes,
            "q_max": max(qs, default=0.0), "teu_max": max(teu, default=0.0),
            "bins": [[None if math.isinf(u) else u, c, lab] for u, c, lab in QUEUE_BINS],
            "closures": _closures(res)}


class TimeSlider(MacroElement):
    """The week slider: a Leaflet control and its script, with the data inlined."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        {{ this.js }}
        corridorsimTimeSlider({{ this._parent.get_name() }}, {{ this.data|tojson }});
        {% endmacro %}
    """)

    def __init__(self, data: dict[str, Any]) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # branca: no annotations
        self._name = "TimeSlider"
        self.data, self.js = data, SLIDER_JS


def add_time_slider(m: folium.Map, res: RunResult) -> bool:
    """Add the week slider to ``m`` (last: it restyles layers already added); False when
    the run has no weekly tables."""
    data = time_data(res)
    if data is None:
        return False
    m.add_child(TimeSlider(data))
    return True
