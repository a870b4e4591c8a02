"""Check a scenario's ids (nodes, links, routes, services, facilities) against the network."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping

from corridorsim.errors import ScenarioError
from corridorsim.network import Network
from corridorsim.routing import ROUTE_FAMILIES, RouteFamily
from corridorsim.scenario.defaults import FACILITY_DEFAULTS, SERVICE_DEFAULTS
from corridorsim.scenario.load import Positions, _fmt, _where
from corridorsim.scenario.model import Scenario

__all__ = ["CHOKEPOINT_TAGS", "SEA_AREAS", "check_scenario"]

CHOKEPOINT_TAGS = ("suez", "babalmandab", "malacca", "gibraltar", "bosporus", "cape", "sunda")
# ``route:<family>`` closes a whole route family (no new bookings); a bare family id that is
# not also a chokepoint tag (``northern``) means the same.
SEA_AREAS = ("caspian", "black_sea", "deep_sea")


def _fail(pos: Positions, loc: tuple[object, ...], source: str, found: str, allowed: Iterable[str],
          what: str) -> None:
    options = sorted(set(allowed))
    hint = difflib.get_close_matches(found, options, n=1, cutoff=0.6)
    shown = ", ".join(options[:12]) + (", ..." if len(options) > 12 else "")
    raise ScenarioError(
        f"{_where(pos, loc, source)}: {_fmt(loc)}: unknown {what} {found!r}"
        + (f"; did you mean {hint[0]!r}?" if hint else "")
        + f" (allowed: {shown})"
    )


def check_scenario(scn: Scenario, net: Network, *, positions: Positions | None = None,
                   source: str = "<scenario>",
                   families: Mapping[str, RouteFamily] | None = None) -> None:
    """Raise :class:`ScenarioError` for ids that do not exist on the network."""
    pos = positions or {}
    fams = families if families is not None else ROUTE_FAMILIES
    nodes = set(net.nodes.index)
    links = set(net.links.index)
    leg_keys = {f"{a}-{b}" for a, b in zip(net.links["from"], net.links["to"], strict=True)}
    for i, r in enumerate(scn.routes):
        if r not in fams:
            _fail(pos, ("routes", i), source, r, fams, "route family")
    for i, row in enumerate(scn.demand):
        if row.route not in fams:
            _fail(pos, ("demand", i, "route"), source, row.route, fams, "route family")
        if row.route not in scn.routes:
            raise ScenarioError(
                f"{_where(pos, ('demand', i, 'route'), source)}: demand[{i}].route: "
                f"{row.route!r} is not listed in routes ({', '.join(scn.routes)})"
            )
        for end in ("origin", "destination"):
            nid = getattr(row, end)
            if nid not in nodes:
                _fail(pos, ("demand", i, end), source, nid, nodes, "node")
    targets = (nodes | links | set(CHOKEPOINT_TAGS) | set(SEA_AREAS) | set(fams)
               | {f"route:{f}" for f in fams})
    for i, d in enumerate(scn.disruptions):
        if d.target not in targets:
            _fail(pos, ("disruptions", i, "target"), source, d.target, targets,
                  "disruption target (node, link, chokepoint, sea area or route)")
    for key in scn.services:
        if key not in SERVICE_DEFAULTS and key not in leg_keys and "-" not in key:
            _fail(pos, ("services", key), source, key, SERVICE_DEFAULTS, "service kind")
        if "-" in key and key not in SERVICE_DEFAULTS:
            a, _, b = key.partition("-")
            for nid in (a, b):
                if nid not in nodes:
                    _fail(pos, ("services", key), source, nid, nodes, "node in leg key")
    for key in scn.facilities:
        if key not in FACILITY_DEFAULTS and key not in nodes:
            _fail(pos, ("facilities", key), source, key, [*FACILITY_DEFAULTS, *nodes],
                  "facility kind or node")
