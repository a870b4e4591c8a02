"""Routes as tables: the ``corridorsim routes`` table and the static structure that
accounting reads (km by leg, country and traction; facility stops)."""

from __future__ import annotations

import pandas as pd

from corridorsim.routing import Route

__all__ = ["ROUTE_TABLE_COLUMNS", "route_table", "route_via", "segments_table", "stops_table"]

ROUTE_TABLE_COLUMNS = ["route", "origin", "destination", "total_km", "rail_km", "sea_km",
                       "road_km", "countries", "chokepoints", "legs", "transshipments",
                       "gauge_changes", "borders", "via"]


def route_via(route: Route) -> str:
    """The node ids of the route in order, ``;``-separated."""
    return ";".join(route.nodes)


def route_table(routes: dict[str, Route]) -> pd.DataFrame:
    """One row per route: the ``corridorsim routes`` table."""
    rows = []
    for r in routes.values():
        rows.append({
            "route": r.id,
            "origin": r.origin,
            "destination": r.destination,
            "total_km": round(r.total_km, 1),
            "rail_km": round(r.km_by_mode("rail"), 1),
            "sea_km": round(r.km_by_mode("sea"), 1),
            "road_km": round(r.km_by_mode("road"), 1),
            "countries": ";".join(r.countries),
            "chokepoints": ";".join(r.chokepoints),
            "legs": len(r.legs),
            "transshipments": sum(1 for s in r.stops if s.role == "transfer"),
            "gauge_changes": r.gauge_changes,
            "borders": sum(1 for leg in r.legs for w in leg.waypoints
                           if w.kind in ("border", "border_internal"))
            + sum(1 for s in r.stops if s.kind == "gauge_change"),
            "via": route_via(r),
        })
    return pd.DataFrame(rows, columns=ROUTE_TABLE_COLUMNS)


def segments_table(routes: dict[str, Route]) -> pd.DataFrame:
    """Static route structure for accounting: one row per (route, leg, country, traction)."""
    rows = [
        {"route": r.id, "stage_index": leg.index, "mode": leg.mode, "service": leg.service,
         "sea_area": leg.sea_area or "", "country": c, "traction": t, "km": k}
        for r in routes.values() for leg in r.legs for c, t, k in leg.km_by_country_traction
    ]
    return pd.DataFrame(rows, columns=["route", "stage_index", "mode", "service", "sea_area",
                                       "country", "traction", "km"])


def stops_table(routes: dict[str, Route]) -> pd.DataFrame:
    """Static facility stops for accounting: one row per (route, stop)."""
    rows = [
        {"route": r.id, "stage_index": s.index, "node": s.node, "kind": s.kind,
         "transshipment": True, "country": s.country}
        for r in routes.values() for s in r.stops
    ]
    rows += [
        {"route": r.id, "stage_index": leg.index, "node": w.node, "kind": w.kind,
         "transshipment": False, "country": w.country}
        for r in routes.values() for leg in r.legs for w in leg.waypoints
    ]
    return pd.DataFrame(rows, columns=["route", "stage_index", "node", "kind", "transshipment",
                                       "country"])
