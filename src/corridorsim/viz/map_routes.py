"""Route lines on the map, kept visible where routes share track.

Leaflet has no line offset, so each route family's geometry is shifted sideways by a few
pixels at the map's opening zoom (:func:`offset_line`, computed in Web Mercator so the shift
is the same in every direction). Each family is drawn in its own pane, the widest lowest, so a
narrow line is never buried under a wide one; hovering a line lifts its pane to the top.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import folium
from branca.element import MacroElement
from jinja2 import Template

from corridorsim.viz.assets import esc
from corridorsim.viz.layers import (
    _latlon,
    _line_weight,
    _route_popup,
    _shipment_rows,
    _summary_row,
    instance_label,
    layer_name,
    route_class,
    route_families,
)

if TYPE_CHECKING:
    from corridorsim.result import RunResult

__all__ = ["OFFSET_DEG", "add_route_layers", "offset_line", "offset_slots", "route_pane"]

#: sideways shift per slot, in degrees of longitude at the equator (≈ 5 px at zoom 4)
OFFSET_DEG = 0.45
ROUTE_PANE_Z = 380  # below the overlay pane (400: facilities, closures, dotted assumed data)


def _merc_y(lat: float) -> float:
    lat = max(min(lat, 85.0), -85.0)
    return math.degrees(math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)))


def _merc_lat(y: float) -> float:
    return math.degrees(2 * math.atan(math.exp(math.radians(y))) - math.pi / 2)


def offset_line(line: list[list[float]], shift: float) -> list[list[float]]:
    """``line`` ([lat, lon] points) moved ``shift`` degrees (Mercator units) to its left,
    each vertex along the mean normal of its two segments."""
    if shift == 0 or len(line) < 2:
        return line
    pts = [(lon, _merc_y(lat)) for lat, lon in line]
    out = []
    for i, (x, y) in enumerate(pts):
        ax, ay = pts[max(i - 1, 0)]
        bx, by = pts[min(i + 1, len(pts) - 1)]
        dx, dy = bx - ax, by - ay
        n = math.hypot(dx, dy)
        if n == 0:
            out.append([round(_merc_lat(y), 4), round(x, 4)])
            continue
        nx, ny = -dy / n, dx / n
        out.append([round(_merc_lat(y + shift * ny), 4), round(x + shift * nx, 4)])
    return out


def offset_slots(families: list[str]) -> dict[str, int]:
    """A sideways slot per family: 0, +1, −1, +2, −2, … in the scenario's order."""
    return {f: (i + 1) // 2 * (1 if i % 2 else -1) for i, f in enumerate(families)}


def route_pane(family: str) -> str:
    """The Leaflet pane of a route family's lines."""
    return f"routes-{family}"


class _HoverFront(MacroElement):
    """Hovering a route line lifts its pane above the other routes' panes."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function (map) {
            map.eachLayer(function (layer) {
                var pane = layer.options && layer.options.pane;
                if (!(layer instanceof L.Polyline) || !pane || pane.indexOf('routes-') !== 0) { return; }
                var el = map.getPane(pane), z = el.style.zIndex;
                layer.on('mouseover', function () { el.style.zIndex = 399; });
                layer.on('mouseout', function () { el.style.zIndex = z; });
            });
        })({{ this._parent.get_name() }});
        {% endmacro %}
    """)

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # branca: no annotations
        self._name = "HoverFront"


def add_route_layers(m: folium.Map, res: RunResult) -> dict[str, folium.FeatureGroup]:
    """One FeatureGroup per route family; one polyline (all legs) per route instance, in
    the family's colour, its width by the instance's TEU delivered, its popup the
    instance's KPIs, shifted sideways by the family's slot."""
    fams = route_families(res)
    rows = {id(i): _summary_row(res, i) for insts in fams.values() for i in insts}
    teu = {k: float(r.get("teu_delivered", math.nan)) for k, r in rows.items()}
    teu_max = max((v for v in teu.values() if math.isfinite(v)), default=0.0)
    weight = {id(i): _line_weight(teu[id(i)], teu_max) for insts in fams.values() for i in insts}
    widest = {f: max(weight[id(i)] for i in insts) for f, insts in fams.items()}
    order = sorted(fams, key=lambda f: (-widest[f], list(fams).index(f)))
    slots = offset_slots(list(fams))
    groups: dict[str, folium.FeatureGroup] = {}
    for family, insts in fams.items():
        fam = insts[0].route.family
        pane = route_pane(family)
        m.add_child(folium.map.CustomPane(pane, z_index=ROUTE_PANE_Z - len(order)
                                          + order.index(family)))
        fg = folium.FeatureGroup(name=layer_name(family, fam.label, fam.colour), show=True)
        for inst in insts:
            lines = [offset_line(ln, slots[family] * OFFSET_DEG)
                     for leg in inst.route.legs for ln in _latlon(leg.geometry)]
            label = instance_label(res, inst)
            popup = _route_popup(label, rows[id(inst)], inst.route.total_km,
                                 _shipment_rows(res, inst))
            folium.PolyLine(  # type: ignore[no-untyped-call]  # folium: no annotations
                lines, color=fam.colour, weight=weight[id(inst)], opacity=0.9, pane=pane,
                className=f"route-line route-{family}", tags=[route_class(inst)],
                tooltip=esc(label), popup=folium.Popup(popup, max_width=320),
            ).add_to(fg)
        fg.add_to(m)
        groups[family] = fg
    m.add_child(_HoverFront())
    return groups
