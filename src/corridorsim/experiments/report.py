"""How each KPI responds to each sweep parameter: a table and a small offline HTML page.

``sensitivity`` gives, per parameter × route instance (family, origin, destination) × KPI,
the Spearman rank correlation over
variants, the least-squares slope (KPI units per parameter unit) and the effect range (max −
min of the KPI's mean at each parameter value). ``report_html`` draws, per parameter, the
KPI means against the parameter value per route instance as inline SVG (matplotlib Agg): no network
access, no JavaScript.
"""

from __future__ import annotations

import html
import io
import math
import re
from typing import TYPE_CHECKING, Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from corridorsim.experiments.sweep import SweepResult, SweepSpec

__all__ = ["REPORT_KPIS", "report_html", "sensitivity"]

REPORT_KPIS = {
    "transit_days_p50": "transit p50 (days)",
    "transit_days_p90": "transit p90 (days)",
    "on_time_share": "on-time share",
    "co2e_wtw_kg_per_teu": "kg CO2e WTW / TEU",
    "cost_usd_per_teu": "USD / TEU",
    "teu_delivered": "TEU delivered",
}
SENS_COLUMNS = ["parameter", "route", "origin", "destination", "kpi", "n", "spearman", "slope",
                "effect_range"]
_INSTANCE = ("route", "origin", "destination")


def _instances(table: pd.DataFrame) -> list[tuple[tuple[Any, ...], pd.DataFrame]]:
    """The rows of each route instance (route, origin, destination), in order of first
    appearance; a table without origin/destination (an older sweep) by route alone."""
    keys = [c for c in _INSTANCE if c in table.columns]
    groups = table.groupby(keys, sort=False, dropna=False)
    return [(k if isinstance(k, tuple) else (k,), g) for k, g in groups]


def _instance_label(key: tuple[Any, ...], several_pairs: bool) -> str:
    """``route`` or, when the sweep has more than one O/D pair, ``route · O → D``."""
    from corridorsim.viz.compare_report import route_label

    name = route_label(key[0])[0]
    if several_pairs and len(key) == 3:
        return f"{name} · {key[1]} → {key[2]}"
    return name


def _several_pairs(table: pd.DataFrame) -> bool:
    return ({"origin", "destination"} <= set(table.columns)
            and len(table[["origin", "destination"]].drop_duplicates()) > 1)


def _numeric(s: pd.Series) -> pd.Series | None:
    if s.dtype == bool:
        return s.astype(float)
    v = pd.to_numeric(s, errors="coerce")
    return v.astype(float) if v.notna().all() else None


def sensitivity(spec: SweepSpec, table: pd.DataFrame) -> pd.DataFrame:
    """One row per parameter × route instance × KPI (deterministic order)."""
    rows = []
    if len(table) == 0:
        return pd.DataFrame(columns=SENS_COLUMNS)
    kpis = [k for k in REPORT_KPIS if k in table.columns]
    instances = _instances(table)
    for p in spec.parameters:
        for key, t in instances:
            who = dict(zip(_INSTANCE, key, strict=False))
            x = _numeric(t[p])
            for k in kpis:
                y = t[k].astype(float)
                ok = y.notna().to_numpy()
                row: dict[str, Any] = {"parameter": p, "route": who.get("route"),
                                       "origin": who.get("origin"),
                                       "destination": who.get("destination"), "kpi": k,
                                       "n": int(ok.sum()), "spearman": math.nan,
                                       "slope": math.nan, "effect_range": math.nan}
                if ok.sum():
                    means = y[ok].groupby(t[p].astype(str)[ok]).mean()
                    row["effect_range"] = float(means.max() - means.min())
                if x is not None and ok.sum() >= 3:
                    xv, yv = x.to_numpy()[ok], y.to_numpy()[ok]
                    if np.ptp(xv) > 0 and np.ptp(yv) > 0:
                        rx = pd.Series(xv).rank().to_numpy()
                        ry = pd.Series(yv).rank().to_numpy()
                        row["spearman"] = float(np.corrcoef(rx, ry)[0, 1])
                    if np.ptp(xv) > 0:
                        row["slope"] = float(np.polyfit(xv, yv, 1)[0])
                rows.append(row)
    out = pd.DataFrame(rows, columns=SENS_COLUMNS).round(6)
    for c in ("spearman", "slope", "effect_range"):
        out[c] = out[c] + 0.0  # no "-0.000000" after rounding
    return out


def _svg(fig: Figure, salt: str) -> str:
    buf = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": salt, "svg.fonttype": "none"}):
        fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    text = re.sub(r"<\?xml[^>]*\?>\s*|<!DOCTYPE[^>]*>\s*", "", buf.getvalue())
    return re.sub(r"<metadata>.*?</metadata>\s*", "", text, flags=re.S).strip()


#: line styles of the O/D pairs (a route family keeps its colour on every pair)
PAIR_STYLES = ("-", "--", ":", "-.")


def _colour(route: object, n: int) -> str:
    """The route family's colour, as on the map and in the report (tab10 when unknown)."""
    from matplotlib.colors import to_hex

    from corridorsim.corridors import CORRIDORS

    fam = CORRIDORS.get(str(route))
    return fam.colour if fam else to_hex(plt.get_cmap("tab10")(n % 10))


def _designs(table: pd.DataFrame) -> tuple[pd.Series, bool]:
    """Which rows are grid points (the lines average only these) and whether the sweep has
    Latin-hypercube points too."""
    design = table["design"] if "design" in table.columns else pd.Series("grid", table.index)
    grid = design.astype(str) != "lhs"
    return grid, bool((~grid).any())


def _integer_axis(x: pd.Series | None) -> bool:
    return x is not None and bool(np.all(np.isclose(x.to_numpy(float),
                                                    np.round(x.to_numpy(float)))))


def _chart(table: pd.DataFrame, param: str, kpis: list[str]) -> str:
    from matplotlib.ticker import MaxNLocator

    instances = _instances(table)
    several = _several_pairs(table)
    pairs = {p: i for i, p in enumerate(dict.fromkeys(k[1:] for k, _ in instances))}
    grid, _ = _designs(table)
    x = _numeric(table[param])
    cats = None if x is not None else sorted(table[param].astype(str).unique())
    ncol = min(3, len(kpis))
    nrow = math.ceil(len(kpis) / ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(4.0 * ncol, 2.8 * nrow), squeeze=False)
    for j, k in enumerate(kpis):
        ax = axes[j // ncol][j % ncol]
        for n, (key, t) in enumerate(instances):
            xs = (x[t.index] if x is not None
                  else t[param].astype(str).map({c: i for i, c in enumerate(cats or [])}))
            df = pd.DataFrame({"x": xs.to_numpy(dtype=float), "y": t[k].to_numpy(dtype=float),
                               "grid": grid[t.index].to_numpy()}).dropna()
            if df.empty:
                continue
            c = _colour(key[0], n)
            g, h = df[df["grid"]], df[~df["grid"]]
            ax.scatter(g["x"], g["y"], s=10, alpha=0.35, color=c)
            ax.scatter(h["x"], h["y"], s=14, alpha=0.6, color=c, marker="x", linewidths=0.8)
            if len(g):
                means = g.groupby("x")["y"].mean().sort_index()
                ax.plot(means.index, means.to_numpy(), marker="o", ms=3, lw=1.2, color=c,
                        ls=PAIR_STYLES[pairs.get(key[1:], 0) % len(PAIR_STYLES)],
                        label=_instance_label(key, several))
            else:  # Latin-hypercube points only: no line, the points speak
                ax.plot([], [], marker="x", ls="", color=c, label=_instance_label(key, several))
        ax.set_title(REPORT_KPIS[k], fontsize=9)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
        if cats is not None:
            ax.set_xticks(range(len(cats)), cats, rotation=30)
        elif _integer_axis(x):  # ship counts, trains per week: no 4.5 ships
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel(param, fontsize=7)
    for j in range(len(kpis), nrow * ncol):
        axes[j // ncol][j % ncol].axis("off")
    seen: dict[str, Any] = {}  # every instance drawn on any panel, once
    for ax in axes.flat:
        for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
            seen.setdefault(lab, h)
    handles, labels = list(seen.values()), list(seen)
    if handles:
        fig.legend(handles, labels, loc="lower center", ncol=min(5, len(labels)), fontsize=8,
                   frameon=False, bbox_to_anchor=(0.5, -0.02))
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    return _svg(fig, f"sweep-{param}")


CSS = """body{font-family:system-ui,sans-serif;margin:24px;color:#222;max-width:1250px}
h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd}
table{border-collapse:collapse;font-size:12.5px}td,th{border:1px solid #ddd;padding:3px 7px}
td.num{text-align:right;font-variant-numeric:tabular-nums}.note{color:#666;font-size:12.5px}
svg{max-width:100%;height:auto}"""


def _readable(sens: pd.DataFrame) -> pd.DataFrame:
    """The sensitivity rows as the page shows them: route families and KPIs by their labels
    (as on the map, the report and the charts); sensitivity.csv keeps the ids."""
    from corridorsim.viz.compare_report import route_label

    out = sens.copy()
    out["route"] = [route_label(r)[0] for r in out["route"]]
    out["kpi"] = [REPORT_KPIS.get(str(k), str(k)) for k in out["kpi"]]
    return out


def _table(df: pd.DataFrame) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    body = []
    for row in df.itertuples(index=False):
        cells = []
        for v in row:
            if isinstance(v, float):
                text = "" if math.isnan(v) else f"{v:,.3f}"
                cells.append(f'<td class="num">{text}</td>')
            else:
                cells.append(f"<td>{html.escape(str(v))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _points_note(table: pd.DataFrame) -> str:
    grid, has_lhs = _designs(table)
    text = ("Colours are the route families' colours on the map and in the run report. "
            "Dots are grid variants; lines join the KPI's mean over the grid variants at "
            "each parameter value (averaged over the other grid parameters).")
    if has_lhs:
        n = (table.loc[~grid, "variant"].nunique() if "variant" in table.columns
             else int((~grid).sum()))
        text += (f" Crosses are the {n} Latin-hypercube variants, shown apart and not in the means (their other "
                 "parameters take values off the grid).")
    return " " + html.escape(text)


def report_html(result: SweepResult) -> str:
    """The sweep report as one self-contained HTML page."""
    spec, table, sens = result.spec, result.table, result.sensitivity
    kpis = [k for k in REPORT_KPIS if k in table.columns]
    n_done = int(table["variant"].nunique()) if len(table) else 0
    parts = [f"<h1>Sweep {html.escape(spec.name)}</h1>",
             f'<p class="note">base scenario {html.escape(spec.base.name)} '
             f"({html.escape(spec.base_ref)}), seed {spec.base.seed}, horizon "
             f"{spec.base.horizon_d:g} d, warm-up {spec.base.warmup_d:g} d; "
             f"{len(spec.variants)} variants × {spec.replications} replication(s); "
             f"{n_done} variant(s) complete, {len(result.errors)} failed task(s). "
             + _points_note(table) + "</p>"]
    if spec.description:
        parts.append(f"<p>{html.escape(spec.description)}</p>")
    if result.errors:
        parts.append("<h2>Failed tasks</h2>" + _table(pd.DataFrame(result.errors)))
    for p in spec.parameters:
        parts.append(f"<h2>{html.escape(p)}</h2>")
        if n_done and kpis:
            parts.append(f'<div class="chart">{_chart(table, p, kpis)}</div>')
        s = sens[sens["parameter"] == p].drop(columns=["parameter"])
        if len(s):
            parts.append("<details><summary>sensitivity table</summary>"
                         f"{_table(_readable(s))}</details>")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>Sweep {html.escape(spec.name)}</title><style>{CSS}</style></head>"
            f"<body>{''.join(parts)}</body></html>\n")
