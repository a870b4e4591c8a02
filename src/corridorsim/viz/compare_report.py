"""``compare.html``: the delta table of two runs and both maps side by side, or the paired
differences of two scenarios over replications with the parameters that differ."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from corridorsim.viz.assets import as_float, esc
from corridorsim.viz.html import Format, formatter, html_table, page

if TYPE_CHECKING:
    from corridorsim.analysis.compare import ScenarioComparison

__all__ = ["HIGHER_IS_BETTER", "KPI_LABELS", "kpi_text", "tone", "write_compare_report",
           "write_paired_report"]

COMPARE_CSS = """
body { max-width: 1500px; } .scroll { overflow-x: auto; }
.maps { display: grid; grid-template-columns: 1fr; gap: 12px; }
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


def _scenario_name(run: Path) -> str:
    try:
        return str(json.loads((run / "run.json").read_text(encoding="utf-8"))["scenario"])
    except (OSError, ValueError, KeyError):
        return run.name


def _rel(target: Path, out: Path) -> str:
    return Path(os.path.relpath(target.resolve(), out.resolve())).as_posix()


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


def _delta_table(table: pd.DataFrame) -> str:
    formats: dict[str, Format] = {}
    for col in table.columns:
        if col in ("route", "origin", "destination"):
            continue
        spec = ".1%" if col.startswith("on_time_share") else ",.2f"
        signed = "+" + spec if col.endswith("_delta") else spec
        formats[col] = formatter(signed)
    headers = {c: c.replace("_", " ") for c in table.columns}
    html = html_table(table, formats=formats, headers=headers)
    # colour the delta cells: rebuild rows with a class on *_delta cells
    cols = list(table.columns)
    for _, row in table.iterrows():
        for col in cols:
            if col.endswith("_delta"):
                cls = tone(col, row[col])
                cell = f'<td class="num">{esc(formats[col](row[col]))}</td>'
                if cls:
                    html = html.replace(cell, f'<td class="num {cls}">'
                                        f"{esc(formats[col](row[col]))}</td>", 1)
    return html


def write_compare_report(run_a: Path, run_b: Path, table: pd.DataFrame, out: Path) -> list[Path]:
    """Write ``compare.html`` into ``out``: delta table (B − A) and both runs' maps."""
    run_a, run_b, out = Path(run_a), Path(run_b), Path(out)
    name_a, name_b = _scenario_name(run_a), _scenario_name(run_b)
    body = (f"<style>{COMPARE_CSS}</style>"
            f"<h1>corridorsim comparison · {esc(name_b)} vs {esc(name_a)}</h1>"
            f'<p class="meta">A = <b>{esc(name_a)}</b> ({esc(run_a)}) · B = <b>{esc(name_b)}'
            f"</b> ({esc(run_b)}) · deltas are B − A; green is better, red worse.</p>"
            f'<h2>KPI deltas per route</h2><div class="scroll">{_delta_table(table)}</div>'
            f'<h2>Maps</h2><div class="maps">{_map_panel(run_a, out, "A")}'
            f"{_map_panel(run_b, out, 'B')}</div>")
    path = out / "compare.html"
    path.write_text(page(f"corridorsim comparison · {name_b} vs {name_a}", body),
                    encoding="utf-8")
    return [path]


# ------------------------------------------------------------------------------ scenarios
def _paired_rows(table: pd.DataFrame) -> str:
    keys = [k for k in ("route", "origin", "destination") if k in table.columns]
    head = "".join(f"<th>{h}</th>" for h in (
        "route", "origin → destination", "KPI", "A (mean)", "B (mean)", "B − A (mean)",
        "95 % interval of B − A", "pairs", "distinguishable from 0"))
    rows, current = [], None
    for r in table.to_dict("records"):
        key = tuple(r[k] for k in keys)
        first = key != current
        current = key
        kpi = str(r["kpi"])
        verdict = str(r["distinguishable"])
        cls = tone(kpi, r["diff_mean"]) if verdict == "yes" else "same"
        pair = f"{r['origin']} → {r['destination']}" if "origin" in r else ""
        cells = [esc(r["route"]) if first else "", esc(pair) if first else "",
                 esc(KPI_LABELS.get(kpi, (kpi, ""))[0])]
        nums = [kpi_text(kpi, r["a_mean"]), kpi_text(kpi, r["b_mean"]),
                kpi_text(kpi, r["diff_mean"], signed=True),
                f"{kpi_text(kpi, r['diff_ci95_low'], signed=True)} … "
                f"{kpi_text(kpi, r['diff_ci95_high'], signed=True)}", str(r["pairs"])]
        tds = [f"<td>{c}</td>" for c in cells]
        tds += [f'<td class="num">{esc(n)}</td>' for n in nums]
        tds.append(f'<td class="{cls}">{esc(verdict)}</td>')
        rows.append(f'<tr{" class=first" if first else ""}>{"".join(tds)}</tr>')
    return (f'<table class="data"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table>')


def write_paired_report(cmp: ScenarioComparison, out: Path) -> list[Path]:
    """Write ``compare.html`` into ``out``: the scenarios' parameters that differ and each
    KPI's paired difference B − A per route instance with its 95 % interval."""
    runs = cmp.runs
    a, b = runs.a.name, runs.b.name
    params = (html_table(cmp.parameters, headers={"parameter": "parameter", "a": f"A ({a})",
                                                  "b": f"B ({b})"})
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
            f'<h2>Paired differences per route</h2><div class="scroll">'
            f"{_paired_rows(cmp.table)}</div>"
            f"<h2>Parameters that differ ({len(cmp.parameters)})</h2>"
            "<p class=note>From the two scenarios' canonical dumps (name, description, "
            "sources and seed left out); — means not set.</p>"
            f'<div class="scroll">{params}</div>')
    path = out / "compare.html"
    path.write_text(page(f"corridorsim comparison · {b} vs {a}", body), encoding="utf-8")
    return [path]
