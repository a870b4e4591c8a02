"""The report's "Saturation and backlog" section (from ``res.info["saturated"]``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from corridorsim.viz.assets import esc, fmt
from corridorsim.viz.html import html_table
from corridorsim.viz.report_data import od_pairs

if TYPE_CHECKING:
    from corridorsim.result import RunResult

__all__ = ["saturation_section"]


def saturation_section(res: RunResult) -> str:
    """HTML of the "Saturation and backlog" section: saturated places and backlog per route."""
    head = '<h2 id="saturation">Saturation and backlog</h2>'
    info = getattr(res, "info", {}) or {}
    sat = info.get("saturated")
    s = res.summary
    out = head
    if sat is None:
        return out + "<p>Saturation was not assessed for this run.</p>"
    if not sat:
        out += ("<p>No facility or service is saturated: no server was busy 95% of the time "
                "and no queue grew over the second half of the run.</p>")
    else:

        out += (f"<p><b>{len(sat)} saturated place(s)</b>: demand exceeds what they can handle, "
                "so queues grow without bound and the results depend on the horizon. "
                "Backlog is the TEU still queued there at the horizon (not those on board).</p>")
        df = pd.DataFrame([{
            "place": p.get("name") or p["place"], "id": p["place"], "kind": p.get("kind", ""),
            "utilisation": p.get("utilisation"), "backlog TEU": p.get("backlog_teu", 0.0),
            "growth TEU (2nd half)": p.get("growth_teu", 0.0),
            "routes": ", ".join(p.get("routes", [])),
        } for p in sat])
        out += html_table(df, formats={
            "utilisation": lambda v: "–" if v is None or v != v else fmt(v, ".0%"),
            "backlog TEU": lambda v: fmt(v, ",.0f"),
            "growth TEU (2nd half)": lambda v: fmt(v, ",.0f"),
        })
    if "backlog_teu" in s.columns and len(s):
        # one row per route instance; its O/D pair is shown when the run has several
        several = len(od_pairs(res)) > 1 if hasattr(res, "routes") else False
        who = ("route", "origin", "destination") if several else ("route",)
        cols = [c for c in (*who, "teu_created", "teu_delivered", "backlog_teu", "queued_teu",
                            "saturated_places") if c in s.columns]

        tab = s[cols].copy()
        if "saturated_places" in tab:
            tab["saturated_places"] = tab["saturated_places"].fillna("").astype(str).str.replace(";", ", ")
        out += ("<h3>Backlog per route</h3>" + html_table(
            tab, formats={c: (lambda v: fmt(v, ",.0f")) for c in cols
                          if c not in (*who, "saturated_places")},
            headers={"backlog_teu": "backlog TEU (booked after warm-up, not delivered)",
                     "queued_teu": "TEU queued at saturated places",
                     "saturated_places": "saturated places"}))
        total = info.get("backlog_teu")
        if total is not None:
            out += f'<p class="note">Total backlog: {esc(fmt(total, ",.0f"))} TEU.</p>'
    return out
