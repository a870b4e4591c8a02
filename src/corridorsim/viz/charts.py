"""Report charts as inline SVG strings (matplotlib ``Figure`` objects, no pyplot state)."""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from corridorsim.viz.render import svg

__all__ = ["breakdown_chart", "excess_chart", "time_distance_chart", "to_svg", "transit_chart"]

PART_COLOURS = {"rail": "#1f77b4", "sea": "#17becf", "road": "#8c564b", "hub": "#bcbd22",
                "handling": "#bcbd22", "border": "#e377c2", "inventory": "#7f7f7f"}


def to_svg(fig: Figure, salt: str) -> str:
    """The figure as an ``<svg>`` element (no XML prolog), ids made unique by ``salt`` — or,
    while ``corridorsim run`` renders charts in a process of their own, a placeholder that
    the page's :func:`corridorsim.viz.render.with_svgs` replaces (see that module)."""
    return svg(fig, salt)


def _ordered(df: pd.DataFrame, col: str, order: Mapping[str, str]) -> list[tuple[str, pd.DataFrame]]:
    """Groups of ``df`` by ``col`` in the order of ``order``'s keys (the scenario's)."""
    groups = {str(k): g for k, g in df.groupby(col, sort=False)}
    keys = [k for k in order if k in groups] + [k for k in groups if k not in order]
    return [(k, groups[k]) for k in keys]


def _style(ax: matplotlib.axes.Axes) -> None:
    ax.grid(True, color="#e5e5e5", linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _profile_panel(ax: matplotlib.axes.Axes, prof: pd.DataFrame,
                   colours: Mapping[str, str], labels: Mapping[str, str],
                   names: Mapping[str, str], *, annotate: bool,
                   styles: Mapping[str, str] | None = None) -> None:
    for key, grp in _ordered(prof, "route_key", colours):
        colour = colours.get(str(key), "#333333")
        x = grp["km"].to_numpy(float) / 1000.0
        ax.fill_between(x, grp["p10"], grp["p90"], color=colour, alpha=0.18, linewidth=0)
        ax.plot(x, grp["p50"], color=colour, linewidth=2, label=labels.get(str(key), key),
                linestyle=(styles or {}).get(str(key), "-"))
        if not annotate:
            continue
        steps = grp["p50"].diff()
        span = float(prof["p50"].max()) or 1.0
        for _, row in grp[(grp["stage_kind"] == "stop") & (steps > 0.06 * span)].iterrows():
            ax.annotate(names.get(row["node_from"], row["node_from"]),
                        (row["km"] / 1000.0, row["p50"]), xytext=(4, -2),
                        textcoords="offset points", fontsize=7, color=colour)


def time_distance_chart(time_prof: pd.DataFrame, cost_prof: pd.DataFrame,
                        colours: Mapping[str, str], labels: Mapping[str, str],
                        names: Mapping[str, str], *,
                        styles: Mapping[str, str] | None = None) -> Figure:
    """UNESCAP time/cost–distance chart: cumulative days (and USD/TEU) against km, one line
    per route instance (``route_key``; ``styles``: its line style, e.g. one per O/D pair)."""
    panels = 2 if len(cost_prof) else 1
    fig = Figure(figsize=(10, 4.6 * panels), layout="constrained")
    axes = fig.subplots(panels, 1, squeeze=False)[:, 0]
    _profile_panel(axes[0], time_prof, colours, labels, names, annotate=True, styles=styles)
    axes[0].set_ylabel("cumulative time (days since booking)")
    axes[0].set_title("Time–distance: median with P10–P90 band; vertical steps are stops "
                      "(borders, gauge changes, transshipments)", fontsize=10)
    if panels == 2:
        _profile_panel(axes[1], cost_prof, colours, labels, names, annotate=False,
                       styles=styles)
        axes[1].set_ylabel("cumulative cost (USD per TEU)")
        axes[1].set_title("Cost–distance (freight, handling and inventory cost)", fontsize=10)
    for ax in axes:
        _style(ax)
        ax.set_xlabel("cumulative distance (1,000 km)")
        ax.set_xlim(left=0)
        ax.set_ylim(bottom=0)
    axes[0].legend(loc="upper left", fontsize=8, frameon=False)
    return fig


def transit_chart(sample: pd.DataFrame, colours: Mapping[str, str],
                  labels: Mapping[str, str], *, by: str = "route",
                  styles: Mapping[str, str] | None = None) -> Figure:
    """Empirical CDF of door-to-door transit time per route (the groups of column ``by``:
    ``route`` or ``route_key``, one line per route instance)."""
    fig = Figure(figsize=(10, 4.2), layout="constrained")
    ax = fig.subplots()
    for route, grp in _ordered(sample, by, colours):
        days = np.sort(grp["transit_h"].to_numpy(float) / 24.0)
        if len(days) == 0:
            continue
        share = np.arange(1, len(days) + 1) / len(days)
        ax.step(days, share, where="post", color=colours.get(str(route), "#333"), linewidth=2,
                linestyle=(styles or {}).get(str(route), "-"),
                label=f"{labels.get(str(route), route)} (n={len(days):,})")
    _style(ax)
    ax.set_xlabel("transit time (days)")
    ax.set_ylabel("share of consignments delivered within")
    ax.set_ylim(0, 1.02)
    ax.set_title("Transit-time distribution (ECDF) per route", fontsize=10)
    _, names = ax.get_legend_handles_labels()
    long_names = max((len(n) for n in names), default=0) > 45  # e.g. "Family · O → D"
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncols=1 if long_names else 3,
              fontsize=8, frameon=False)
    return fig


def excess_chart(bn: pd.DataFrame, labels: Mapping[str, str],
                 colours: Mapping[str, str]) -> Figure:
    """Horizontal bars per route and place (rows of
    :func:`corridorsim.viz.bottlenecks.route_bottlenecks`, in order): the undisturbed mean
    wait in grey, the excess in the route's colour."""
    rows = bn.iloc[::-1].reset_index(drop=True)
    fig = Figure(figsize=(10, 0.3 * len(rows) + 2.2), layout="constrained")
    ax = fig.subplots()
    y = np.arange(len(rows))
    ax.barh(y, rows["undisturbed_h"].clip(lower=0.0), color="#d9d9d9",
            label="undisturbed mean wait")
    done: set[str] = set()
    for key, grp in rows.groupby("route_key", sort=False):
        k = str(key)
        ax.barh(grp.index.to_numpy(), grp["excess_h"], left=grp["undisturbed_h"].clip(lower=0.0),
                color=colours.get(k, "#333333"),
                label=None if k in done else f"excess · {labels.get(k, k)}")
        done.add(k)
    starts = rows.index[rows["route_key"] != rows["route_key"].shift()].to_numpy()
    for s in starts[1:]:
        ax.axhline(s - 0.5, color="#999999", linewidth=0.6)
    ax.set_yticks(y, [p if len(p) <= 60 else p[:57] + "…" for p in rows["place"]])
    _style(ax)
    ax.tick_params(axis="y", labelsize=8)
    ax.set_ylim(-0.6, len(rows) - 0.4)
    ax.set_xlabel("mean waiting hours per consignment at the place")
    ax.set_title("Bottlenecks per route: waiting beyond the undisturbed time", fontsize=10)
    handles, names = ax.get_legend_handles_labels()
    ax.legend(handles[::-1], names[::-1], loc="upper center", bbox_to_anchor=(0.5, -0.12),
              ncols=2, fontsize=8, frameon=False)
    return fig


def breakdown_chart(summary: pd.DataFrame, cols: list[str], prefix: str,
                    labels: Mapping[str, str], *, xlabel: str, title: str) -> Figure:
    """Stacked horizontal bars per row of ``summary`` (labelled by ``labels`` of its
    ``route``: a family id or a route instance key) of the ``<prefix>_<part>`` columns."""
    data = summary.set_index("route")[cols].dropna(how="all")
    fig = Figure(figsize=(10, 0.55 * len(data) + 1.9), layout="constrained")
    ax = fig.subplots()
    left = np.zeros(len(data))
    ylabels = [labels.get(str(r), str(r)) for r in data.index]
    for col in cols:
        part = col[len(prefix) + 1:]
        vals = data[col].fillna(0.0).to_numpy(float)
        ax.barh(ylabels, vals, left=left, color=PART_COLOURS.get(part), label=part)
        left += vals
    _style(ax)
    ax.invert_yaxis()
    ax.set_xlabel(xlabel)
    ax.set_title(title, fontsize=10)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.28 if len(data) < 3 else -0.18),
              fontsize=8, ncols=len(cols), frameon=False)
    return fig
