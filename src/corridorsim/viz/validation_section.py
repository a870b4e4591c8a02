"""The report's "Validation" section and the stand-alone ``validation.html``.

Renders a ``check-model`` table (observed vs simulated, tolerance band, pass/fail, source)
with the validation pass rate (role ``validation`` only), the calibration targets and inputs
apart with their residuals (never counted), the calibrated parameters with their sources,
and (``validation.html``) the simulated effects of the real episodes.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import pandas as pd

from corridorsim.viz.assets import as_float, esc, fmt
from corridorsim.viz.html import html_table, page

if TYPE_CHECKING:
    from corridorsim.result import RunResult

__all__ = ["episodes_html", "validation_html", "validation_page", "validation_section"]

PASS = '<span class="badge sourced">pass</span>'
FAIL = '<span class="badge assumed">FAIL</span>'


def _num(v: object, unit: str) -> str:
    x = as_float(v)
    if x is None:
        return ""
    if math.isnan(x):
        return "n/a"
    spec = ",.0f" if abs(x) >= 100 or unit == "TEU/yr" else (".2f" if abs(x) < 10 else ".1f")
    return fmt(x, spec)


def _table(table: pd.DataFrame, residual: bool = False) -> pd.DataFrame:
    rows = []
    for r in table.to_dict("records"):
        u = str(r.get("unit", ""))
        extra = {}
        if residual:
            pct = as_float(r.get("error_pct"))
            extra["residual"] = ("n/a" if pct is None or math.isnan(pct)
                                 else fmt(pct / 100, "+.1%"))
        rows.append({
            "id": r["id"], "kind": r["kind"], "role": r.get("role", "validation"),
            "quantity": r["quantity"],
            "observed": _num(r["observed"], u),
            "source range": f"{_num(r['low'], u)}–{_num(r['high'], u)}",
            "accepted": f"{_num(r['accept_low'], u)}–{_num(r['accept_high'], u)}",
            "simulated": _num(r["simulated"], u), **extra, "unit": u,
            "result": PASS if bool(r["pass"]) else FAIL,
            "condition": r.get("condition", ""),
            "source": f"{r['source']} ({r['year']})",
        })
    return pd.DataFrame(rows)


def _calibrations() -> pd.DataFrame | None:
    try:
        from corridorsim.validation.calibrate import load_calibrations

        cal = load_calibrations()
    except (ImportError, OSError, ValueError):
        return None
    return cal[["parameter", "value", "unit", "method", "targets", "source", "year", "note"]]


def _split(table: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    if "role" not in table.columns:
        return table, table.iloc[0:0]
    val = table["role"] == "validation"
    return table[val], table[~val]


def validation_html(table: pd.DataFrame) -> str:
    """The validation table with its pass rate, the calibration targets and inputs apart
    (residuals, not counted) and the calibrations, as an HTML fragment."""

    val, cal_rows = _split(table)
    n = len(val)
    passed = int(val["pass"].astype(bool).sum()) if n else 0
    parts = [f'<p>Validation pass rate: <b>{passed} of {n}</b> validation observations pass '
             f'({fmt(passed / n if n else math.nan, ".0%")})']
    for kind in ("component", "schedule"):
        t = val[val["kind"] == kind]
        if len(t):
            parts.append(f" · {kind}: {int(t['pass'].astype(bool).sum())}/{len(t)}")
    if len(cal_rows):
        parts.append(f" · {len(cal_rows)} calibration targets and inputs not counted")
    out = "".join(parts) + "</p>"
    out += ('<p class="note">Observed figures come from <code>data/observations.csv</code> '
            "(each with its source and year). A value passes when it lies within the source's "
            "range widened by the stated tolerance. Component figures describe one part of the "
            "model; schedule claims are published end-to-end promises, compared under light "
            "load without storms. Only observations with role <i>validation</i> count in the "
            "pass rate.</p>")
    out += html_table(_table(val), raw=["result"])
    if len(cal_rows):
        out += ('<h3 id="calibration-residuals">Calibration targets and inputs (not counted)</h3>'
                '<p class="note">Figures a calibrated parameter was fitted to (role '
                "<i>calibration</i>) or that the model takes as an input (role <i>input</i>): "
                "reproducing them shows the fit held, not that the model is right, so they are "
                "shown with their residual (simulated / observed − 1) and left out of the "
                "pass rate.</p>" + html_table(_table(cal_rows, residual=True), raw=["result"]))
    cal = _calibrations()
    if cal is not None and len(cal):
        out += ("<h3>Calibrated parameters</h3><p class=\"note\">Not published directly; fitted "
                "to the component figures (<code>data/calibration.csv</code>).</p>"
                + html_table(cal, formats={"value": lambda v: fmt(v, ",.4g"),
                                           "year": lambda v: fmt(v, ".0f")}))
    return out


def validation_section(res: RunResult) -> str:
    """The report section, if the run carries a ``validation.csv`` table (else empty)."""
    table = (getattr(res, "extra_tables", None) or {}).get("validation.csv")
    if table is None or len(table) == 0:
        return ""
    return '<h2 id="validation">Validation</h2>' + validation_html(table)


def episodes_html(episodes: pd.DataFrame) -> str:
    """The real episodes' simulated effects (``episodes.csv``) as an HTML fragment."""
    from corridorsim.validation.episodes import EPISODE_COLUMNS, episode_cells

    rows = [dict(zip(EPISODE_COLUMNS, episode_cells(r), strict=True))
            for r in episodes.to_dict("records")]
    return ('<h2 id="episodes">Real episodes</h2>'
            '<p class="note">The shipped scenarios of dated 2024–2026 episodes (addendum §3, '
            "T-D1…T-D5), run with their own dates and demand. The effects are the model's: "
            "no observed effect is an input, so compare them with what you know. "
            "<i>Extra days</i>: consignments that waited for the closure, their transit less "
            "that of the same route's bookings in the four weeks before; <i>held at</i>: where "
            "most of them waited; <i>queue peak</i>: on the routes the disruptions act on, the "
            "facility where held TEU rose most above its level before the episode; "
            "<i>recovery</i>: days from the episode's end until that facility is back to its "
            "earlier level (to the week). Details: <code>docs/validation.md</code>.</p>"
            + html_table(pd.DataFrame(rows, columns=list(EPISODE_COLUMNS))))


def validation_page(table: pd.DataFrame, *, scenario: str, version: int | None = None,
                    episodes: pd.DataFrame | None = None) -> str:
    """A self-contained ``validation.html`` page (with the real episodes' effects if given)."""

    head = (f"<h1>corridorsim check-model · {esc(scenario)}</h1>"
            f'<p class="meta">observations version <b>{esc(version)}</b></p>')
    body = head + '<h2 id="validation">Validation</h2>' + validation_html(table)
    if episodes is not None and len(episodes):
        body += episodes_html(episodes)
    return page(f"corridorsim validation · {scenario}", body)
