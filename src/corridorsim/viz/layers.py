"""Map layers, one small function each: base map, routes, facilities, chokepoints, closures.

Every function takes the folium map (or a parent layer) and the run result and adds one
kind of feature. Coordinates are (lat, lon) for folium; network geometries are lon/lat.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, TypedDict

import folium
import pandas as pd
from shapely.geometry import LineString, MultiLineString
from shapely.geometry.base import BaseGeometry

from corridorsim.analysis.facility_waits import CAUSES, waits_by_facility
from corridorsim.corridors import CHOKEPOINTS
from corridorsim.viz.assets import as_float, esc, fmt, wait_colour

if TYPE_CHECKING:
    from corridorsim.result import RunResult
    from corridorsim.routing.instances import RouteInstance

__all__ = [
    "CHOKEPOINT_NODES",
    "ENDPOINT_STYLE",
    "add_assumed_geometry",
    "add_chokepoints",
    "add_closures",
    "add_endpoints",
    "add_facilities",
    "closed_targets",
    "css_token",
    "facility_class",
    "route_class",
    "route_families",
]

# chokepoint tags used on links → the node that stands for them on the map (the registry's)
CHOKEPOINT_NODES = {tag: node for tag, node in CHOKEPOINTS.items() if node is not None}


class LineStyle(TypedDict):
    """Leaflet path options (keyword arguments of folium's vector layers)."""

    color: str
    weight: int
    dashArray: str
    opacity: float


CLOSED_STYLE: LineStyle = {"color": "#e31a1c", "weight": 4, "dashArray": "10,8", "opacity": 0.95}
#: ring colour of the origin and destination markers
ENDPOINT_STYLE = {"origin": "#1b7837", "destination": "#5e3c99",
                  "origin and destination": "#08519c"}


def _latlon(geom: BaseGeometry, ndigits: int = 4) -> list[list[list[float]]]:
    """Lines of a (multi)line geometry as lists of [lat, lon]."""
    parts: Iterable[LineString]
    if isinstance(geom, MultiLineString):
        parts = geom.geoms
    elif isinstance(geom, LineString):
        parts = [geom]
    else:
        return []
    return [[[round(y, ndigits), round(x, ndigits)] for x, y, *_ in p.coords] for p in parts]


def route_families(res: RunResult) -> dict[str, list[RouteInstance]]:
    """Route instances grouped by family id, in the scenario's route order."""
    out: dict[str, list[RouteInstance]] = {}
    for inst in res.routes.values():
        out.setdefault(inst.family, []).append(inst)
    order = list(getattr(res.scenario, "routes", [])) + list(out)
    return {f: out[f] for f in dict.fromkeys(order) if f in out}


def _summary_row(res: RunResult, inst: RouteInstance) -> pd.Series:
    """The summary row of a route instance (of its family, for a summary without
    origin/destination columns)."""
    s = res.summary
    if "route" not in s:
        return pd.Series(dtype=float)
    sel = s["route"] == inst.family
    if {"origin", "destination"} <= set(s.columns):
        sel &= (s["origin"] == inst.origin) & (s["destination"] == inst.destination)
    rows = s[sel]
    return rows.iloc[0] if len(rows) else pd.Series(dtype=float)


def _shipment_rows(res: RunResult, inst: RouteInstance) -> list[tuple[str, str]]:
    """The planner's own cargo on this route (``shipments.csv``), if any."""
    own = res.extra_tables.get("shipments.csv")
    if own is None or own.empty:
        return []
    sel = ((own["route"] == inst.family) & (own["origin"] == inst.origin)
           & (own["destination"] == inst.destination))
    if not sel.any():
        return []
    row = own[sel].iloc[0]
    share = as_float(row.get("on_time_share"))
    return [("Your shipments", fmt(row.get("teu_delivered"), ",.0f", unit=" TEU delivered")),
            ("· transit P50 / P90", f"{fmt(row.get('transit_days_p50'), '.1f')} / "
                                    f"{fmt(row.get('transit_days_p90'), '.1f', unit=' d')}"),
            ("· on time", fmt(share * 100, ".0f", unit=" %")
             if share is not None and math.isfinite(share) else "n/a")]


def _route_popup(label: str, row: pd.Series, km: float,
                 own: list[tuple[str, str]] | None = None) -> str:
    def get(col: str) -> object:
        return row.get(col, math.nan)

    share = as_float(get("on_time_share"))
    share_txt = (fmt(share * 100, ".0f", unit=" %") if share is not None and math.isfinite(share)
                 else "n/a")
    rows = [
        ("Distance", fmt(km, ",.0f", unit=" km")),
        ("TEU delivered", fmt(get("teu_delivered"), ",.0f")),
        ("Transit P50", fmt(get("transit_days_p50"), ".1f", unit=" d")),
        ("Transit P90", fmt(get("transit_days_p90"), ".1f", unit=" d")),
        ("On time", share_txt),
        ("CO2e (WtW) / TEU", fmt(get("co2e_wtw_kg_per_teu"), ",.0f", unit=" kg")),
        ("Cost / TEU", fmt(get("cost_usd_per_teu"), ",.0f", unit=" USD")),
        *(own or []),
    ]
    body = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in rows)
    return f"<b>{esc(label)}</b><table class='popup'>{body}</table>"


def _line_weight(teu: float, teu_max: float) -> float:
    if not (math.isfinite(teu) and teu_max > 0):
        return 2.5
    return round(2.5 + 7.5 * math.sqrt(max(teu, 0.0) / teu_max), 2)


def route_class(inst: RouteInstance) -> str:
    """The key of a route instance's line (Leaflet option ``tags``; the time slider finds
    the line by it and adds it to the line's classes). Not ``route-…``, which names the
    family."""
    return css_token("rk", inst.family, inst.origin, inst.destination)


def layer_name(family: str, label: str, colour: str) -> str:
    """Layer-control entry: a colour swatch and the label, tagged with the route id."""
    short = label.split(" (")[0]
    return (f'<span class="layer-route" data-route="{esc(family)}" title="{esc(label)}">'
            f'<i class="swatch" style="background:{esc(colour)}"></i>{esc(short)}</span>')


def _pairs(res: RunResult) -> set[tuple[str, str]]:
    return {(inst.origin, inst.destination) for inst in res.routes.values()}


def instance_label(res: RunResult, inst: RouteInstance) -> str:
    """The route family's label, with ``· Origin → Destination`` when the run has more
    than one O/D pair."""
    label = str(inst.route.family.label)
    if len(_pairs(res)) <= 1:
        return label
    names = res.network.names
    return (f"{label} · {names.get(inst.origin, inst.origin)} → "
            f"{names.get(inst.destination, inst.destination)}")


def _wait_rows(waits: Mapping[str, float] | None) -> list[tuple[str, str]]:
    if waits is None:
        return [("Total wait / TEU", "n/a")]
    rows = [("Total wait / TEU passing",
             fmt(waits.get("total_h_per_teu"), ".1f", unit=" h"))]
    for c in CAUSES:
        v = as_float(waits.get(f"wait_{c}_h_per_teu"))
        if v is not None and v >= 0.05:
            rows.append((f"· {c}", fmt(v, ".1f", unit=" h")))
    return rows


def _facility_popup(row: pd.Series, waits: Mapping[str, float] | None) -> str:
    rows = [
        ("Kind", f"{row.get('kind', '')} ({row.get('direction', '')})"),
        ("Servers", fmt(row.get("servers"), ".0f")),
        ("TEU handled", fmt(row.get("teu"), ",.0f")),
        ("Utilisation", fmt(float(row.get("utilisation", math.nan)) * 100, ".1f", unit=" %")),
        *_wait_rows(waits),
        ("Server queue mean / max", f"{fmt(row.get('mean_queue'), '.2f')} / "
                                    f"{fmt(row.get('max_queue'), '.0f')} vehicles"),
        ("Server wait mean / max", f"{fmt(row.get('mean_wait_h'), '.1f')} / "
                                   f"{fmt(row.get('max_wait_h'), '.1f')} h"),
    ]
    body = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in rows)
    note = ("<div class='note'>Total wait: every hour at the stop, plus queue, weather, "
            "disruption and blocking before departure, plus a share of en-route border "
            "time (consignments booked after the warm-up).</div>")
    return (f"<b>{esc(row.get('name', row.get('node')))}</b><table class='popup'>{body}"
            f"</table>{note}")


def css_token(*parts: object) -> str:
    """A CSS class token from ids (anything outside ``[A-Za-z0-9_-]`` becomes ``_``)."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", "-".join(str(p) for p in parts))


def facility_class(node: object, direction: object) -> str:
    """The key of a facility's marker (Leaflet option ``tags``; the time slider finds the
    marker by it and adds it to the marker's classes)."""
    return css_token("fac", node, direction)


def add_facilities(m: folium.Map, res: RunResult) -> None:
    """Facility markers (not chokepoints) coloured by the total wait per TEU passing
    (:func:`~corridorsim.viz.facility_waits.facility_waits`), sized by TEU handled."""
    fac = res.facilities
    nodes = res.network.nodes
    waits = waits_by_facility(res)
    fg = folium.FeatureGroup(name="Facilities (colour = wait per TEU)", show=True)
    teu_max = float(fac["teu"].max()) if len(fac) else 0.0
    for _, row in fac.iterrows():
        node = row["node"]
        if node not in nodes.index or row.get("kind") == "chokepoint":
            continue
        pt = nodes.geometry[node]
        key = (str(node), str(row.get("direction", "")))
        w = waits.get(key)
        colour = wait_colour(w["total_h_per_teu"] if w is not None else math.nan)
        radius = 4 + 8 * math.sqrt(float(row["teu"]) / teu_max) if teu_max > 0 else 5
        folium.CircleMarker(
            [pt.y, pt.x], radius=round(radius, 1), color="#333333", weight=1,
            fill=True, fillColor=colour, fillOpacity=0.95,
            className="facility",
            tags=[facility_class(*key)],  # type: ignore[arg-type]  # folium: any option
            tooltip=esc(row.get("name", node)),
            popup=folium.Popup(_facility_popup(row, w), max_width=320),
        ).add_to(fg)
    fg.add_to(m)


def endpoints(res: RunResult) -> dict[str, str]:
    """Origin and destination nodes of the run's route instances: node → ``"origin"``,
    ``"destination"`` or ``"origin and destination"`` (in demand order)."""
    out: dict[str, str] = {}
    for inst in res.routes.values():
        for node, role in ((inst.origin, "origin"), (inst.destination, "destination")):
            if out.get(node, role) != role:
                role = "origin and destination"
            out[node] = role
    return out


def add_endpoints(m: folium.Map, res: RunResult) -> None:
    """Origins and destinations of the O/D pairs run: a coloured ring labelled with the
    place's name (a permanent tooltip)."""
    nodes = res.network.nodes
    fg = folium.FeatureGroup(name="Origins and destinations", show=True)
    ends = {n: r for n, r in endpoints(res).items() if n in nodes.index}
    mid = sum(nodes.geometry[n].x for n in ends) / max(len(ends), 1)
    for node, role in ends.items():
        pt = nodes.geometry[node]
        left = len(ends) > 1 and pt.x > mid  # the eastern end's label points inwards
        name = str(nodes.at[node, "name"])
        folium.CircleMarker(
            [pt.y, pt.x], radius=13, color=ENDPOINT_STYLE[role], weight=3, fill=False,
            className=f"od-marker od-{role.replace(' ', '-')}",
            tooltip=folium.Tooltip(f"<b>{esc(name)}</b> · {esc(role)}", permanent=True,
                                   direction="left" if left else "right", sticky=False,
                                   offset=(-10, 0) if left else (10, 0), className="od-label"),
        ).add_to(fg)
    fg.add_to(m)


def _used_nodes(res: RunResult) -> set[str]:
    used: set[str] = set()
    for inst in res.routes.values():
        used.update(inst.route.nodes)
        for leg in inst.route.legs:
            used.update(w.node for w in leg.waypoints)
    return used


def add_chokepoints(m: folium.Map, res: RunResult) -> None:
    """Maritime and rail chokepoints on the routes, drawn as dark diamonds."""
    nodes = res.network.nodes
    used = _used_nodes(res)
    chk = nodes[(nodes["kind"] == "chokepoint") & nodes.index.isin(used)]
    fg = folium.FeatureGroup(name="Chokepoints", show=True)
    for nid, row in chk.iterrows():
        tags = [t for t, n in CHOKEPOINT_NODES.items() if n == nid]
        html = (f"<b>{esc(row['name'])}</b><br>chokepoint"
                + (f" ({esc(', '.join(tags))})" if tags else ""))
        icon = folium.DivIcon(html='<div class="chokepoint-icon"></div>',
                              icon_size=(14, 14), icon_anchor=(7, 7), class_name="chokepoint")
        folium.Marker([row.geometry.y, row.geometry.x], icon=icon, tooltip=esc(row["name"]),
                      popup=folium.Popup(html, max_width=260)).add_to(fg)
    fg.add_to(m)


def closed_targets(res: RunResult) -> tuple[dict[str, str], dict[str, str]]:
    """Links and nodes closed (capacity factor 0) by a disruption: id → description (what
    :class:`~corridorsim.closures.Closures` says, as the simulation reads it)."""
    return res.closures.closed_on_map(route_families(res))


def add_closures(m: folium.Map, res: RunResult) -> None:
    """Links, chokepoints and nodes closed by a disruption, dashed red."""
    closed_links, closed_nodes = closed_targets(res)
    if not closed_links and not closed_nodes:
        return
    links, nodes = res.network.links, res.network.nodes
    fg = folium.FeatureGroup(name="Closed by disruption", show=True)
    for lid, what in closed_links.items():
        folium.PolyLine(  # type: ignore[no-untyped-call]  # folium: no annotations
            _latlon(links.geometry[lid]), className="closed closed-link", tooltip=esc(what),
            **CLOSED_STYLE).add_to(fg)
    for nid, what in closed_nodes.items():
        pt = nodes.geometry[nid]
        folium.CircleMarker([pt.y, pt.x], radius=14, fill=False, className="closed closed-node",
                            tooltip=esc(f"{nodes.at[nid, 'name']} — {what}"),
                            **CLOSED_STYLE).add_to(fg)
    fg.add_to(m)


def add_assumed_geometry(m: folium.Map, res: RunResult) -> None:
    """Assumed data as a dotted outline: hand-drawn or assumed link geometry and attributes
    (e.g. traction), and legs whose service parameters are our assumptions."""
    from corridorsim.scenario.defaults import SERVICE_DEFAULTS

    links = res.network.links
    used = {lid for inst in res.routes.values() for leg in inst.route.legs
            for lid in leg.link_ids}
    src = links.get("geometry_source", pd.Series("", index=links.index)).astype(str)
    mask = links.index.isin(list(used)) & (
        links["assumed"].fillna(False).astype(bool) | src.str.contains("manual"))
    fg = folium.FeatureGroup(name="Assumed data (dotted)", show=True)
    for lid, row in links[mask].iterrows():
        note = str(row.get("note", "") or "")
        folium.PolyLine(  # type: ignore[no-untyped-call]  # folium: no annotations
            _latlon(row.geometry), color="#222222", weight=2, opacity=0.9,
            dashArray="1,7", className="assumed-geom",
            tooltip=esc(f"{lid}: assumed link data ({row.get('geometry_source', '')})"
                        + (f" – {note}" if note else ""))).add_to(fg)
    seen: set[str] = set()
    for inst in res.routes.values():
        for leg in inst.route.legs:
            default = SERVICE_DEFAULTS.get(leg.service)
            key = f"{leg.from_node}-{leg.to_node}"
            if default is None or not default.assumed or key in seen:
                continue
            seen.add(key)
            folium.PolyLine(  # type: ignore[no-untyped-call]  # folium: no annotations
                _latlon(leg.geometry), color="#222222", weight=2, opacity=0.9,
                dashArray="1,7", className="assumed-geom assumed-service",
                tooltip=esc(f"{leg.service} {key}: service parameters assumed "
                            f"({default.note})")).add_to(fg)
    fg.add_to(m)
