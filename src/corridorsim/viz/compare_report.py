"""``compare.html``: the delta table of two runs and both maps side by side, or the paired
differences of two scenarios over replications with the parameters that differ."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from corridorsim.errors import CorridorSimError
from corridorsim.viz.assets import as_float, esc
from corridorsim.viz.html import html_table, page

if TYPE_CHECKING:
    from corridorsim.analysis.compare import ScenarioComparison

__all__ = ["HIGHER_IS_BETTER", "KPI_LABELS", "delta_records", "kpi_text", "route_label",
           "tone", "write_compare_report", "write_paired_report"]

COMPARE_CSS = """
body { max-width: 1300px; } .scroll { overflow-x: auto; }
.maps { display: grid; grid-template-columns: 1fr 1fr; gap: 12px; }
.maps > div { min-width: 0; } .cols { display: grid; grid-template-columns: 3fr 2fr; gap: 24px; }
.cols > div { min-width: 0; } td.param { word-break: break-all; max-width: 420px; }
tr.group td { font-weight: 600; background: #f6f6f6; }
.maps iframe { width: 100%; height: 640px; border: 1px solid #ddd; border-radius: 4px; }
td.better { color: #1a7f37; } td.worse { color: #c62828; }
td.same { color: #888; } tr.first td { border-top: 2px solid #ccc; }
"""
#: how the paired table names and writes each KPI (terminal and compare.html)
KPI_LABELS = {"teu_delivered": ("TEU delivered", ",.0f"),
              "transit_days_mean": ("transit mean, d", ".2f"),
              "transit_days_p50": ("transit P50, d", ".2f"),
              "transit_days_p90": ("transit P90, d", ".2f"),
              "on_time_share": ("on-time share", ".1%"),
              "co2e_wtw_kg_per_teu": ("kg CO2e/TEU", ",.0f"),
              "cost_usd_per_teu": ("USD/TEU", ",.0f")}
#: KPIs where a larger value is better; for the others smaller is better
HIGHER_IS_BETTER = ("teu_delivered", "on_time_share")


def kpi_text(kpi: str, value: object, *, signed: bool = False) -> str:
    """``value`` of ``kpi`` as the comparison shows it (a signed difference of a share in
    percentage points); ``n/a`` when missing."""
    x = as_float(value)
    if x is None or x != x:
        return "n/a"
    spec = KPI_LABELS.get(kpi, (kpi, ",.2f"))[1]
    if spec.endswith("%") and signed:
        text = f"{x * 100:+.1f} pp"
    else:
        text = f"{x:{'+' if signed else ''}{spec}}"
    # a difference that rounds to zero is written without a sign ("-0.00" reads as a loss)
    return text[1:] if signed and not any(c in "123456789" for c in text) else text


def tone(kpi: str, diff: object) -> str:
    """``better`` or ``worse`` for a difference B − A of ``kpi`` (or of a ``<kpi>_delta``
    column); ``""`` when zero or missing."""
    x = as_float(diff)
    if x is None or not x or x != x:
        return ""
    return "better" if (x > 0) == kpi.startswith(HIGHER_IS_BETTER) else "worse"


def route_label(route: object) -> tuple[str, str]:
    """The short label and the colour of a route family (its id and grey when unknown)."""
    from corridorsim.corridors import CORRIDORS

    fam = CORRIDORS.get(str(route))
    return (fam.short_label, fam.colour) if fam else (str(route), "#333")


INSTANCE = ("route", "origin", "destination")
Group = tuple[str, list[list[str]]]  # a route instance's heading cell and its rows of cells


def _instance_heading(row: dict[str, object], several: bool) -> str:
    label, colour = route_label(row["route"])
    pair = (f' <span class="note">{esc(row["origin"])} → {esc(row["destination"])}</span>'
            if several and "origin" in row else "")
    return (f'<i class="swatch" style="background:{esc(colour)}"></i>{esc(label)}{pair}'
            f' <span class="note">({esc(row["route"])})</span>')


def _several_pairs(df: pd.DataFrame) -> bool:
    return ({"origin", "destination"} <= set(df.columns)
            and len(df[["origin", "destination"]].drop_duplicates()) > 1)


def _groups(records: list[dict[Any, Any]], several: bool,
            cells: Callable[[dict[Any, Any]], list[str]]) -> list[Group]:
    """``records`` (ordered by route instance) as one group per instance."""
    out: list[Group] = []
    current: tuple[object, ...] | None = None
    for r in records:
        key = tuple(r.get(k) for k in INSTANCE)
        if key != current:
            out.append((_instance_heading(r, several), []))
            current = key
        out[-1][1].append(cells(r))
    return out


def _grouped_table(heads: list[str], groups: list[Group]) -> str:
    """A table with a full-width heading row per route instance above its rows; cells are
    HTML (a leading ``<td`` kept as is)."""
    th = "".join(f"<th>{esc(h)}</th>" for h in heads)
    body = []
    for heading, rows in groups:
        body.append(f'<tr class="group first"><td colspan="{len(heads)}">{heading}</td></tr>')
        for cells in rows:
            body.append("<tr>" + "".join(c if c.startswith("<td") else f"<td>{c}</td>"
                                         for c in cells) + "</tr>")
    return (f'<table class="data"><thead><tr>{th}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table>')


def _num(text: str, cls: str = "") -> str:
    return f'<td class="num{" " + cls if cls else ""}">{esc(text)}</td>'


def delta_records(table: pd.DataFrame) -> list[dict[str, object]]:
    """A delta table (``<kpi>_a``, ``<kpi>_b``, ``<kpi>_delta`` columns) as one record per
    route instance and KPI: ``kpi``, ``a``, ``b``, ``diff``."""
    keys = [k for k in INSTANCE if k in table.columns]
    kpis = [c.removesuffix("_delta") for c in table.columns if c.endswith("_delta")]
    return [{**{k: row[k] for k in keys}, "kpi": kpi, "a": row.get(f"{kpi}_a"),
             "b": row.get(f"{kpi}_b"), "diff": row.get(f"{kpi}_delta")}
            for row in table.to_dict("records") for kpi in kpis]


def _delta_table(table: pd.DataFrame) -> str:
    def cells(r: dict[str, object]) -> list[str]:
        kpi = str(r["kpi"])
        return [esc(KPI_LABELS.get(kpi, (kpi, ""))[0]), _num(kpi_text(kpi, r["a"])),
                _num(kpi_text(kpi, r["b"])),
                _num(kpi_text(kpi, r["diff"], signed=True), tone(kpi, r["diff"]))]

    groups = _groups(delta_records(table), _several_pairs(table), cells)
    return _grouped_table(["KPI", "A", "B", "B − A"], groups)


def _waits(a: pd.DataFrame, b: pd.DataFrame) -> str:
    """Mean hours per consignment by cause of waiting (and moving), A and B per route
    instance, from two summaries (one row per instance)."""
    causes = [c for c in (*a.columns, *b.columns) if c.startswith("wait_")
              and c.endswith("_days_mean")]
    causes = [*dict.fromkeys(causes), "moving_days_mean"]
    keys = [k for k in INSTANCE if k in a.columns and k in b.columns]
    m = a.merge(b, on=keys, how="outer", suffixes=("_a", "_b"))
    records = []
    for row in m.to_dict("records"):
        for c in causes:
            va, vb = (row.get(f"{c}_{s}", math.nan) for s in "ab")
            va, vb = (None if x is None or x != x else x for x in map(as_float, (va, vb)))
            if not (va or vb):
                continue  # no such wait in A nor B
            ha = None if va is None else va * 24.0
            hb = None if vb is None else vb * 24.0
            diff = None if ha is None or hb is None else hb - ha
            name = c.removeprefix("wait_").removesuffix("_days_mean").replace("_", " ")
            records.append({**{k: row[k] for k in keys}, "cause": name, "a": ha, "b": hb,
                            "diff": diff})
    if not records:
        return "<p>No waiting recorded in A nor B.</p>"

    def cells(r: dict[str, object]) -> list[str]:
        d = as_float(r["diff"])
        cls = "" if d is None or not abs(d) >= 0.05 else ("worse" if d > 0 else "better")
        return [esc(r["cause"]), _num(_hours(r["a"])), _num(_hours(r["b"])),
                _num(_hours(r["diff"], signed=True), cls)]

    several = _several_pairs(a) or _several_pairs(b)
    return _grouped_table(["cause", "A, h", "B, h", "B − A, h"],
                          _groups(records, several, cells))


def _hours(v: object, *, signed: bool = False) -> str:
    x = as_float(v)
    if x is None or x != x:
        return "n/a"
    text = f"{x:{'+' if signed else ''},.1f}"
    return text[1:] if signed and not any(c in "123456789" for c in text) else text


WAITS_NOTE = ("<p class=note>Mean hours per consignment booked after the warm-up and "
              "delivered, by cause of waiting; <i>moving</i> is time under way. Rows with no "
              "such wait in A nor B are left out.</p>")


def _scenario_name(run: Path) -> str:
    return str(_run_info(run).get("scenario", run.name))


def _run_info(run: Path) -> dict[str, Any]:
    try:
        info = json.loads((run / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return info if isinstance(info, dict) else {}


#: run.json entries compared between two run folders (which hold no scenario dump)
RUN_FIELDS = ("scenario", "scenario_hash", "seed", "horizon_d", "warmup_d", "start_date",
              "network")


def _run_parameters(run_a: Path, run_b: Path) -> str:
    ia, ib = _run_info(run_a), _run_info(run_b)
    short = {"scenario_hash": lambda v: str(v)[:12]}  # enough to tell two apart
    rows = [(f, *(short.get(f, str)(i.get(f, "—")) for i in (ia, ib))) for f in RUN_FIELDS
            if ia.get(f) != ib.get(f)]
    va, vb = (i.get("versions", {}).get("corridorsim", "—") for i in (ia, ib))
    if va != vb:
        rows.append(("corridorsim version", va, vb))
    note = ("<p class=note>From the run folders' run.json; they hold no scenario dump, so "
            "the scenario values that differ are listed by <code>corridorsim compare A.yaml "
            "B.yaml --replications N</code>.</p>")
    if not rows:
        return note + "<p>None.</p>"
    table = html_table(pd.DataFrame(rows, columns=["run.json", "A", "B"]).astype(str))
    return note + f'<div class="scroll">{table.replace("<td>", "<td class=param>")}</div>'


def _map_panel(run: Path, out: Path, tag: str) -> str:
    name = esc(_scenario_name(run))
    head = f"<h3>{tag}: {name} <span class='note'>({esc(run)})</span></h3>"
    if not (run / "map.html").exists():
        return f"<div>{head}<p class='note'>No map.html in this run folder.</p></div>"
    rel = esc(_rel(run / "map.html", out))
    links = f'<p class="note"><a href="{rel}">open map</a>'
    if (run / "report.html").exists():
        links += f' · <a href="{esc(_rel(run / "report.html", out))}">open report</a>'
    return (f'<div>{head}<iframe src="{rel}" title="map of run {tag}" loading="lazy">'
            f"</iframe>{links}</p></div>")


def _rel(target: Path, out: Path) -> str:
    return Path(os.path.relpath(target.resolve(), out.resolve())).as_posix()


def _summary(run: Path) -> pd.DataFrame:
    from corridorsim.outputs import read_summary

    try:
        return read_summary(run)
    except (OSError, ValueError, CorridorSimError):  # the waits are an extra
        return pd.DataFrame(columns=["route"])


def write_compare_report(run_a: Path, run_b: Path, table: pd.DataFrame, out: Path) -> list[Path]:
    """Write ``compare.html`` into ``out``: KPIs of A and B and B − A per route instance,
    the waits by cause, what differs between the runs, and both runs' maps."""
    run_a, run_b, out = Path(run_a), Path(run_b), Path(out)
    name_a, name_b = _scenario_name(run_a), _scenario_name(run_b)
    body = (f"<style>{COMPARE_CSS}</style>"
            f"<h1>corridorsim comparison · {esc(name_b)} vs {esc(name_a)}</h1>"
            f'<p class="meta">A = <b>{esc(name_a)}</b> ({esc(run_a)}) · B = <b>{esc(name_b)}'
            f"</b> ({esc(run_b)}) · differences are B − A; green is better, red worse.</p>"
            '<div class="cols"><div><h2>KPIs per route</h2>'
            f'<div class="scroll">{_delta_table(table)}</div></div>'
            "<div><h2>Waiting by cause</h2>" + WAITS_NOTE
            + f'<div class="scroll">{_waits(_summary(run_a), _summary(run_b))}</div>'
            f"<h2>What differs between the runs</h2>{_run_parameters(run_a, run_b)}</div>"
            f'</div><h2>Maps</h2><div class="maps">{_map_panel(run_a, out, "A")}'
            f"{_map_panel(run_b, out, 'B')}</div>")
    path = out / "compare.html"
    path.write_text(page(f"corridorsim comparison · {name_b} vs {name_a}", body),
                    encoding="utf-8")
    return [path]


# ------------------------------------------------------------------------------ scenarios
def _paired_table(table: pd.DataFrame) -> str:
    def cells(r: dict[str, object]) -> list[str]:
        kpi = str(r["kpi"])
        verdict = str(r["distinguishable"])
        cls = tone(kpi, r["diff_mean"]) if verdict == "yes" else "same"
        return [esc(KPI_LABELS.get(kpi, (kpi, ""))[0]), _num(kpi_text(kpi, r["a_mean"])),
                _num(kpi_text(kpi, r["b_mean"])),
                _num(kpi_text(kpi, r["diff_mean"], signed=True)),
                _num(f"{kpi_text(kpi, r['diff_ci95_low'], signed=True)} … "
                     f"{kpi_text(kpi, r['diff_ci95_high'], signed=True)}"),
                _num(str(r["pairs"])), f'<td class="{cls}">{esc(verdict)}</td>']

    groups = _groups(table.to_dict("records"), _several_pairs(table), cells)
    return _grouped_table(["KPI", "A (mean)", "B (mean)", "B − A", "95 % interval of B − A",
                           "pairs", "distinguishable from 0"], groups)


def _mean_rows(reps: pd.DataFrame) -> pd.DataFrame:
    keys = [k for k in INSTANCE if k in reps.columns]
    num = [c for c in reps.columns if c.startswith("wait_") or c == "moving_days_mean"]
    return reps.groupby(keys, sort=False)[num].mean().reset_index() if num else reps[keys]


def write_paired_report(cmp: ScenarioComparison, out: Path) -> list[Path]:
    """Write ``compare.html`` into ``out``: each KPI's paired difference B − A per route
    instance with its 95 % interval, the waits by cause and the scenarios' parameters that
    differ."""
    runs = cmp.runs
    a, b = runs.a.name, runs.b.name
    params = (html_table(cmp.parameters, headers={"parameter": "parameter", "a": f"A ({a})",
                                                  "b": f"B ({b})"})
              .replace("<td>", '<td class="param">')
              if not cmp.parameters.empty else
              "<p>None: A and B simulate the same scenario.</p>")
    body = (f"<style>{COMPARE_CSS}</style>"
            f"<h1>corridorsim comparison · {esc(b)} vs {esc(a)}</h1>"
            f'<p class="meta">A = <b>{esc(a)}</b> · B = <b>{esc(b)}</b> · '
            f"{runs.replications} replications of each, with the same seeds (common random "
            f"numbers; replication seeds from {runs.seeds[0]}) · horizon {runs.a.horizon_d:g} "
            f"/ {runs.b.horizon_d:g} d · {esc(runs.executor)}</p>"
            "<p class=note>Differences are B − A, paired by replication. An interval is the "
            "95 % Student-t interval of the mean paired difference; a difference is "
            "<b>distinguishable from 0</b> when its interval excludes 0 (green: B better, "
            "red: B worse; grey: within noise). Share differences are in percentage points."
            "</p>"
            f"<h2>Parameters that differ ({len(cmp.parameters)})</h2>"
            "<p class=note>From the two scenarios' canonical dumps (name, description, "
            "sources and seed left out); — means not set.</p>"
            f'<div class="scroll">{params}</div>'
            '<div class="cols"><div><h2>Paired differences per route</h2>'
            f'<div class="scroll">{_paired_table(cmp.table)}</div></div>'
            "<div><h2>Waiting by cause (means over the replications)</h2>" + WAITS_NOTE
            + f'<div class="scroll">{_waits(_mean_rows(runs.rep_a), _mean_rows(runs.rep_b))}'
            "</div></div></div>")
    path = out / "compare.html"
    path.write_text(page(f"corridorsim comparison · {b} vs {a}", body), encoding="utf-8")
    return [path]
