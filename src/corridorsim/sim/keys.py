"""Which legs share a service and which stops share a facility."""

from __future__ import annotations

from corridorsim.routing import Leg

__all__ = ["facility_key", "service_key"]


def service_key(leg: Leg, direction: str = "westbound") -> str:
    """Legs with the same service on the same links share vehicles and queues; eastbound
    routes have their own (a leg runs from ``from_node`` to ``to_node``)."""
    key = f"{leg.service}:{leg.from_node}-{leg.to_node}"
    if leg.waypoints:
        key += " via " + ",".join(w.node for w in leg.waypoints)
    if direction != "westbound":
        key += f" ({direction})"
    return key


def facility_key(node: str, direction: str = "westbound") -> str:
    """Facilities queue per direction: the westbound one keeps the node id. (A stop of another
    kind than its node — the rail terminal of a port city — adds ``[kind]``.)"""
    return node if direction == "westbound" else f"{node} ({direction})"
