"""Place names on the map: the offline basemap has none, so the places that matter to the
run's routes (gauge changes, ports, border crossings, chokepoints) get small permanent
labels. Labels are decluttered in the browser: after each zoom, a label that would overlap a
more important one is hidden (its place keeps its hover tooltip).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import folium
from branca.element import MacroElement
from jinja2 import Template

from corridorsim.network.places import short_name
from corridorsim.viz.assets import esc
from corridorsim.viz.layers import _used_nodes, endpoints

if TYPE_CHECKING:
    from corridorsim.result import RunResult

__all__ = ["LABEL_KINDS", "add_place_labels", "place_labels", "short_name"]

#: node kinds labelled, most important first (the declutter keeps the earlier ones)
LABEL_KINDS = ("gauge_change", "port", "border", "chokepoint", "terminal")


def place_labels(res: RunResult) -> list[tuple[str, str, float, float]]:
    """(node, label, lat, lon) of the places to label, most important first; origins and
    destinations are left out (their markers carry their own labels)."""
    nodes = res.network.nodes
    ends = endpoints(res)
    used = _used_nodes(res)
    rows = nodes[nodes.index.isin(list(used)) & nodes["kind"].isin(LABEL_KINDS)
                 & ~nodes.index.isin(list(ends))]
    rank = {k: i for i, k in enumerate(LABEL_KINDS)}
    out = [(str(nid), short_name(str(r["name"])), float(r.geometry.y), float(r.geometry.x),
            rank[str(r["kind"])]) for nid, r in rows.iterrows()]
    out.sort(key=lambda t: (t[4], t[0]))
    return [t[:4] for t in out]


class _Declutter(MacroElement):
    """Hide labels that overlap an earlier (more important) visible label, after each zoom."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function (map) {
            function run() {
                var kept = [];
                var els = document.querySelectorAll('.od-label, .place-label');
                els.forEach(function (e) { e.style.visibility = ''; });
                els.forEach(function (e) {
                    var r = e.getBoundingClientRect();
                    var hit = kept.some(function (k) {
                        return r.left < k.right && r.right > k.left &&
                               r.top < k.bottom && r.bottom > k.top;
                    });
                    if (hit) { e.style.visibility = 'hidden'; } else { kept.push(r); }
                });
            }
            map.on('zoomend overlayadd overlayremove', run);
            map.whenReady(function () { setTimeout(run, 0); });
        })({{ this._parent.get_name() }});
        {% endmacro %}
    """)

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # branca: no annotations
        self._name = "Declutter"


def add_place_labels(m: folium.Map, res: RunResult) -> None:
    """A small permanent label beside each place that matters on the run's routes."""
    fg = folium.FeatureGroup(name="Place names", show=True)
    for i, (node, label, lat, lon) in enumerate(place_labels(res)):
        left = i % 2 == 1
        folium.CircleMarker(
            [lat, lon], radius=1, weight=0, fill=False, opacity=0, interactive=False,
            className=f"place place-{node}",
            tooltip=folium.Tooltip(esc(label), permanent=True, sticky=False,
                                   direction="left" if left else "right",
                                   offset=(-7, 0) if left else (7, 0),
                                   className="place-label"),
        ).add_to(fg)
    fg.add_to(m)
    m.add_child(_Declutter())
