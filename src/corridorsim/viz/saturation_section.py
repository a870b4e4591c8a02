"""The report's "Saturation: queued and in transit" section (from ``res.info["saturated"]``
and the summary's ``backlog_teu`` / ``queued_teu``).

Words matter here: the summary's ``backlog_teu`` is cargo booked after warm-up and not yet
delivered when the run ended — nearly all of it on board or at a stop on its way, i.e. *in
transit at the end of the horizon* — while ``queued_teu`` is what sits in the queues of
saturated places. The report never calls the first "backlog".
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from corridorsim.viz.assets import esc, fmt
from corridorsim.viz.html import html_table
from corridorsim.viz.report_data import instance_keys, instance_labels, od_pairs

if TYPE_CHECKING:
    from corridorsim.result import RunResult

__all__ = ["IN_TRANSIT", "QUEUED", "saturation_section"]

#: the label of the summary's ``backlog_teu``
IN_TRANSIT = "in transit at the end of the horizon"
#: the label of the summary's ``queued_teu``
QUEUED = "queued at saturated places"


def _family_label(route: object) -> str:
    """A route family's short label (the id itself when unknown)."""
    from corridorsim.viz.compare_report import route_label

    return route_label(route)[0]


def _saturated_table(sat: list[dict[str, Any]]) -> str:
    df = pd.DataFrame([{
        "place": p.get("name") or p["place"], "id": p["place"], "kind": p.get("kind", ""),
        "utilisation": p.get("utilisation"), "queued TEU at the horizon": p.get("backlog_teu", 0.0),
        "growth TEU (2nd half)": p.get("growth_teu", 0.0),
        "routes": ", ".join(map(_family_label, p.get("routes") or [])),
    } for p in sat])
    return html_table(df, formats={
        "utilisation": lambda v: "–" if v is None or v != v else fmt(v, ".0%"),
        "queued TEU at the horizon": lambda v: fmt(v, ",.0f"),
        "growth TEU (2nd half)": lambda v: fmt(v, ",.0f"),
    })


def _per_route(res: RunResult) -> str:
    s = res.summary
    several = len(od_pairs(res)) > 1 if hasattr(res, "routes") else False
    who = ("route", "origin", "destination") if several else ("route",)
    cols = [c for c in (*who, "teu_created", "teu_delivered", "backlog_teu", "queued_teu",
                        "saturated_places") if c in s.columns]
    tab = s[cols].copy()
    labels = instance_labels(res) if hasattr(res, "routes") else {}
    tab = tab.drop(columns=[c for c in who if c != "route"]).assign(
        route=[labels.get(k, _family_label(k)) for k in instance_keys(res, s)])
    if "saturated_places" in tab:
        tab["saturated_places"] = tab["saturated_places"].fillna("").astype(str).str.replace(
            ";", ", ")
    out = ("<h3>Cargo not delivered at the end of the horizon, per route</h3>" + html_table(
        tab, formats={c: (lambda v: fmt(v, ",.0f")) for c in cols
                      if c not in (*who, "saturated_places")},
        headers={"teu_created": "TEU created", "teu_delivered": "TEU delivered",
                 "backlog_teu": f"TEU {IN_TRANSIT} (booked after warm-up, not delivered)",
                 "queued_teu": f"TEU {QUEUED}", "saturated_places": "saturated places"}))
    info = getattr(res, "info", {}) or {}
    total, queued = info.get("backlog_teu"), info.get("queued_teu_at_saturated_places")
    if total is not None:
        out += (f'<p class="note">In total {esc(fmt(total, ",.0f"))} TEU booked after warm-up '
                f"were {IN_TRANSIT} (on board or at a stop on their way: a horizon cuts "
                "through the pipeline, so this is normal)"
                + (f"; {esc(fmt(queued, ',.0f'))} TEU were {QUEUED}" if queued is not None
                   else "") + ".</p>")
    return out


def saturation_section(res: RunResult) -> str:
    """HTML of the section: saturated places, and per route the TEU in transit at the end
    of the horizon and those queued at saturated places."""
    out = '<h2 id="saturation">Saturation: queued and in transit</h2>'
    info = getattr(res, "info", {}) or {}
    sat = info.get("saturated")
    if sat is None:
        return out + "<p>Saturation was not assessed for this run.</p>"
    if not sat:
        out += ("<p>No facility or service is saturated: no server was busy 95% of the time "
                "and no queue grew over the second half of the run. Cargo not yet delivered "
                f"when the run ended is {IN_TRANSIT}, not queued.</p>")
    else:
        out += (f"<p><b>{len(sat)} saturated place(s)</b>: demand exceeds what they can handle, "
                "so queues grow without bound and the results depend on the horizon. The TEU "
                "queued there at the horizon are counted apart from those on board.</p>"
                + _saturated_table(sat))
    if "backlog_teu" in res.summary.columns and len(res.summary):
        out += _per_route(res)
    return out
