"""``map.html``: an offline folium map of the routes, facilities, chokepoints and closures.

The page is self-contained: Leaflet's JavaScript and CSS are inlined from
``xstatic-leaflet``; folium's CDN links (Bootstrap, jQuery, awesome-markers) are not used.
The only ``https://`` strings left are the optional CartoDB tile URL template (requested
only if that layer is chosen) and links inside attribution text.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, cast

import folium
from branca.element import Element, Figure, MacroElement
from jinja2 import Template

from corridorsim.viz.assets import (
    ATTRIBUTION,
    WAIT_BINS,
    esc,
    jquery_js,
    leaflet_css,
    leaflet_js,
    strip_external,
)
from corridorsim.viz.basemap import add_base_layers
from corridorsim.viz.layers import (
    ENDPOINT_STYLE,
    add_assumed_geometry,
    add_chokepoints,
    add_closures,
    add_endpoints,
    add_facilities,
    endpoints,
    route_families,
)
from corridorsim.viz.map_places import add_place_labels
from corridorsim.viz.map_routes import add_route_layers
from corridorsim.viz.map_time import add_time_slider

if TYPE_CHECKING:
    from corridorsim.result import RunResult

__all__ = ["build_map", "map_html", "write_map"]

PAGE_CSS = """
.leaflet-container { background: #dbe7f0; font: 13px/1.35 system-ui, sans-serif; }
.swatch { display: inline-block; width: 18px; height: 5px; margin: 0 6px 2px 0;
  vertical-align: middle; border-radius: 2px; }
.map-legend { background: rgba(255,255,255,.93); padding: 5px 8px; border-radius: 5px;
  box-shadow: 0 1px 4px rgba(0,0,0,.3); max-width: 230px; font-size: 11px; line-height: 1.4; }
.map-legend h4 { margin: 0 0 2px; font-size: 12px; }
.map-legend summary { cursor: pointer; font-weight: 600; color: #555; }
.map-legend .dot { display: inline-block; width: 10px; height: 10px; border-radius: 50%;
  border: 1px solid #333; margin-right: 6px; vertical-align: middle; }
.map-legend .line { display: inline-block; width: 24px; margin-right: 6px;
  vertical-align: middle; border-top-width: 3px; }
.chokepoint-icon { width: 10px; height: 10px; background: #222; border: 2px solid #fff;
  transform: rotate(45deg); box-shadow: 0 0 2px #000; }
table.popup th { text-align: left; padding-right: 8px; font-weight: 600; }
table.popup td { text-align: right; }
.leaflet-control-layers-expanded { font-size: 12px; line-height: 1.3; padding: 4px 8px; }
.map-title { background: rgba(255,255,255,.93); padding: 4px 9px; border-radius: 5px;
  font-weight: 600; box-shadow: 0 1px 4px rgba(0,0,0,.3); }
.od-label { font-size: 12px; padding: 1px 6px; }
.place-label { font-size: 11px; padding: 0 4px; background: rgba(255,255,255,.8);
  border: 0; box-shadow: none; color: #333; }
.place-label::before { display: none; }
.leaflet-control-layers-toggle { width: 30px; height: 30px; }
.time-panel { background: rgba(255,255,255,.95); padding: 6px 9px; border-radius: 5px;
  box-shadow: 0 1px 4px rgba(0,0,0,.3); font-size: 12px; width: 370px; }
.time-panel .nowrap, .time-panel th { white-space: nowrap; }
.time-panel input[type=range] { width: 100%; margin: 4px 0; }
.time-panel .dot { display: inline-block; width: 9px; height: 9px; border-radius: 50%;
  border: 1px solid #333; margin: 0 3px 0 4px; vertical-align: middle; }
.time-panel table { border-collapse: collapse; width: 100%; margin-top: 3px; }
.time-panel th, .time-panel td { padding: 0 4px; text-align: right; font-weight: normal; }
.time-panel th { color: #555; }
.time-panel td:first-child, .time-panel th:first-child { text-align: left; }
.time-top { margin-top: 3px; color: #333; }
.time-closure { margin-top: 3px; color: #b2182b; font-weight: 600; }
.leaflet-popup .note { font-size: 11px; color: #555; margin-top: 4px; }
"""


class _Control(MacroElement):
    """A static HTML box as a Leaflet control (legend, title)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function() {
            var ctl = L.control({position: {{ this.position|tojson }}});
            ctl.onAdd = function() {
                var div = L.DomUtil.create('div', {{ this.css_class|tojson }});
                div.innerHTML = {{ this.html|tojson }};
                L.DomEvent.disableClickPropagation(div);
                return div;
            };
            ctl.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
    """)

    def __init__(self, html: str, *, position: str, css_class: str) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # branca: no annotations
        self._name = "Control"
        self.html, self.position, self.css_class = html, position, css_class


class _Attribution(MacroElement):
    """Add the data attribution to the map's attribution control."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.attributionControl.addAttribution({{ this.text|tojson }});
        {% endmacro %}
    """)

    def __init__(self, text: str) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # branca: no annotations
        self._name = "Attribution"
        self.text = text


def _legend_html(res: RunResult) -> str:
    rows = ["<details open><summary>Legend</summary><h4>Routes (width ∝ TEU delivered; "
            "hover to bring forward)</h4>"]
    for insts in route_families(res).values():
        fam = insts[0].route.family
        rows.append(f'<div><i class="swatch" style="background:{esc(fam.colour)}"></i>'
                    f"{esc(fam.label.split(' (')[0])}</div>")
    roles = list(dict.fromkeys(endpoints(res).values()))
    if roles:
        rows.append("<h4 style='margin-top:5px'>O/D pairs run</h4>")
        rows += [f'<div><i class="dot" style="background:none;border:3px solid '
                 f'{ENDPOINT_STYLE[r]}"></i>{esc(r)}</div>' for r in roles]
    rows.append("<h4 style='margin-top:5px'>Facility wait per TEU passing</h4><div>")
    rows += [f'<span style="white-space:nowrap"><i class="dot" style="background:{c}"></i>'
             f"{esc(lab)}</span> " for _, c, lab in WAIT_BINS]
    rows.append("</div>")
    rows.append('<div><i class="dot" style="background:#222;border-radius:0;'
                'transform:rotate(45deg);width:8px;height:8px"></i>chokepoint</div>')
    rows.append('<div><i class="line" style="border-top:3px dashed #e31a1c"></i>'
                "closed by disruption</div>")
    rows.append('<div><i class="line" style="border-top:3px dotted #222"></i>'
                "assumed data</div></details>")
    return "".join(rows)


class _Verbatim(Element):
    """HTML written as given. ``Element(html)`` would compile the text as a Jinja template:
    for the inlined Leaflet and jQuery (230 KB) that is a needless parse on every map, and
    a ``{{`` or ``{%`` in a future release of either would be read as template code."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.html = html

    def render(self, **kwargs: object) -> str:
        return self.html


def _offline_assets(m: folium.Map) -> None:
    """Replace folium's CDN resources with inlined Leaflet and jQuery."""
    m.default_js = []
    m.default_css = []
    header = cast(Figure, m.get_root()).header  # a map's root is its page (a Figure)
    header.add_child(_Verbatim(f"<style>{leaflet_css()}</style>"), name="leaflet_css_inline")
    header.add_child(_Verbatim(f"<script>{leaflet_js()}</script>"), name="leaflet_js_inline")
    header.add_child(_Verbatim(f"<script>{jquery_js()}</script>"), name="jquery_js_inline")
    header.add_child(_Verbatim(f"<style>{PAGE_CSS}</style>"), name="corridorsim_css")


def _bounds(res: RunResult) -> list[list[float]] | None:
    """The opening view: the overland corridors (routes mostly not at sea, with their
    Caspian and Black Sea ferries), or every route when there are none; the deep-sea loops
    (Suez, the Cape) are reached by zooming out."""
    insts = list(res.routes.values())
    land = [i for i in insts if i.route.km_by_mode("sea") < 0.5 * i.route.total_km]
    xs: list[float] = []
    ys: list[float] = []
    for inst in land or insts:
        for leg in inst.route.legs:
            x0, y0, x1, y1 = leg.geometry.bounds
            xs += [x0, x1]
            ys += [y0, y1]
    if not xs:
        return None
    return [[min(ys), min(xs)], [max(ys), max(xs)]]


def build_map(res: RunResult) -> folium.Map:
    """Assemble the folium map of a run from the layer functions."""
    m = folium.Map(location=[40.0, 60.0], zoom_start=3, tiles=None, control_scale=True,
                   prefer_canvas=False, world_copy_jump=False)
    _offline_assets(m)
    add_base_layers(m, Path(res.network.source))
    add_route_layers(m, res)
    add_assumed_geometry(m, res)
    add_closures(m, res)
    add_facilities(m, res)
    add_chokepoints(m, res)
    add_endpoints(m, res)
    add_place_labels(m, res)
    folium.LayerControl(collapsed=True, position="topright").add_to(m)
    m.add_child(_Control(_legend_html(res), position="bottomleft", css_class="map-legend"))
    title = f"corridorsim · {esc(res.scenario.name)}"
    m.add_child(_Control(title, position="topleft", css_class="map-title"))
    m.add_child(_Attribution(ATTRIBUTION))
    add_time_slider(m, res)  # last: it restyles the layers above
    bounds = _bounds(res)
    if bounds is not None:
        m.fit_bounds(bounds, padding=(70, 70))
    return m


def map_html(res: RunResult) -> str:
    """The complete, self-contained HTML of the run's map."""
    page = build_map(res).get_root().render()
    page = page.replace("<head>", f"<head>\n<title>corridorsim map · {esc(res.scenario.name)}"
                        "</title>", 1)
    return strip_external(page)


def write_map(res: RunResult, out: Path) -> list[Path]:
    """Write ``map.html`` into the folder ``out``; return the path written."""
    path = Path(out) / "map.html"
    path.write_text(map_html(res), encoding="utf-8")
    return [path]
