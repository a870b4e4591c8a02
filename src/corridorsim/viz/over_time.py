"""The report's "Over time" section: what happened week by week.

Reads only the run's weekly tables — ``timeseries.csv`` (per ISO week and route),
``facility_timeseries.csv`` (per ISO week and facility) — and ``run.json: windows`` (every
closure and storm), and puts transit time, queues and route shares on one calendar axis.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pandas as pd

from corridorsim.scenario.model import (
    CASPIAN_STORMS_SOURCE,
    PLACE_WEATHER_SOURCES,
    Provenance,
)
from corridorsim.viz import charts
from corridorsim.viz.assets import esc, fmt
from corridorsim.viz.html import html_table
from corridorsim.viz.report_data import instance_keys
from corridorsim.viz.shares import shares_section
from corridorsim.viz.time_charts import (
    MIN_DELIVERED_SHARE,
    DateAxis,
    queue_chart,
    transit_by_week_chart,
)

if TYPE_CHECKING:
    from corridorsim.result import RunResult

__all__ = ["QUEUE_PLACES", "over_time_section", "queue_places"]

#: how many places the queue chart shows
QUEUE_PLACES = 6


def _axis(res: RunResult) -> DateAxis:
    info = res.info
    return DateAxis(str(info.get("start_date") or res.scenario.start_date),
                    float(info.get("horizon_d") or res.scenario.horizon_d),
                    float(info.get("warmup_d") or 0.0))


def queue_places(fts: pd.DataFrame, axis: DateAxis, n: int = QUEUE_PLACES) -> pd.DataFrame:
    """The ``n`` places whose weekly queue (mean TEU at the facility + waiting onward) rose
    highest above their usual (median) week after warm-up — a place that always holds cargo
    (deep-sea port dwell) does not count, one that fills up does. Columns ``_place`` (node
    and direction), ``title``, ``peak_teu``, ``usual_teu``, ``rise_teu``, ``peak_week``."""
    level = fts["teu_at_facility_mean"].fillna(0.0) + fts["teu_waiting_onward_mean"].fillna(0.0)
    warm_end = str((axis.day0 + pd.Timedelta(days=axis.warmup_d)).date())
    df = fts.assign(_level=level)
    df = df[df["week_end"].astype(str) >= warm_end]
    rows = []
    for place, g in df.groupby("_place", sort=True):
        if g.empty or float(g["_level"].max()) <= 0.0:
            continue
        top = g.iloc[int(g["_level"].to_numpy(float).argmax())]
        usual = float(g["_level"].median())
        rows.append({"_place": place, "title": str(top["_title"]),
                     "peak_teu": float(top["_level"]), "usual_teu": usual,
                     "rise_teu": float(top["_level"]) - usual, "peak_week": str(top["week"])})
    out = pd.DataFrame(rows, columns=["_place", "title", "peak_teu", "usual_teu", "rise_teu",
                                      "peak_week"])
    out = out[out["rise_teu"] > 0.5]
    return out.sort_values(["rise_teu", "_place"], ascending=[False, True]).head(n)


def _facility_frame(fts: pd.DataFrame) -> pd.DataFrame:
    """The facility table with a place key (node + direction) and a title per row."""
    direction = fts["direction"].astype(str) if "direction" in fts else pd.Series(
        "westbound", index=fts.index)
    west = direction == "westbound"
    place = fts["node"].astype(str).where(west, fts["node"].astype(str) + " (" + direction + ")")
    name = fts["name"].astype(str) if "name" in fts else fts["node"].astype(str)
    kind = fts["kind"].astype(str).str.replace("_", " ") if "kind" in fts else ""
    title = name + " · " + kind + direction.where(~west, "").map(lambda d: f" · {d}" if d else "")
    return fts.assign(_place=place, _title=title)


def _transit_part(res: RunResult, ts: pd.DataFrame, axis: DateAxis,
                  windows: list[dict[str, Any]], labels: Mapping[str, str],
                  colours: Mapping[str, str], styles: Mapping[str, str]) -> str:
    ts = ts.assign(route_key=instance_keys(res, ts))
    fig = transit_by_week_chart(ts, axis, windows, colours, labels, styles)
    note = ("Door-to-door days of the consignments booked in each ISO week (Monday–Sunday; "
            "points at the middle of the week), by route: line the median, band P10–P90. "
            f"Weeks whose bookings were less than {MIN_DELIVERED_SHARE:.0%} delivered by "
            "the horizon are left out (only their fast consignments would be known). A closure "
            "shows first in the weeks booked before it: their cargo reaches it on the way. Red: "
            "closures and disruptions (labelled); light blue: storms; grey: warm-up. Weekly "
            "numbers, with waits by cause, are in timeseries.csv.")
    return (f'<div class="chart">{charts.to_svg(fig, "ot_transit")}</div>'
            f'<p class="note">{esc(note)}</p>' + storm_note(res, windows))


def storm_note(res: RunResult, windows: list[dict[str, Any]]) -> str:
    """How many storms each sea had and how many spells of weather each single place (a
    closed port, a slowed border), and where their rates come from."""
    scn = res.scenario
    default = "weather" not in scn.model_fields_set
    seas, places = [], []
    weather = [w for w in windows if w["cause"] == "weather"]
    for area in sorted({str(w["target"]) for w in weather if "place" not in w}):
        n = sum(1 for w in weather if w["target"] == area and "place" not in w)
        prov = scn.provenance.get(f"weather.{area}.storms_per_month")
        if prov is None and area == "caspian" and default:
            prov = CASPIAN_STORMS_SOURCE
        seas.append(f"{n} storm{'s' if n != 1 else ''} on the {area.replace('_', ' ')} "
                    f"(rate: {_source(prov)})")
    for node in sorted({str(w["target"]) for w in weather if "place" in w}):
        spells = [w for w in weather if w["target"] == node and "place" in w]
        prov = next((p for k, p in scn.provenance.items()
                     if k.startswith(f"weather.places.{node}.")), None)
        if prov is None and default:
            prov = PLACE_WEATHER_SOURCES.get(node)
        cap = float(spells[0].get("capacity_factor", 0.0))
        what = "closing" if cap == 0.0 else f"slowing to {cap:.0%}"
        places.append(f"{len(spells)} spell{'s' if len(spells) != 1 else ''} {what} "
                      f"{spells[0]['place']} (rate: {_source(prov)})")
    out = ""
    if seas:
        out += f'<p class="note">Storms: {esc("; ".join(seas))}.</p>'
    if places:
        out += f'<p class="note">Weather at single places: {esc("; ".join(places))}.</p>'
    return out


def _source(prov: Provenance | None) -> str:
    if prov is None:
        return "source not given"
    return (f"{prov.source or 'no source'}{f' {prov.year}' if prov.year else ''}"
            f"{', assumed' if prov.assumed else ''}{f': {prov.note}' if prov.note else ''}")



def _queue_part(fts: pd.DataFrame, axis: DateAxis, windows: list[dict[str, Any]]) -> str:
    fts = _facility_frame(fts)
    top = queue_places(fts, axis)
    if top.empty:
        return "<p>No place's queue rose above its usual week after warm-up.</p>"
    places = list(top["_place"])
    titles = dict(zip(top["_place"], top["title"], strict=True))
    fig = queue_chart(fts[fts["_place"].isin(places)], places, titles, axis, windows)
    note = ("The places whose weekly cargo level (mean TEU at the facility plus TEU in its "
            "yard waiting for the next vehicle out) rose highest above their usual (median) "
            "week after warm-up; normal dwell, however large, is not a rise. Per facility "
            "and week in facility_timeseries.csv.")
    table = top.drop(columns="_place").rename(columns={"title": "place"})
    return (f'<h3>Queues over time at the places that rose most</h3>'
            f'<div class="chart">{charts.to_svg(fig, "ot_queue")}</div>'
            f'<p class="note">{esc(note)}</p>'
            + html_table(table, formats={c: (lambda v: fmt(v, ",.0f"))
                                         for c in ("peak_teu", "usual_teu", "rise_teu")},
                         headers={"peak_teu": "peak week TEU", "usual_teu": "median week TEU",
                                  "rise_teu": "rise TEU", "peak_week": "peak week"}))


def over_time_section(res: RunResult, labels: Mapping[str, str], colours: Mapping[str, str],
                      styles: Mapping[str, str]) -> str:
    """HTML of the section (route shares included when the run had route choice)."""
    head = '<h2 id="over-time">Over time</h2>'
    tables = getattr(res, "extra_tables", {}) or {}
    ts, fts = tables.get("timeseries.csv"), tables.get("facility_timeseries.csv")
    axis = _axis(res)
    windows = [dict(w) for w in (res.info.get("windows") or [])]
    out = head
    if ts is not None and not ts.empty:
        out += _transit_part(res, ts, axis, windows, labels, colours, styles)
    if fts is not None and not fts.empty:
        out += _queue_part(fts, axis, windows)
    shares = shares_section(res, labels, colours, axis=axis, windows=windows)
    if out == head and not shares:
        return head + "<p>This run has no weekly tables.</p>"
    return out + shares
