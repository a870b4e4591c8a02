"""``compare.html``: the delta table of two runs and both maps side by side."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd

from corridorsim.viz.assets import as_float, esc
from corridorsim.viz.html import Format, formatter, html_table, page

__all__ = ["write_compare_report"]

COMPARE_CSS = """
body { max-width: 1500px; } .scroll { overflow-x: auto; }
.maps { display: grid; grid-template-columns: 1fr; gap: 12px; }
.maps iframe { width: 100%; height: 640px; border: 1px solid #ddd; border-radius: 4px; }
td.better { color: #1a7f37; } td.worse { color: #c62828; }
"""
# KPIs where a larger value is better; for the others smaller is better
HIGHER_IS_BETTER = ("teu_delivered", "on_time_share")


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


def _delta_class(col: str, value: object) -> str:
    x = as_float(value)
    if x is None or not x or x != x:
        return ""
    better = x > 0 if col.startswith(HIGHER_IS_BETTER) else x < 0
    return "better" if better else "worse"


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
                cls = _delta_class(col, row[col])
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
