"""Bookings: when containers are booked, how big, on which route, due when.

Every demand row draws its bookings from its own stream, independent of the route, so
scenarios that differ only in routes or disruptions share them (common random numbers).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from corridorsim.closures import Closures
from corridorsim.routing import Leg
from corridorsim.routing.instances import RouteInstance, route_key
from corridorsim.routing.schedule import due_days
from corridorsim.scenario.model import DemandRow, Scenario
from corridorsim.sim.keys import service_key
from corridorsim.sim.streams import Streams

__all__ = ["NO_OPEN_ROUTE", "Bookings", "book_demand", "choice_families", "service_volumes"]

#: the refused-TEU key of route-choice bookings for which no route was open
NO_OPEN_ROUTE = "(no open route)"


@dataclass(frozen=True)
class Bookings:
    """Every booking of the run, in booking order (time, then route), one entry each."""

    created_h: np.ndarray  #: float64
    teu: np.ndarray  #: float64, 1 or 2
    reefer: np.ndarray  #: bool
    route: np.ndarray  #: int32 route index (a route-choice booking: its first candidate)
    segment: np.ndarray  #: int32 index into ``segments``
    due_h: np.ndarray  #: float64 hours after booking (NaN: route choice, set on choosing)
    choice_row: np.ndarray  #: int64 demand row of a route-choice booking, -1 for fixed
    shipment: np.ndarray  #: bool: the planner's own cargo (a ``shipment: true`` row)
    segments: list[str]
    #: TEU refused because their route was closed, by family (or :data:`NO_OPEN_ROUTE`)
    refused: dict[str, float]
    #: demand row → route index of each choice family (-1: the family does not serve it)
    candidates: dict[int, np.ndarray]


def choice_families(scn: Scenario, routes: Mapping[str, RouteInstance]) -> list[str]:
    """The route families shippers choose among (``choice.routes`` or the scenario's routes)."""
    fams = scn.choice.routes if scn.choice.routes is not None else scn.routes
    have = {r.family for r in routes.values()}
    return [f for f in fams if f in have]


def service_volumes(scn: Scenario, routes: Mapping[str, RouteInstance]) -> dict[str, float]:
    """TEU per week on each service (by service key) from the demand: due dates count the
    wait for a train to fill at that volume (:mod:`corridorsim.routing.schedule`). Route-choice rows
    count by their reference shares, or evenly, over the families that serve their pair."""
    fams = choice_families(scn, routes)
    out: dict[str, float] = {}
    for row in scn.demand:
        if row.route is not None:
            split = {row.route: 1.0}
        else:
            seg = scn.choice.segments.get(row.segment)
            ref = (seg.reference_shares if seg is not None and seg.reference_shares else
                   scn.choice.reference_shares) or {}
            have = [f for f in fams if route_key(f, row.origin, row.destination) in routes]
            w = {f: float(ref.get(f, 1.0 if not ref else 0.0)) for f in have}
            tot = sum(w.values()) or float(len(have))
            split = {f: (w[f] / tot if sum(w.values()) else 1.0 / tot) for f in have}
        for fam, share in split.items():
            r = routes[route_key(fam, row.origin, row.destination)].route
            for leg in r.legs:
                k = service_key(leg, r.direction)
                out[k] = out.get(k, 0.0) + row.teu_per_week * share
    return out


def leg_volume(volumes: Mapping[str, float], direction: str) -> Callable[[Leg], float]:
    return lambda leg: volumes.get(service_key(leg, direction), 0.0)


def arrivals(row: DemandRow, scn: Scenario, rng: np.random.Generator
             ) -> tuple[np.ndarray, np.ndarray]:
    """Booking times (h) and sizes (TEU) for one demand row over the horizon."""
    mean_size = 1.0 + row.feu_share
    per_day = row.teu_per_week / 7.0 / mean_size
    n_days = int(np.ceil(scn.horizon_d))
    start = dt.date.fromisoformat(scn.start_date)
    days = np.arange(n_days)
    dates = [start + dt.timedelta(days=int(d)) for d in days]
    mult = np.ones(n_days)
    if row.seasonality_monthly is not None:
        m = np.asarray(row.seasonality_monthly, dtype=float)
        mult *= (m / m.mean())[[d.month - 1 for d in dates]]
    if row.weekday_profile is not None:
        w = np.asarray(row.weekday_profile, dtype=float)
        mult *= (w / w.mean())[[d.weekday() for d in dates]]
    rate = per_day * mult
    day_len = np.minimum(1.0, scn.horizon_d - days)
    if row.arrival == "poisson":
        counts = rng.poisson(rate * day_len)
        base = np.repeat(days * 24.0, counts)
        span = np.repeat(day_len * 24.0, counts)
        times = np.sort(base + rng.random(counts.sum()) * span)
    else:
        total = rate * day_len
        cum = np.concatenate([[0.0], np.cumsum(total)])
        k = np.arange(int(np.floor(cum[-1])))
        pos = k + 0.5
        day_idx = np.searchsorted(cum, pos, side="right") - 1
        frac = (pos - cum[day_idx]) / np.where(total[day_idx] > 0, total[day_idx], 1.0)
        times = (day_idx + frac * day_len[day_idx]) * 24.0
    sizes = np.where(rng.random(len(times)) < row.feu_share, 2.0, 1.0)
    return times, sizes


def open_at(windows: Sequence[tuple[float, float]], times: np.ndarray) -> np.ndarray:
    """Which of ``times`` fall in none of the closed ``windows``."""
    ok = np.ones(len(times), dtype=bool)
    for t0, t1 in windows:
        ok &= ~((times >= t0) & (times < t1))
    return ok


Part = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray,
             np.ndarray]


def book_demand(scn: Scenario, routes: Mapping[str, RouteInstance], closures: Closures,
                streams: Streams, volumes: Mapping[str, float]) -> Bookings:
    """Draw every demand row's bookings; refuse those whose route is closed (see
    :mod:`corridorsim.closures` for which are)."""
    keys = list(routes)
    segments = sorted({r.segment for r in scn.demand})
    fams = choice_families(scn, routes)
    refused: dict[str, float] = {}
    candidates: dict[int, np.ndarray] = {}
    parts: list[Part] = []
    for i, row in enumerate(scn.demand):
        seg = segments.index(row.segment)
        if row.route is None:
            cand = np.array([keys.index(k) if (k := route_key(f, row.origin, row.destination))
                             in routes else -1 for f in fams], dtype=np.int64)
            candidates[i] = cand
            parts.append(_choice_row(scn, i, row, seg, cand, keys, routes, closures, streams,
                                     refused))
        else:
            parts.append(_fixed_row(scn, i, row, seg, keys, routes, closures, streams,
                                    volumes, refused))
    return _in_booking_order(parts, segments, refused, candidates)


def _choice_row(scn: Scenario, i: int, row: DemandRow, seg: int, cand: np.ndarray,
                keys: list[str], routes: Mapping[str, RouteInstance], closures: Closures,
                streams: Streams, refused: dict[str, float]) -> Part:
    rng = streams.get(f"demand:choice:{row.origin}-{row.destination}:{row.segment}:{i}")
    times, sizes = arrivals(row, scn, rng)
    reefer = rng.random(len(times)) < row.reefer_share
    keep = np.zeros(len(times), dtype=bool)
    for ri in cand[cand >= 0]:
        keep |= open_at(closures.booking_closed(routes[keys[int(ri)]]), times)
    if (~keep).any():
        refused[NO_OPEN_ROUTE] = refused.get(NO_OPEN_ROUTE, 0.0) + float(sizes[~keep].sum())
    due_h = row.due_d * 24.0 if row.due_d is not None else np.nan
    n = int(keep.sum())
    return (times[keep], sizes[keep], reefer[keep], np.full(n, int(cand[cand >= 0][0])),
            np.full(n, seg), np.full(n, due_h), np.full(n, i), np.full(n, row.shipment))


def _fixed_row(scn: Scenario, i: int, row: DemandRow, seg: int, keys: list[str],
               routes: Mapping[str, RouteInstance], closures: Closures, streams: Streams,
               volumes: Mapping[str, float], refused: dict[str, float]) -> Part:
    assert row.route is not None
    key = route_key(row.route, row.origin, row.destination)
    rng = streams.get(f"demand:{key}:{row.segment}:{i}")
    times, sizes = arrivals(row, scn, rng)
    reefer = rng.random(len(times)) < row.reefer_share
    keep = open_at(closures.family_closed(row.route), times)
    refused[row.route] = refused.get(row.route, 0.0) + float(sizes[~keep].sum())
    route = routes[key].route
    due_d = row.due_d if row.due_d is not None else due_days(
        route, scn, volume=leg_volume(volumes, route.direction))
    n = int(keep.sum())
    return (times[keep], sizes[keep], reefer[keep],
            np.full(n, keys.index(key), dtype=np.int32), np.full(n, seg, dtype=np.int32),
            np.full(n, due_d * 24.0), np.full(n, -1, dtype=np.int32), np.full(n, row.shipment))


def _in_booking_order(parts: list[Part], segments: list[str], refused: dict[str, float],
                      candidates: dict[int, np.ndarray]) -> Bookings:
    """Booking order (time, then route); columns gathered one at a time so that a
    10-million-TEU year needs one extra column of memory here, not seven."""
    dtypes = (np.float64, np.float64, np.bool_, np.int32, np.int32, np.float64, np.int32,
              np.bool_)
    cols = [np.concatenate([p[j] for p in parts]).astype(dtypes[j], copy=False)
            for j in range(len(dtypes))]
    parts.clear()
    order = np.lexsort((cols[3], cols[0]))
    for j in range(len(dtypes)):
        cols[j] = cols[j][order]
    del order
    return Bookings(created_h=cols[0], teu=cols[1], reefer=cols[2], route=cols[3],
                    segment=cols[4], due_h=cols[5], choice_row=cols[6].astype(np.int64),
                    shipment=cols[7],
                    segments=segments, refused=refused, candidates=candidates)
