"""Every route family's answer for an origin–destination pair: its route, or why it has none."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from corridorsim.corridors import Corridor
from corridorsim.errors import NotApplicable, RouteError
from corridorsim.network import Network
from corridorsim.routing import (
    DEFAULT_DESTINATION,
    DEFAULT_ORIGIN,
    ROUTE_FAMILIES,
    Route,
    resolve_route,
)

__all__ = ["RouteOption", "resolve_routes", "route_options"]


@dataclass(frozen=True)
class RouteOption:
    """A family's answer for one pair: its route, or why it has none."""

    family: str
    route: Route | None
    reason: str = ""


def route_options(
    net: Network,
    families: Iterable[str] | None = None,
    *,
    origin: str = DEFAULT_ORIGIN,
    destination: str = DEFAULT_DESTINATION,
    distinct: bool = True,
    registry: Mapping[str, Corridor] | None = None,
) -> list[RouteOption]:
    """Every family's route for the pair, or the reason it has none.

    ``families`` are ids in ``registry`` (the shipped :data:`ROUTE_FAMILIES` by default). With
    ``distinct`` a family whose path is the same as an earlier family's (e.g. two Middle
    Corridor variants between China and Almaty, before their crossings differ) is reported as
    not applicable, naming that family, so that no route is offered twice.
    """
    fams = registry if registry is not None else ROUTE_FAMILIES
    ids = list(families) if families is not None else list(fams)
    unknown = [f for f in ids if f not in fams]
    if unknown:
        raise RouteError(f"unknown route family {unknown[0]!r}; allowed: {', '.join(fams)}")
    out: list[RouteOption] = []
    seen: dict[tuple[str, ...], str] = {}
    for f in ids:
        try:
            r = resolve_route(net, fams[f], origin=origin, destination=destination)
        except NotApplicable as exc:
            out.append(RouteOption(f, None, str(exc).split(": ", 1)[-1]))
            continue
        if distinct and r.nodes in seen:
            out.append(RouteOption(f, None, f"same path as {seen[r.nodes]} for this pair"))
            continue
        seen[r.nodes] = f
        out.append(RouteOption(f, r))
    return out


def resolve_routes(
    net: Network,
    families: Iterable[str] | None = None,
    *,
    origin: str = DEFAULT_ORIGIN,
    destination: str = DEFAULT_DESTINATION,
) -> dict[str, Route]:
    """The routes of the families that serve the pair (all shipped families by default)."""
    return {o.family: o.route for o in route_options(net, families, origin=origin,
                                                       destination=destination)
            if o.route is not None}
