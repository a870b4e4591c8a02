"""What a scenario's disruptions close or scale: resolved once, read by everything.

A disruption names a **target**; this module alone decides what that means:

============  ===========================================  =================================
target        written as                                   acts on
============  ===========================================  =================================
node          ``KZ_DOS`` (or a place name, see places)     the node's facilities
link          ``KZ_AKU-AZ_ALT``                            vehicles on legs over the link
chokepoint    ``suez``, ``babalmandab``, ``bosporus``, …   vehicles on legs through it
sea area      ``caspian``, ``black_sea``, …                vehicles on legs on that sea
route family  ``route:northern`` (or ``northern``)         new bookings on the family
============  ===========================================  =================================

``suez`` and ``cape`` are both a chokepoint and a route family: alone they mean the
chokepoint; ``route:suez`` is the family. A route family can only be closed
(``capacity_factor: 0``): scaling it would scale services other families share, so the
scenario check refuses it — target its links or nodes instead.

Bookings while something is closed (``capacity_factor: 0``):

- a **fixed-route** booking is refused only while its route family is closed; a closed
  node, link, chokepoint or sea area on its path holds the cargo until it reopens (the
  shipper has no other route);
- **route choice** does not offer a route while anything on its path, or its family, is
  closed at the booking's time.

The simulation (:mod:`corridorsim.sim.build`), route choice, the map and the scenario check
all read :class:`Closures`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from corridorsim.corridors import CHOKEPOINTS
from corridorsim.network import Network
from corridorsim.network.checks import SEA_AREAS

if TYPE_CHECKING:
    from corridorsim.routing import Leg
    from corridorsim.routing.instances import RouteInstance
    from corridorsim.scenario.model import Disruption, Scenario

__all__ = ["TARGET_HELP", "Closures", "TargetKind", "Window", "target_kind"]

TargetKind = Literal["node", "link", "chokepoint", "sea_area", "family"]

TARGET_HELP = ("a node (id or name), a link id (FROM-TO), a chokepoint "
               f"({', '.join(CHOKEPOINTS)}), a sea area ({', '.join(SEA_AREAS)}) "
               "or route:<family>")


def target_kind(target: str, net: Network, families: Collection[str]
                ) -> tuple[TargetKind, str] | None:
    """What ``target`` names, and its id (a family without ``route:``); None if nothing."""
    if target.startswith("route:"):
        fam = target.removeprefix("route:")
        return ("family", fam) if fam in families else None
    if target in CHOKEPOINTS:
        return "chokepoint", target
    if target in SEA_AREAS:
        return "sea_area", target
    if target in families:
        return "family", target
    if target in net.links.index:
        return "link", target
    if target in net.nodes.index:
        return "node", target
    return None


@dataclass(frozen=True)
class Window:
    """One disruption on one target: hours ``[start_h, end_h)`` and its factors."""

    index: int  #: position in the scenario's ``disruptions``
    target: str  #: what it acts on (a family without ``route:``)
    start_h: float
    end_h: float
    capacity_factor: float
    speed_factor: float
    #: "name: closed 2024-01-15 → 2024-02-14 (days 14–45)"
    label: str

    @property
    def closes(self) -> bool:
        return self.capacity_factor == 0.0

    @property
    def span(self) -> tuple[float, float]:
        return self.start_h, self.end_h


def _label(d: Disruption, start_date: str) -> str:
    verb = "closed" if d.capacity_factor == 0.0 else (
        f"capacity ×{d.capacity_factor:g}, speed ×{d.speed_factor:g}")
    return f"{d.name or d.target}: {verb} {d.window(start_date)}"


class Closures:
    """The scenario's disruptions by what they act on (see the module docstring)."""

    def __init__(self, scn: Scenario, net: Network, families: Collection[str]) -> None:
        self.start_date = scn.start_date
        self._net = net
        self._by: dict[tuple[TargetKind, str], list[Window]] = {}
        self.unknown: list[int] = []  #: disruptions whose target names nothing
        for i, d in enumerate(scn.disruptions):
            hit = target_kind(d.target, net, families)
            if hit is None:
                self.unknown.append(i)
                continue
            w = Window(i, hit[1], d.start_d * 24.0, d.end_d * 24.0, float(d.capacity_factor),
                       float(d.speed_factor), _label(d, scn.start_date))
            self._by.setdefault(hit, []).append(w)

    def __bool__(self) -> bool:
        return bool(self._by)

    def windows(self) -> list[Window]:
        """Every window, in the scenario's order."""
        return sorted((w for ws in self._by.values() for w in ws), key=lambda w: w.index)

    def of(self, kind: TargetKind, target: str) -> list[Window]:
        return self._by.get((kind, target), [])

    # ------------------------------------------------------------------ the simulation
    def on_leg(self, leg: Leg) -> list[Window]:
        """Windows acting on vehicles of a leg: its links, chokepoints and sea area."""
        out = [w for lid in leg.link_ids for w in self.of("link", lid)]
        out += [w for tag in leg.chokepoints for w in self.of("chokepoint", tag)]
        if leg.sea_area:
            out += self.of("sea_area", leg.sea_area)
        return sorted(out, key=lambda w: w.index)

    def on_node(self, node: str) -> list[Window]:
        """Windows acting on a node's facilities."""
        return self.of("node", node)

    # ------------------------------------------------------------------ bookings
    def family_closed(self, family: str) -> list[tuple[float, float]]:
        """Hours a route family takes no bookings (a fixed-route booking is refused)."""
        return [w.span for w in self.of("family", family) if w.closes]

    def on_route(self, inst: RouteInstance) -> list[Window]:
        """Every window on a route's path (nodes and waypoints, links, chokepoints, seas)
        or on its family."""
        nodes = set(inst.route.nodes)
        for leg in inst.route.legs:
            nodes.update(w.node for w in leg.waypoints)
        out = [w for n in sorted(nodes) for w in self.on_node(n)]
        for leg in inst.route.legs:
            out += self.on_leg(leg)
        out += self.of("family", inst.family)
        seen: dict[int, Window] = {w.index: w for w in out}
        return [seen[i] for i in sorted(seen)]

    def booking_closed(self, inst: RouteInstance) -> list[tuple[float, float]]:
        """Hours route choice does not offer a route (something on it closed)."""
        return [w.span for w in self.on_route(inst) if w.closes]

    def touching_nothing(self, routes: Iterable[RouteInstance]) -> list[int]:
        """Disruptions (by index) that act on no route of the run."""
        hit = {w.index for inst in routes for w in self.on_route(inst)}
        every = {w.index for ws in self._by.values() for w in ws}
        return sorted((every - hit) | set(self.unknown))

    # ------------------------------------------------------------------ the map
    def closed_on_map(self, routes: Mapping[str, list[RouteInstance]]
                      ) -> tuple[dict[str, str], dict[str, str]]:
        """Links and nodes to draw as closed (capacity 0): id → label. A closed family
        shows the links only its own routes use (``routes``: instances by family)."""
        links, nodes = self._net.links, self._net.nodes
        tags = links["chokepoints"].fillna("").astype(str).str.split(";")
        sea = links["sea_area"].astype(str)
        out_links: dict[str, str] = {}
        out_nodes: dict[str, str] = {}
        every = sorted(((w, kind, target) for (kind, target), ws in self._by.items()
                        for w in ws if w.closes), key=lambda x: x[0].index)
        for w, kind, target in every:
            if kind == "link":
                out_links[target] = w.label
            elif kind == "node":
                out_nodes[target] = w.label
            elif kind == "chokepoint":
                for lid in links.index[tags.apply(lambda ts, t=target: t in ts)]:
                    out_links[str(lid)] = w.label
                node = CHOKEPOINTS.get(target)
                if node is not None and node in nodes.index:
                    out_nodes[node] = w.label
            elif kind == "sea_area":
                for lid in links.index[sea == target]:
                    out_links[str(lid)] = w.label
            else:
                others = {lid for f, insts in routes.items() if f != target
                          for i in insts for leg in i.route.legs for lid in leg.link_ids}
                for inst in routes.get(target, []):
                    for leg in inst.route.legs:
                        for lid in leg.link_ids:
                            if lid not in others:
                                out_links.setdefault(lid, w.label)
        return out_links, out_nodes

