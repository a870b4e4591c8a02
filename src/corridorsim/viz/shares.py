"""Route choice in the report: weekly route shares (``route_shares.csv``) as a chart and a table."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from corridorsim.viz import charts
from corridorsim.viz.assets import esc, fmt
from corridorsim.viz.html import html_table
from corridorsim.viz.time_charts import DateAxis, shade_windows

if TYPE_CHECKING:
    from corridorsim.result import RunResult

__all__ = ["shares_chart", "shares_section", "weekly_shares"]

TABLE = "route_shares.csv"


def weekly_shares(shares: pd.DataFrame) -> pd.DataFrame:
    """TEU share of every route per week over all segments (rows week, columns route)."""
    teu = shares.pivot_table(index="week", columns="route", values="teu", aggfunc="sum",
                             fill_value=0.0, sort=False)
    tot = teu.sum(axis=1).replace(0.0, np.nan)
    return teu.div(tot, axis=0).fillna(0.0)


def shares_chart(shares: pd.DataFrame, colours: Mapping[str, str], labels: Mapping[str, str],
                 start_date: str, *, axis: DateAxis | None = None,
                 windows: Sequence[Mapping[str, Any]] = ()) -> Figure:
    """Stacked weekly shares (all segments) and, per segment, lines of each route's share;
    with ``axis``, on the run's common date axis with ``windows`` shaded."""
    segs = list(dict.fromkeys(shares["segment"]))
    fig = Figure(figsize=(10, 3.4 + (2.4 if len(segs) > 1 else 0.0)), layout="constrained")
    wide = weekly_shares(shares)
    order = [r for r in colours if r in wide.columns] + [r for r in wide.columns if r not in colours]
    wide = wide[order]
    start = dt.date.fromisoformat(start_date)
    x = [start + dt.timedelta(days=7 * int(w)) for w in wide.index]
    rows = 2 if len(segs) > 1 else 1
    ax = fig.add_subplot(rows, 1, 1)
    # dates go through matplotlib's unit converters; the stubs accept only numbers
    ax.stackplot(x, wide.to_numpy().T,  # type: ignore[arg-type]
                 colors=[colours.get(r, "#999999") for r in wide.columns],
                 labels=[labels.get(r, r) for r in wide.columns], alpha=0.9, step="post")
    ax.set_ylim(0, 1)
    ax.set_ylabel("share of booked TEU")
    ax.set_title("Route shares by booking week (all segments)", fontsize=11)
    charts._style(ax)
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=9, frameon=False)
    if rows == 2:
        ax2 = fig.add_subplot(rows, 1, 2, sharex=ax)
        styles = ["-", "--", ":", "-."]
        for k, seg in enumerate(segs):
            w = weekly_shares(shares[shares["segment"] == seg])
            for r in [c for c in order if c in w.columns]:
                ax2.step(x[:len(w)], w[r].to_numpy(),  # type: ignore[arg-type]  # dates where="post", color=colours.get(r, "#999"),
                         linestyle=styles[k % len(styles)], linewidth=1.6,
                         label=f"{labels.get(r, r)} · {seg}")
        ax2.set_ylim(0, 1)
        ax2.set_ylabel("share within segment")
        ax2.set_title("By cargo segment", fontsize=11)
        charts._style(ax2)
        ax2.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8, frameon=False)
    for a in fig.axes:
        if axis is not None:
            shade_windows(a, windows, axis)
            axis.style(a)
    if axis is None:
        fig.autofmt_xdate()
    return fig


def _summary(shares: pd.DataFrame, labels: Mapping[str, str]) -> pd.DataFrame:
    g = shares.groupby(["segment", "route"], sort=False)["teu"].sum().reset_index()
    g["share"] = g["teu"] / g.groupby("segment")["teu"].transform("sum").replace(0.0, np.nan)
    g["route"] = g["route"].map(lambda r: labels.get(r, r))
    return g


def shares_section(res: RunResult, labels: Mapping[str, str], colours: Mapping[str, str], *,
                   axis: DateAxis | None = None, windows: Sequence[Mapping[str, Any]] = ()
                   ) -> str:
    """The report's part on route choice (in "Over time", on its date axis); empty when the
    run had no route choice."""
    shares = getattr(res, "extra_tables", {}).get(TABLE)
    if shares is None or shares.empty:
        return ""

    fam_colours = {r: colours.get(r, "#999999") for r in dict.fromkeys(shares["route"])}
    ordered = {r: fam_colours[r] for r in colours if r in fam_colours}
    ordered.update(fam_colours)
    fig = shares_chart(shares, ordered, labels, res.scenario.start_date, axis=axis,
                       windows=windows)
    cfg = res.scenario.choice
    note = (f"Shippers choose a route family each week by a logit over generalised cost "
            f"(freight + value of time × expected transit + reliability × (P90 − P50) + carbon "
            f"price × CO2e); expectations come from consignments delivered in a "
            f"{fmt(cfg.window_d, 'g')}-day window ending {fmt(cfg.lag_d, 'g')} days before "
            f"booking. Closed routes get no bookings. Weekly numbers are in {TABLE}.")
    table = _summary(shares, labels)
    over = res.info.get("choice_over_capacity_teu", 0.0) or 0.0
    extra = (f'<p class="note">{fmt(over, ",.0f")} TEU were booked above a route cap because '
             "every open route was full.</p>") if over > 0 else ""
    return ('<h3 id="route-choice">Route choice: shares over time</h3>'
            f'<div class="chart">{charts.to_svg(fig, "shares")}</div>'
            f'<p class="note">{esc(note)}</p>'
            + html_table(table, formats={"teu": lambda v: fmt(v, ",.0f"),
                                         "share": lambda v: fmt(v, ".1%")},
                         headers={"teu": "TEU booked", "share": "share of segment"})
            + extra)
