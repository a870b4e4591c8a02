"""Build the engine for one scenario: demand arrays, services, facilities, calendars."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import simpy

from corridorsim.corridors import CHOKEPOINTS
from corridorsim.network import Network
from corridorsim.routing import Leg, Route, Stop
from corridorsim.scenario.defaults import facility_params, service_params
from corridorsim.scenario.model import DemandRow, Scenario, StormConfig
from corridorsim.schedule import due_days
from corridorsim.sim.calendar import Calendar
from corridorsim.sim.engine import BatchQueue, Engine, Facility, Service
from corridorsim.sim.records import RunRecords
from corridorsim.sim.streams import Streams, sample

__all__ = ["RouteInstance", "build_engine", "route_key", "service_key"]


@dataclass(frozen=True)
class RouteInstance:
    family: str
    origin: str
    destination: str
    route: Route


def route_key(family: str, origin: str, destination: str) -> str:
    return f"{family}:{origin}-{destination}"


# Ids that are both a route family and a chokepoint tag (``suez``, ``cape``) mean the
# chokepoint; write ``route:<id>`` to close a whole route family (no new bookings).
CHOKEPOINT_TAGS = frozenset(CHOKEPOINTS)


def route_target(target: str) -> str | None:
    """The route family a disruption target closes, if it names one."""
    if target.startswith("route:"):
        return target.removeprefix("route:")
    return None if target in CHOKEPOINT_TAGS else target


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


def _start(scn: Scenario) -> dt.date:
    return dt.date.fromisoformat(scn.start_date)


def _arrivals(row: DemandRow, scn: Scenario, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Booking times (h) and sizes (TEU) for one demand row over the horizon."""
    mean_size = 1.0 + row.feu_share
    per_day = row.teu_per_week / 7.0 / mean_size
    n_days = int(np.ceil(scn.horizon_d))
    start = _start(scn)
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


def _storm_windows(cfg: StormConfig, scn: Scenario, rng: np.random.Generator) -> list[tuple[float, float]]:
    start = _start(scn)
    out: list[tuple[float, float]] = []
    n_days = int(np.ceil(scn.horizon_d))
    for d in range(n_days):
        date = start + dt.timedelta(days=d)
        month_days = 31 if date.month in (1, 3, 5, 7, 8, 10, 12) else (29 if date.month == 2 else 30)
        lam = cfg.storms_per_month[date.month - 1] / month_days
        for _ in range(int(rng.poisson(lam))):
            t0 = (d + float(rng.random())) * 24.0
            out.append((t0, t0 + float(sample(cfg.duration, rng))))
    return out


def choice_families(scn: Scenario, routes: dict[str, RouteInstance]) -> list[str]:
    """The route families shippers choose among (``choice.routes`` or the scenario's routes)."""
    fams = scn.choice.routes if scn.choice.routes is not None else scn.routes
    have = {r.family for r in routes.values()}
    return [f for f in fams if f in have]


NO_OPEN_ROUTE = "(no open route)"


def run_warnings(scn: Scenario, net: Network, routes: dict[str, RouteInstance]) -> list[str]:
    """What this run's answer does not contain, in plain words.

    - a fleet-limited service (a Caspian feeder) used in both directions gets a fleet in each:
      the ships of one direction do not carry the other's cargo on their way back;
    - a disruption of something no route passes, or that starts after the horizon, changes
      nothing; an episode partly in the warm-up is partly left out of the KPIs;
    - a planner's link drawn as a straight line is shorter than any railway or sea lane.
    """
    fleet_legs: dict[tuple[str, str, str], set[str]] = {}
    touched: set[str] = set()  # every disruption target the run's routes pass
    for inst in routes.values():
        touched |= set(inst.route.nodes) | {inst.family, f"route:{inst.family}"}
        for leg in inst.route.legs:
            touched |= set(leg.link_ids) | set(leg.chokepoints) | {leg.sea_area or ""}
            way = f"{leg.from_node}-{leg.to_node}"
            if service_params(leg.service, way, scn).fleet is not None:
                a, b = sorted((leg.from_node, leg.to_node))
                fleet_legs.setdefault((leg.service, a, b), set()).add(way)
    out = [f"{service} {a}–{b} runs in both directions: each direction has its own fleet "
           "(ships do not yet carry the other direction's cargo on their way back), so the "
           "crossing's capacity is overstated for this run"
           for (service, a, b), ways in sorted(fleet_legs.items()) if len(ways) > 1]
    for i, d in enumerate(scn.disruptions):
        label = f"disruptions[{i}] ({d.name or d.target}, {d.window(scn.start_date)})"
        if d.target not in touched:
            out.append(f"{label}: no route of this run passes {d.target!r}, so it changes "
                       "nothing")
        elif d.start_d >= scn.horizon_d:
            out.append(f"{label}: starts after the horizon ({scn.horizon_d:g} days), so it "
                       "changes nothing")
        elif d.start_d < scn.warmup_d and d.end_d < scn.horizon_d:
            # an episode (not a closure for the rest of the run) partly in the warm-up
            out.append(f"{label}: overlaps the warm-up (the first {scn.warmup_d:g} days), whose "
                       "bookings the KPIs leave out: part of its effect is not in them")
    for i, lk in enumerate(scn.network.links):
        lid = f"{lk.from_}-{lk.to}"
        if lk.geometry is None and lid in touched:
            out.append(f"network.links[{i}] {lid} is a straight line (no geometry, "
                       f"{float(net.links.at[lid, 'length_km']):,.0f} km): the great-circle "
                       "distance, shorter than any railway or sea lane; give its geometry for "
                       "a real route")
    return out


def build_engine(scn: Scenario, net: Network, routes: dict[str, RouteInstance],
                 streams: Streams, *, choice_out: list[Any] | None = None,
                 ) -> tuple[Engine, RunRecords, dict[str, float]]:
    """Create the records and the engine; return also the TEU refused by route closures.

    Demand rows without ``route`` are booked by the weekly route-choice process
    (:mod:`corridorsim.sim.choice`); its model is appended to ``choice_out`` when given.
    """
    from corridorsim.sim.choice import closure_windows

    horizon_h = scn.horizon_d * 24.0
    keys = list(routes)
    # ---------------------------------------------------------------- demand
    seg_ids = sorted({r.segment for r in scn.demand})
    parts = []
    refused: dict[str, float] = {}
    fams = choice_families(scn, routes)
    closures = [closure_windows(scn, routes[k]) for k in keys]

    def open_at(ri: int, times: np.ndarray) -> np.ndarray:
        ok = np.ones(len(times), dtype=bool)
        for t0, t1 in closures[ri]:
            ok &= ~((times >= t0) & (times < t1))
        return ok

    # TEU per week on each service from the fixed-route rows: due dates count the wait for a
    # train to fill at that volume (corridorsim.schedule)
    # (route-choice rows count by their reference shares, or evenly, over the families
    # that serve their pair)
    svc_teu: dict[str, float] = {}
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
                svc_teu[k] = svc_teu.get(k, 0.0) + row.teu_per_week * share

    def leg_volume(direction: str) -> Callable[[Leg], float]:
        return lambda leg: svc_teu.get(service_key(leg, direction), 0.0)

    row_inst: dict[int, np.ndarray] = {}
    for i, row in enumerate(scn.demand):
        if row.route is None:
            od_key = f"{row.origin}-{row.destination}"
            rng = streams.get(f"demand:choice:{od_key}:{row.segment}:{i}")
            times, sizes = _arrivals(row, scn, rng)
            reefer = rng.random(len(times)) < row.reefer_share
            cand = np.array([keys.index(route_key(f, row.origin, row.destination))
                             if route_key(f, row.origin, row.destination) in routes else -1
                             for f in fams], dtype=np.int64)
            row_inst[i] = cand
            keep = np.zeros(len(times), dtype=bool)
            for ri in cand[cand >= 0]:
                keep |= open_at(int(ri), times)
            if (~keep).any():
                refused[NO_OPEN_ROUTE] = refused.get(NO_OPEN_ROUTE, 0.0) + float(sizes[~keep].sum())
            due_h = row.due_d * 24.0 if row.due_d is not None else np.nan
            n = int(keep.sum())
            parts.append((times[keep], sizes[keep], reefer[keep],
                          np.full(n, int(cand[cand >= 0][0])),
                          np.full(n, seg_ids.index(row.segment)), np.full(n, due_h),
                          np.full(n, i)))
            continue
        key = route_key(row.route, row.origin, row.destination)
        rng = streams.get(f"demand:{key}:{row.segment}:{i}")
        times, sizes = _arrivals(row, scn, rng)
        reefer = rng.random(len(times)) < row.reefer_share
        keep = np.ones(len(times), dtype=bool)
        for d in scn.disruptions:
            if route_target(d.target) == row.route and d.capacity_factor == 0.0:
                keep &= ~((times >= d.start_d * 24) & (times < d.end_d * 24))
        refused[row.route] = refused.get(row.route, 0.0) + float(sizes[~keep].sum())
        route_i = routes[key].route
        due_d = row.due_d if row.due_d is not None else due_days(
            route_i, scn, volume=leg_volume(route_i.direction))
        n = int(keep.sum())
        parts.append((times[keep], sizes[keep], reefer[keep],
                      np.full(n, keys.index(key), dtype=np.int32),
                      np.full(n, seg_ids.index(row.segment), dtype=np.int32),
                      np.full(n, due_d * 24.0), np.full(n, -1, dtype=np.int32)))
    # booking order (time, then route); columns gathered one at a time so that a
    # 10-million-TEU year needs one extra column of memory here, not seven
    dtypes = (np.float64, np.float64, np.bool_, np.int32, np.int32, np.float64, np.int32)
    cols = [np.concatenate([p[j] for p in parts]).astype(dtypes[j], copy=False)
            for j in range(7)]
    del parts
    order = np.lexsort((cols[3], cols[0]))
    for j in range(7):
        cols[j] = cols[j][order]
    del order
    created, teu, reefer, route_idx, seg_idx, due_h, row_id = cols
    del cols
    row_id = row_id.astype(np.int64)
    is_choice = row_id >= 0
    od_ids = sorted({f"{r.origin}-{r.destination}" for r in routes.values()})
    od = np.array([od_ids.index(f"{routes[keys[k]].origin}-{routes[keys[k]].destination}")
                   for k in range(len(keys))], dtype=np.int64)
    n_stages = np.array([len(routes[k].route.stages) for k in keys], dtype=np.int64)
    rec = RunRecords(
        route_ids=keys, od_ids=od_ids, segment_ids=seg_ids,
        route=route_idx,
        od=od.astype(np.int32)[route_idx] if len(route_idx) else np.empty(0, np.int32),
        segment=seg_idx, teu=teu, reefer=reefer, created_h=created, due_h=due_h,
        n_stages=n_stages,
        # ragged records: every consignment gets the most stages of any route of its O–D,
        # so route choice may move it to another family of the same O–D
        slots_per_route=np.array([n_stages[od == od[k]].max() for k in range(len(keys))],
                                 dtype=np.int64),
    )
    # origin stop: zero time; consignments ready for the first leg when booked
    rec.t_in[rec.off] = rec.created_h
    rec.t_out[rec.off] = rec.created_h
    rec.t_in[rec.off + 1] = rec.created_h

    eng = Engine(rec, horizon_h)
    env = eng.env

    # ---------------------------------------------------------------- calendars
    storm_cal: dict[str, Calendar] = {}
    storms = {"caspian": scn.weather.caspian, "black_sea": scn.weather.black_sea}
    for area, cfg in storms.items():
        cal = Calendar()
        if cfg is not None:
            for t0, t1 in _storm_windows(cfg, scn, streams.get(f"weather:{area}")):
                cal.add(t0, t1, "weather")
        storm_cal[area] = cal

    def leg_calendar(leg: Leg) -> Calendar:
        cal = Calendar()
        targets = {*leg.link_ids, *leg.chokepoints}
        if leg.sea_area:
            targets.add(leg.sea_area)
            cal = cal.merged(storm_cal.get(leg.sea_area, Calendar()))
        for d in scn.disruptions:
            if d.target in targets:
                cal.add(d.start_d * 24, d.end_d * 24, "disruption", d.capacity_factor, d.speed_factor)
        return cal

    def node_calendar(node: str) -> Calendar:
        cal = Calendar()
        for d in scn.disruptions:
            if d.target == node:
                cal.add(d.start_d * 24, d.end_d * 24, "disruption", d.capacity_factor, d.speed_factor)
        return cal

    # ---------------------------------------------------------------- facilities
    def facility(node: str, kind: str, direction: str) -> Facility:
        fkey = facility_key(node, direction)
        if kind not in (str(net.nodes.at[node, "kind"]), "border_internal"):
            # a stop of another kind than its node: the rail terminal of a port city
            fkey += f" [{kind}]"
        fac = eng.facilities.get(fkey)
        if fac is not None:
            return fac
        params = facility_params(node, kind, scn)
        fac = Facility(
            node=node, kind=kind, params=params, calendar=node_calendar(node),
            rng=streams.get(f"facility:{fkey}"),
            resource=simpy.Resource(env, capacity=int(params.servers or 1)),
            is_border=kind in ("gauge_change", "border", "border_internal"),
            direction=direction,
        )
        eng.facilities[fkey] = fac
        return fac

    # ---------------------------------------------------------------- services
    svc_by_key: dict[str, Service] = {}
    for ri, key in enumerate(keys):
        route = routes[key].route
        way = route.direction
        for stage in route.stages:
            if isinstance(stage, Stop):
                if stage.role != "origin":
                    eng.stop_facility[(ri, stage.index)] = facility(stage.node, stage.kind, way)
                continue
            leg = stage
            skey = service_key(leg, way)
            svc = svc_by_key.get(skey)
            if svc is None:
                params = service_params(leg.service, f"{leg.from_node}-{leg.to_node}", scn)
                queue = BatchQueue(env, rec)
                svc = Service(
                    key=skey, kind=leg.service, params=params, km=leg.km,
                    waypoints=[(w.km_from_start, facility(w.node, w.kind, way))
                               for w in leg.waypoints],
                    from_node=leg.from_node, to_node=leg.to_node, calendar=leg_calendar(leg),
                    rng=streams.get(f"service:{skey}"), idle=int(params.fleet or 0), queue=queue,
                )
                svc.direction = way
                svc.to_facility = facility(leg.to_node, route.stages[leg.index + 1].kind, way)
                svc_by_key[skey] = svc
                eng.services.append(svc)
            eng.leg_service[(ri, leg.index)] = svc
    eng.index_stages(len(keys), int(max(rec.slots_per_route.max() if len(keys) else 1,
                                        n_stages.max() if len(keys) else 1)))
    # the facility at a service's departure node owns its yard
    for svc in eng.services:
        svc.queue.node_facility = eng.facilities.get(facility_key(svc.from_node, svc.direction))
    # pre-book every fixed-route consignment on its first leg; route choice books weekly
    if is_choice.any():
        from corridorsim.sim.choice import build_choice

        book = np.flatnonzero(is_choice)
        inst = np.stack([row_inst[int(i)] for i in row_id[book]]) if len(book) else \
            np.empty((0, len(fams)), dtype=np.int64)
        avail = np.zeros(inst.shape, dtype=bool)
        for ri in range(len(keys)):
            hit = inst == ri
            if hit.any():
                b_i, f_i = np.nonzero(hit)
                avail[b_i, f_i] = open_at(ri, rec.created_h[book[b_i]])
        due_route_h = np.array([due_days(routes[k].route, scn,
                                         volume=leg_volume(routes[k].route.direction)) * 24.0
                                for k in keys])
        cm = build_choice(scn, routes, rec, fams, book, inst, avail, due_h[book],
                          np.flatnonzero(~is_choice), due_route_h)
        eng.extra_processes.append(lambda: cm.process(eng, streams))
        if choice_out is not None:
            choice_out.append(cm)
    for ri in range(len(keys)):
        sel = np.flatnonzero((rec.route == ri) & ~is_choice)
        if len(sel):
            svc = eng.leg_service[(ri, 1)]
            svc.queue.preload(sel, rec.created_h[sel])
    return eng, rec, refused
