"""HTML building blocks of the report pages: one stylesheet, tables, the page shell."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping

import pandas as pd

from corridorsim.viz.assets import esc, fmt

__all__ = ["REPORT_CSS", "Format", "formatter", "html_table", "page"]


REPORT_CSS = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #222;
  max-width: 1120px; margin: 0 auto; padding: 16px 24px 48px; background: #fff; }
h1 { font-size: 24px; margin: 8px 0 4px; } h2 { font-size: 19px; margin: 28px 0 8px;
  border-bottom: 2px solid #eee; padding-bottom: 3px; } h3 { font-size: 15px; margin: 18px 0 6px; }
.meta { color: #555; } .meta b { color: #222; }
.ci { display: block; font-size: 11px; color: #777; white-space: normal; }
.replication { background: #eef4fb; border-left: 4px solid #4a7fc1; padding: 6px 10px; }
.warning { background: #fff4e0; border-left: 4px solid #e6a100; padding: 6px 10px; }
.kpis { display: flex; flex-wrap: wrap; gap: 10px; margin: 12px 0; }
.kpi { background: #f6f7f9; border-radius: 6px; padding: 8px 14px; min-width: 130px; }
.kpi .v { font-size: 20px; font-weight: 600; } .kpi .l { font-size: 12px; color: #666; }
table.data { border-collapse: collapse; margin: 6px 0 12px; font-size: 12.5px; width: 100%; }
table.data th, table.data td { border-bottom: 1px solid #e6e6e6; padding: 3px 7px;
  vertical-align: top; } table.data th { background: #f3f4f6; text-align: left; }
table.data td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.swatch { display: inline-block; width: 14px; height: 6px; margin-right: 6px;
  vertical-align: middle; border-radius: 2px; }
.badge { font-size: 11px; border-radius: 8px; padding: 1px 7px; white-space: nowrap; }
.badge.assumed { background: #ffe066; color: #5c4400; font-weight: 600; }
.badge.sourced { background: #e7f5e9; color: #246b2f; }
.chart svg { max-width: 100%; height: auto; }
table.kpi td:first-child { min-width: 150px; }
details summary { cursor: pointer; font-weight: 600; margin: 14px 0 6px; }
.note { color: #666; font-size: 12.5px; } nav a { margin-right: 12px; }
"""


#: how a table column's values are written (``formats`` of :func:`html_table`)
Format = Callable[[object], str]


def formatter(spec: str) -> Format:
    """A :data:`Format` writing a value with :func:`~corridorsim.viz.assets.fmt` and ``spec``."""
    return lambda v: fmt(v, spec)


def html_table(df: pd.DataFrame, *, formats: Mapping[str, Format] | None = None,
               headers: Mapping[str, str] | None = None, raw: Iterable[str] = ()) -> str:
    """A DataFrame as an HTML table; numbers right-aligned, ``raw`` columns not escaped."""
    formats, headers, raw = formats or {}, headers or {}, set(raw)
    head = "".join(f"<th>{esc(headers.get(c, c))}</th>" for c in df.columns)
    body = []
    for _, row in df.iterrows():
        cells = []
        for c in df.columns:
            v = row[c]
            if c in formats:
                text, num = formats[c](v), True
            elif isinstance(v, float):
                text, num = fmt(v, ",.2f"), True
            else:
                text, num = ("" if v is None or (isinstance(v, float) and math.isnan(v))
                             else str(v)), False
            text = text if c in raw else esc(text)
            cells.append(f'<td class="num">{text}</td>' if num else f"<td>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f'<table class="data"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def page(title: str, body: str) -> str:
    """A complete HTML page with the report stylesheet."""
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{esc(title)}</title><style>{REPORT_CSS}</style></head>"
            f"<body>{body}</body></html>\n")
