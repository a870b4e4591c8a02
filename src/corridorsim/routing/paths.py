"""Each route family's part of the network, and its least-impedance path between two nodes.

A family (:mod:`corridorsim.corridors`) may use the nodes and links its definition allows;
each link is weighted by its routing impedance (km x
:data:`~corridorsim.corridors.ROUTING_WEIGHT` of its mode). :func:`node_path` returns the
path as steps, or raises :class:`~corridorsim.errors.NotApplicable` saying why the family
cannot serve the pair. :mod:`corridorsim.routing` turns the steps into stages.
"""

from __future__ import annotations

from itertools import pairwise

import networkx as nx

from corridorsim.corridors import ROUTING_WEIGHT, Corridor
from corridorsim.errors import NotApplicable
from corridorsim.network import Network

__all__ = ["Step", "family_graph", "node_country", "node_path", "split_tags"]

#: One step of a path: (from node, to node, link id).
Step = tuple[str, str, str]


def split_tags(value: object) -> tuple[str, ...]:
    """A ``;``-separated network column (countries, chokepoints) as a tuple; empty if unset."""
    if not isinstance(value, str) or not value:
        return ()
    return tuple(v for v in value.split(";") if v)


def node_country(net: Network, node: str) -> str:
    return str(net.nodes.at[node, "country"])


def _place(net: Network, node: str) -> str:
    return f"{net.nodes.at[node, 'name']} ({node}, {node_country(net, node)})"


def _family_nodes(net: Network, fam: Corridor) -> set[str]:
    """The nodes ``fam`` may pass."""
    avoid_c = set(fam.avoid_countries)
    allow_c = set(fam.countries) if fam.countries is not None else None
    avoid_n = set(fam.avoid_nodes)

    def node_ok(n: str, country: str, kind: str) -> bool:
        if n in avoid_n:
            return False
        if kind == "chokepoint" and "sea" in fam.modes:
            return True  # straits and canals: the sea links decide
        if country in avoid_c:
            return False
        return allow_c is None or country in allow_c

    nodes = net.nodes
    return {n for n, c, k in zip(nodes.index, nodes["country"].astype(str),
                                 nodes["kind"].astype(str), strict=True) if node_ok(n, c, k)}


def family_graph(net: Network, fam: Corridor) -> nx.MultiGraph:
    """The part of the network ``fam`` may use, each link weighted by its routing
    impedance ``w`` (cached on the network: built once per family)."""
    cache: dict[Corridor, nx.MultiGraph] = net.cache.setdefault("family_graphs", {})
    if fam in cache:
        return cache[fam]
    links = net.links
    avoid_c = set(fam.avoid_countries)
    allow_c = set(fam.countries) if fam.countries is not None else None
    sea_links = set(fam.sea_links) if fam.sea_links is not None else None
    ok_nodes = _family_nodes(net, fam)
    g = nx.MultiGraph()
    g.add_nodes_from(ok_nodes)
    for k, a, b, mode, area, crossed_s, km in zip(
            links.index, links["from"], links["to"], links["mode"].astype(str),
            links["sea_area"], links["countries"], links["length_km"], strict=True):
        if a not in ok_nodes or b not in ok_nodes or mode not in fam.modes:
            continue
        if mode == "sea":
            if str(area) not in fam.sea_areas:
                continue
            if sea_links is not None and k not in sea_links and f"{b}-{a}" not in sea_links:
                continue
        else:
            crossed = set(split_tags(crossed_s))
            if crossed & avoid_c or (allow_c is not None and crossed and not crossed <= allow_c):
                continue
        g.add_edge(a, b, key=k, w=float(km) * ROUTING_WEIGHT.get(mode, 1.0),
                   length_km=float(km))
    cache[fam] = g
    return g


def _why_not(net: Network, fam: Corridor, origin: str, destination: str) -> str | None:
    """Why ``fam`` cannot serve the pair at all (an end in a country it avoids), or None."""
    for label, n in (("origin", origin), ("destination", destination)):
        c = node_country(net, n)
        if c in fam.avoid_countries:
            return f"the {label} {_place(net, n)} is in {c}, which {fam.id} does not enter"
        if fam.countries is not None and c not in fam.countries:
            reach = "China and Europe" if fam.deep_sea else ", ".join(fam.countries)
            return (f"the {label} {_place(net, n)} lies outside what {fam.id} serves "
                    f"({reach})")
        if n in fam.avoid_nodes:
            return f"{fam.id} does not use {_place(net, n)}"
    return None


def node_path(net: Network, fam: Corridor, origin: str, destination: str) -> list[Step]:
    """The family's least-impedance path as (from, to, link_id) steps."""
    reason = _why_not(net, fam, origin, destination)
    if reason:
        raise NotApplicable(f"{fam.id} cannot serve {origin} → {destination}: {reason}")
    graph = family_graph(net, fam)
    try:
        path: list[str] = nx.dijkstra_path(graph, origin, destination, weight="w")
    except (nx.NetworkXNoPath, nx.NodeNotFound):
        raise NotApplicable(
            f"{fam.id} cannot serve {origin} → {destination}: no path on the network within "
            f"its definition ({fam.label})") from None
    gates = {n for group in fam.gateways for n in group}
    if gates and not gates & set(path):
        names = ", ".join(sorted({str(net.nodes.at[n, "name"]).split(" (")[0]
                                  for n in gates if n in net.nodes.index}))
        raise NotApplicable(
            f"{fam.id} cannot serve {origin} → {destination}: the pair does not use this "
            f"corridor (its path passes none of {fam.id}'s gateways: {names})")
    steps: list[Step] = []
    for u, v in pairwise(path):
        edges = graph.get_edge_data(u, v)
        lid = min(edges, key=lambda k: (float(edges[k]["w"]), k))
        steps.append((u, v, lid))
    return steps
