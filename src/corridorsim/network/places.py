"""Places by name: find a network node from what a planner types.

Everywhere a node is asked for (CLI options, scenario ``origin``/``destination``,
disruption ``target``) an id or a name works, without case or diacritics: "Lodz" is Łódź,
"aktau" is the port of Aktau, "xian" is Xi'an. A name that matches nothing gets a
did-you-mean from the names and ids.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable

import pandas as pd

from corridorsim.errors import RouteError
from corridorsim.network import Network

__all__ = ["PlaceError", "nodes_table", "normalise", "place_index", "resolve_place",
           "short_name"]

# letters NFKD does not take apart
_FOLD = str.maketrans({"ł": "l", "Ł": "l", "ı": "i", "ø": "o", "Ø": "o", "đ": "d", "Đ": "d",
                       "ß": "ss", "æ": "ae", "œ": "oe", "ə": "a", "Ə": "a"})
_GENERIC = ("port", "pier", "terminal", "the port of", "port of")


class PlaceError(RouteError):
    """A place that is not on the network."""


def normalise(text: str) -> str:
    """Lower case, no diacritics, apostrophes or punctuation: ``"Xi'an"`` → ``"xian"``."""
    t = unicodedata.normalize("NFKD", str(text).translate(_FOLD))
    t = "".join(c for c in t if not unicodedata.combining(c)).casefold()
    t = re.sub(r"['’`ʼ]", "", t)
    t = re.sub(r"[^0-9a-z]+", " ", t)
    return " ".join(t.split())


def short_name(name: object) -> str:
    """A place's plain name: ``Boyuk Kesik / Gardabani (AZ–GE border)`` → ``Boyuk Kesik``."""
    text = str(name)
    return text.split(" (")[0].split(" / ")[0].strip() or text


def _keys(nid: str, name: str, aliases: Iterable[str]) -> list[tuple[str, int]]:
    """Normalised keys a node is found by, each with its priority: 0 for the id, the full
    name and the aliases; 1 for parts of the name (before the parenthesis, the pieces of
    "A / B", the words in parentheses) and the name without a generic word ("port", "pier")."""
    exact = [normalise(nid), normalise(name), *(normalise(a) for a in aliases)]
    parts = []
    head = name.split(" (")[0]
    inner = re.findall(r"\(([^)]*)\)", name)
    for part in [head, *inner]:
        for piece in re.split(r"\s*/\s*", part):
            parts.append(normalise(piece))
    for k in exact + parts:
        for g in _GENERIC:
            if k.endswith(" " + g):
                parts.append(k[: -len(g) - 1])
            if k.startswith(g + " "):
                parts.append(k[len(g) + 1:])
    out: dict[str, int] = {}
    for k in exact:
        if k:
            out.setdefault(k, 0)
    for k in parts:
        if k:
            out.setdefault(k, 1)
    return list(out.items())


def place_index(net: Network) -> dict[str, list[tuple[int, str]]]:
    """Normalised name or id → (priority, node id) of every node it names (0: the id, the
    full name or an alias; 1: a part of the name), best first."""
    cached: dict[str, list[tuple[int, str]]] | None = net.cache.get("places")
    if cached is not None:
        return cached
    nodes = net.nodes
    aliases = nodes["aliases"] if "aliases" in nodes.columns else pd.Series("", index=nodes.index)
    index: dict[str, list[tuple[int, str]]] = {}
    for nid, name, al in zip(nodes.index, nodes["name"], aliases, strict=True):
        extra = [a for a in str(al or "").split(";") if a and al == al]
        for k, prio in _keys(str(nid), str(name), extra):
            index.setdefault(k, []).append((prio, str(nid)))
    net.cache["places"] = index
    return index


def _rank(net: Network, hits: list[tuple[int, str]]) -> list[str]:
    """Prefer an exact id/name/alias match, then places planners ship from/to, then ports
    and terminals, then the rest."""
    nodes = net.nodes
    roles = nodes["roles"] if "roles" in nodes.columns else pd.Series("", index=nodes.index)

    def score(hit: tuple[int, str]) -> tuple[int, int, str]:
        prio, n = hit
        kind = str(nodes.at[n, "kind"])
        role = 0 if "od" in str(roles.get(n, "") or "").split(";") else \
            1 if kind in ("terminal", "port") else 2
        return (prio, role, n)
    return [n for _, n in sorted(hits, key=score)]


def resolve_place(net: Network, text: str, *, what: str = "place") -> str:
    """The node id for an id or a name; :class:`PlaceError` with a did-you-mean otherwise."""
    raw = str(text).strip()
    if raw in net.nodes.index:
        return raw
    key = normalise(raw)
    index = place_index(net)
    hits = index.get(key)
    if hits:
        return _rank(net, hits)[0]
    # a typed name that starts exactly one place's name ("Verona" → "Verona Quadrante Europa")
    starts = sorted({n for k, ids in index.items() if k.startswith(key + " ") for _, n in ids})
    if len(starts) == 1:
        return starts[0]
    pool = list(index)
    close = difflib.get_close_matches(key, pool, n=3, cutoff=0.6)
    # also: a typed word that starts a place's name ("duis" → Duisburg)
    if not close and len(key) >= 3:
        close = [k for k in pool if k.startswith(key)][:3]
    hint = ""
    if close:
        shown = []
        for k in close:
            nid = _rank(net, index[k])[0]
            label = f"{net.nodes.at[nid, 'name']} ({nid})"
            if label not in shown:
                shown.append(label)
        hint = f"; did you mean {' or '.join(shown)}?"
    raise PlaceError(f"unknown {what} {raw!r}{hint} (`corridorsim nodes` lists every place)")


def nodes_table(net: Network, *, country: str | None = None, kind: str | None = None
                ) -> pd.DataFrame:
    """One row per node: id, name, country, kind, roles, gauge, lon, lat, source."""
    n = net.nodes
    df = pd.DataFrame({
        "id": n.index.astype(str).to_numpy(),
        "name": n["name"].astype(str),
        "country": n["country"].astype(str),
        "kind": n["kind"].astype(str),
        "roles": (n["roles"].fillna("").astype(str) if "roles" in n.columns else ""),
        "gauge_mm": n["gauge_mm"].astype("Int64") if "gauge_mm" in n.columns else pd.NA,
        "lon": n.geometry.x.round(4).to_numpy(),
        "lat": n.geometry.y.round(4).to_numpy(),
        "source": n["source"].fillna("").astype(str) if "source" in n.columns else "",
    })
    if country:
        df = df[df["country"].str.upper() == country.upper()]
    if kind:
        df = df[(df["kind"] == kind) | df["roles"].str.split(";").map(lambda r: kind in r)]
    return df.reset_index(drop=True).sort_values(["country", "id"]).reset_index(drop=True)
