"""Charts of the report's "Over time" section, all on one calendar axis: transit time by
booking week, queues by week at the places that matter, with closure and storm windows
shaded (``run.json: windows``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from corridorsim.viz import charts

__all__ = ["DateAxis", "queue_chart", "shade_windows", "transit_by_week_chart"]

CLOSURE_COLOUR = "#e31a1c"
STORM_COLOUR = "#6baed6"
WARMUP_COLOUR = "#bdbdbd"
#: a booking week's transit times are drawn only when at least this share of its TEU was
#: delivered by the horizon (else only the fast ones are known: biased low)
MIN_DELIVERED_SHARE = 0.9


def _num(d: dt.datetime) -> float:
    """A date as matplotlib's date number."""
    return float(mdates.date2num(d))  # type: ignore[no-untyped-call]


def _nums(ds: Sequence[dt.datetime]) -> np.ndarray:
    return np.array([_num(d) for d in ds], dtype=float)


def _legend_items(ax: Axes, extra: Sequence[Patch]) -> tuple[list[Artist], list[str]]:
    lines, names = ax.get_legend_handles_labels()
    return [*lines, *extra], [*map(str, names), *(str(h.get_label()) for h in extra)]


class DateAxis:
    """The run's calendar: hours from ``start_date`` → dates, and the common x limits."""

    def __init__(self, start_date: str, horizon_d: float, warmup_d: float = 0.0) -> None:
        self.day0 = dt.datetime.fromisoformat(start_date)
        self.horizon_d = float(horizon_d)
        self.warmup_d = float(warmup_d)

    def at(self, hours: float) -> dt.datetime:
        return self.day0 + dt.timedelta(hours=float(hours))

    def mid_weeks(self, week_start: pd.Series) -> list[dt.datetime]:
        """The middle of each week (``YYYY-MM-DD`` Mondays), kept inside the run."""
        lo, hi = self.day0, self.at(self.horizon_d * 24.0)
        out = []
        for s in week_start:
            a = max(dt.datetime.fromisoformat(str(s)), lo)
            b = min(dt.datetime.fromisoformat(str(s)) + dt.timedelta(days=7), hi)
            out.append(a + (b - a) / 2)
        return out

    def style(self, ax: Axes) -> None:
        """Common limits and concise date labels: month starts, every k-th month so that a
        panel has at most about a dozen ticks (weekly starts for runs under two months); the
        ticks are fixed here, which spares matplotlib's automatic date search at each draw."""
        ax.set_xlim(_num(self.day0), _num(self.at(self.horizon_d * 24)))
        loc: mdates.DateLocator
        if self.horizon_d < 60:
            loc = mdates.WeekdayLocator(byweekday=mdates.MO)  # type: ignore[no-untyped-call]
        else:
            k = max(1, -(-int(self.horizon_d) // (30 * 12)))
            loc = mdates.MonthLocator(interval=k)  # type: ignore[no-untyped-call]
        ax.xaxis.set_major_locator(loc)
        ax.xaxis.set_major_formatter(
            mdates.ConciseDateFormatter(loc))  # type: ignore[no-untyped-call]


def _span(ax: Axes, axis: DateAxis, a_h: float, b_h: float, **kw: Any) -> None:
    ax.axvspan(_num(axis.at(a_h)), _num(axis.at(b_h)), **kw)


def shade_windows(ax: Axes, windows: Sequence[Mapping[str, Any]], axis: DateAxis, *,
                  labels: bool = False) -> list[Patch]:
    """Shade the warm-up (grey), closures (red, each labelled when ``labels``) and storms
    (light blue); return legend handles for the kinds drawn."""
    handles = []
    if axis.warmup_d > 0:
        _span(ax, axis, 0.0, axis.warmup_d * 24.0, color=WARMUP_COLOUR, alpha=0.18, lw=0)
        handles.append(Patch(color=WARMUP_COLOUR, alpha=0.35, label="warm-up (not in KPIs)"))
    storms = [w for w in windows if w.get("cause") == "weather"]
    if storms:  # overlapping spells merged, drawn as one artist (a year has hundreds)
        spans: list[list[float]] = []
        for a, b in sorted((float(w["start_h"]), float(w["end_h"])) for w in storms):
            if spans and a <= spans[-1][1]:
                spans[-1][1] = max(spans[-1][1], b)
            else:
                spans.append([a, b])
        x = [(_num(axis.at(a)), _num(axis.at(b)) - _num(axis.at(a))) for a, b in spans]
        ax.broken_barh(x, (0.0, 1.0), transform=ax.get_xaxis_transform(), color=STORM_COLOUR,
                       alpha=0.22, lw=0)
        areas = sorted({str(w.get("target", "")) for w in storms if "place" not in w})
        places = sorted({str(w["place"]) for w in storms if "place" in w})
        where = [a.replace("_", " ") for a in areas] + places
        handles.append(Patch(color=STORM_COLOUR, alpha=0.4,
                             label=f"weather ({', '.join(where)})"))
    closures = [w for w in windows if w.get("cause") == "disruption"]
    for k, w in enumerate(closures):
        _span(ax, axis, w["start_h"], w["end_h"], color=CLOSURE_COLOUR, alpha=0.13, lw=0)
        if labels:
            text = str(w.get("label", w.get("target", ""))).split(":")[0]
            ax.annotate(text.split(" (")[0] if len(text) > 40 else text,
                        (_num(axis.at(w["start_h"])), 1.0),
                        xycoords=("data", "axes fraction"), xytext=(3, -11 - 10 * (k % 3)),
                        textcoords="offset points", fontsize=8, color=CLOSURE_COLOUR)
    if closures:
        handles.append(Patch(color=CLOSURE_COLOUR, alpha=0.3, label="closure / disruption"))
    return handles


def transit_by_week_chart(ts: pd.DataFrame, axis: DateAxis, windows: Sequence[Mapping[str, Any]],
                          colours: Mapping[str, str], labels: Mapping[str, str],
                          styles: Mapping[str, str] | None = None) -> Figure:
    """Door-to-door days by booking week per route (``route_key``): P50 line, P10–P90 band."""
    fig = Figure(figsize=(10, 4.6), layout="constrained")
    ax = fig.subplots()
    handles = shade_windows(ax, windows, axis, labels=True)
    for key, grp in charts._ordered(ts, "route_key", colours):
        ok = grp["transit_p50_d"].notna()
        if "booked_delivered_share" in grp:
            ok &= grp["booked_delivered_share"].fillna(0.0) >= MIN_DELIVERED_SHARE
        g = grp[ok]
        if g.empty:
            continue
        x = _nums(axis.mid_weeks(g["week_start"]))
        colour = colours.get(key, "#333333")
        ax.fill_between(x, g["transit_p10_d"].to_numpy(float), g["transit_p90_d"].to_numpy(float),
                        color=colour, alpha=0.16, linewidth=0)
        ax.plot(x, g["transit_p50_d"].to_numpy(float), color=colour, linewidth=1.8,
                marker="o", markersize=2.5, linestyle=(styles or {}).get(key, "-"),
                label=labels.get(key, key))
    charts._style(ax)
    axis.style(ax)
    ax.set_ylim(bottom=0)
    ax.set_ylabel("door-to-door days (by booking week)")
    ax.set_title("Transit time by booking week: median, band P10–P90", fontsize=10)
    items, names = _legend_items(ax, handles)
    # three columns of "Family · Origin → Destination" are wider than the figure: two
    ncols = 2 if max((len(n) for n in names), default=0) > 45 else 3
    ax.legend(items, names, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncols=ncols,
              fontsize=8, frameon=False)
    return fig


def queue_chart(fts: pd.DataFrame, places: Sequence[str], titles: Mapping[str, str],
                axis: DateAxis, windows: Sequence[Mapping[str, Any]]) -> Figure:
    """Per place (``node`` + direction key, at most six panels): mean TEU at the facility and
    mean TEU in its yard waiting for the next vehicle out, by week, stacked."""
    n = len(places)
    cols = 2 if n > 1 else 1
    rows = -(-n // cols)
    fig = Figure(figsize=(10, 2.3 * rows + 0.9), layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows, cols, sharex=True, squeeze=False)).ravel()
    handles: list[Patch] = []
    for ax, place in zip(axes, places, strict=False):
        g = fts[fts["_place"] == place]
        x = _nums(axis.mid_weeks(g["week_start"]))
        handles = shade_windows(ax, windows, axis)
        ax.stackplot(x, g["teu_at_facility_mean"].to_numpy(float),
                     g["teu_waiting_onward_mean"].to_numpy(float),
                     colors=["#4c72b0", "#f0a35e"],
                     labels=["at the facility (in service or dwell)",
                             "in the yard, waiting for the next vehicle out"], alpha=0.9)
        charts._style(ax)
        axis.style(ax)
        ax.set_ylim(bottom=0)
        ax.set_title(titles.get(place, place), fontsize=9)
        ax.tick_params(labelsize=8)
        ax.set_ylabel("TEU (weekly mean)", fontsize=8)
    for ax in axes[n:]:
        ax.set_visible(False)
    fig.legend(*_legend_items(axes[0], handles), loc="outside lower center", ncols=3, fontsize=8, frameon=False)
    return fig
