"""A run's routes: one route family's path between one origin and one destination.

The key ``family:ORIGIN-DESTINATION`` (:func:`route_key`) names a route everywhere: in the
engine's records (``route_ids``), the summary and the outputs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from corridorsim.errors import RouteError, ScenarioError
from corridorsim.network import Network
from corridorsim.routing import ROUTE_FAMILIES, Route, RouteFamily, resolve_route
from corridorsim.routing.options import route_options
from corridorsim.scenario.model import Scenario

__all__ = ["RouteInstance", "resolve_instances", "route_key"]


@dataclass(frozen=True)
class RouteInstance:
    """A route of the run: ``family``'s path (:class:`~corridorsim.routing.Route`) from
    ``origin`` to ``destination``."""

    family: str
    origin: str
    destination: str
    route: Route

    @property
    def key(self) -> str:
        return route_key(self.family, self.origin, self.destination)


def route_key(family: str, origin: str, destination: str) -> str:
    return f"{family}:{origin}-{destination}"


def resolve_instances(
    scn: Scenario, net: Network, families: Mapping[str, RouteFamily] | None = None
) -> dict[str, RouteInstance]:
    """Resolve every (route family, origin, destination) the scenario's demand uses.

    A fixed-route demand row whose family cannot serve its pair is an error naming the
    reason; with route choice, families that cannot serve a pair (or repeat another
    family's path for it) are left out of that pair's choice set.
    """
    fams = families if families is not None else ROUTE_FAMILIES
    out: dict[str, RouteInstance] = {}
    choice_routes = scn.choice.routes if scn.choice.routes is not None else scn.routes
    for i, row in enumerate(scn.demand):
        if row.route is None:
            # route choice: every family the shippers may pick, where it serves the O-D
            for fam in choice_routes:
                if fam not in fams:
                    raise ScenarioError(
                        f"choice.routes: unknown route family {fam!r}; allowed: {', '.join(fams)}")
            options = route_options(net, choice_routes, origin=row.origin,
                                    destination=row.destination, registry=fams,
                                    distinct=families is None)  # a caller's own families: all
            for op in options:
                key = route_key(op.family, row.origin, row.destination)
                if op.route is not None and key not in out:
                    out[key] = RouteInstance(op.family, row.origin, row.destination, op.route)
            if not any(op.route is not None for op in options):
                raise ScenarioError(
                    f"demand[{i}]: no route family in choice.routes serves "
                    f"{row.origin} → {row.destination}: "
                    + "; ".join(f"{op.family}: {op.reason}" for op in options))
            continue
        if row.route not in fams:
            raise ScenarioError(
                f"demand[{i}].route: unknown route family {row.route!r}; "
                f"allowed: {', '.join(fams)}"
            )
        if row.route not in scn.routes:
            raise ScenarioError(
                f"demand[{i}].route: {row.route!r} is not among the scenario's routes "
                f"({', '.join(scn.routes)})"
            )
        key = route_key(row.route, row.origin, row.destination)
        if key not in out:
            try:
                r = resolve_route(net, fams[row.route], origin=row.origin,
                                  destination=row.destination)
            except RouteError as exc:
                raise ScenarioError(f"demand[{i}]: {exc}") from exc
            out[key] = RouteInstance(row.route, row.origin, row.destination, r)
    return out
