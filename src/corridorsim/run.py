"""Run a scenario end to end: network → routes → simulation → tables → KPIs."""

from __future__ import annotations

import copy
import hashlib
import json
import os
import platform
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from itertools import pairwise
from typing import Any

import numpy as np
import pandas as pd

from corridorsim._version import __version__
from corridorsim.accounting.pipeline import account_records
from corridorsim.errors import InternalError, RouteError, ScenarioError
from corridorsim.kpis import INSTANCE_COLUMNS, instance_order, route_summary_arrays
from corridorsim.limits import check_limits
from corridorsim.network import Network, load_network
from corridorsim.results import (
    WAIT_COLUMNS,
    SimTrace,
    chunk_bounds,
    consignments_table,
    facilities_table,
    legs_table,
    route_time_sums,
    vehicles_table,
)
from corridorsim.route_options import route_options
from corridorsim.routing import (
    ROUTE_FAMILIES,
    RouteFamily,
    resolve_route,
)
from corridorsim.saturation import add_saturation, place_queues
from corridorsim.scenario.check import canonical_places, scenario_network
from corridorsim.scenario.model import Scenario
from corridorsim.sim.build import RouteInstance, build_engine, route_key, run_warnings
from corridorsim.sim.streams import Streams

__all__ = ["RunResult", "run_scenario", "scenario_hash"]


class RunResult:
    """Everything a run produced. Tables are pandas DataFrames; times are hours.

    Attributes
    ----------
    summary : one row per route instance: route family, origin and destination (see
        ``corridorsim.kpis.SUMMARY_COLUMNS``)
    consignments : one row per consignment (built from the records on first access)
    legs : one row per consignment and stage (built from the records on first access)
    facilities : one row per facility (utilisation, queues, waits)
    vehicles : one row per vehicle trip
    info : the content of ``run.json``
    trace : the engine's records and indices (:class:`~corridorsim.results.SimTrace`),
        from which the KPIs, accounting and saturation are computed without building the
        per-consignment tables; ``None`` for results assembled from tables
    consignment_columns : per-consignment arrays (emissions, cost) added to the
        consignments table; transit, moving and waiting hours come from the records

    The consignment and leg tables of a large run (millions of consignments, tens of
    millions of legs) are never needed whole: :func:`corridorsim.outputs.write_run` writes
    them chunk by chunk (:meth:`iter_consignments`, :meth:`iter_legs`).
    """

    def __init__(self, scenario: Scenario, network: Network, routes: dict[str, RouteInstance],
                 summary: pd.DataFrame, consignments: pd.DataFrame | None = None,
                 legs: pd.DataFrame | None = None, facilities: pd.DataFrame | None = None,
                 vehicles: pd.DataFrame | None = None, info: dict[str, Any] | None = None, *,
                 extra_tables: dict[str, pd.DataFrame] | None = None,
                 footprints: dict[str, Any] | None = None, trace: SimTrace | None = None,
                 consignment_columns: dict[str, np.ndarray] | None = None,
                 leg_accounting: Callable[[pd.DataFrame], pd.DataFrame] | None = None) -> None:
        self.scenario, self.network, self.routes, self.summary = scenario, network, routes, summary
        self._consignments, self._legs = consignments, legs
        self.facilities = facilities if facilities is not None else pd.DataFrame()
        self.vehicles = vehicles if vehicles is not None else pd.DataFrame()
        self.info: dict[str, Any] = info if info is not None else {}
        self.extra_tables: dict[str, pd.DataFrame] = extra_tables or {}
        self.footprints: dict[str, Any] = footprints or {}
        self.trace = trace
        self.consignment_columns = consignment_columns or {}
        self.leg_accounting = leg_accounting
        self._samples: dict[int, RunResult] = {}
        if trace is None and (consignments is None or legs is None):
            raise TypeError("RunResult needs the consignment and leg tables or a trace")

    # ------------------------------------------------------------------ lazy tables
    def consignments_chunk(self, lo: int = 0, hi: int | None = None) -> pd.DataFrame:
        """Consignments ``lo <= id < hi`` as a table."""
        if self._consignments is not None:
            df = self._consignments
            if lo == 0 and (hi is None or hi >= len(df)):
                return df
            ids = df["consignment_id"].to_numpy()
            top = hi if hi is not None else (int(ids.max()) + 1 if len(ids) else 0)
            return df[(ids >= lo) & (ids < top)]
        assert self.trace is not None
        return consignments_table(self.trace.records, self.routes, self.trace.warmup_h, lo, hi,
                                  extra=self.consignment_columns)

    def legs_chunk(self, lo: int = 0, hi: int | None = None) -> pd.DataFrame:
        """Leg rows of consignments ``lo <= id < hi`` as a table (with accounting columns)."""
        if self._legs is not None:
            df = self._legs
            if lo == 0 and hi is None:
                return df
            ids = df["consignment_id"].to_numpy()
            top = hi if hi is not None else (int(ids.max()) + 1 if len(ids) else 0)
            if df["consignment_id"].is_monotonic_increasing:  # as built: by consignment
                a, b = np.searchsorted(ids, [lo, top])
                return df.iloc[int(a):int(b)]
            return df[(ids >= lo) & (ids < top)]  # a table set by the caller, any order
        assert self.trace is not None
        df = legs_table(self.trace.records, self.routes, lo, hi, attrs=self.trace.attrs)
        return self.leg_accounting(df) if self.leg_accounting is not None else df

    @property
    def consignments(self) -> pd.DataFrame:
        if self._consignments is None:
            self._consignments = self.consignments_chunk()
        return self._consignments

    @consignments.setter
    def consignments(self, df: pd.DataFrame) -> None:
        self._consignments = df

    @property
    def legs(self) -> pd.DataFrame:
        if self._legs is None:
            self._legs = self.legs_chunk()
        return self._legs

    @legs.setter
    def legs(self, df: pd.DataFrame) -> None:
        self._legs = df

    @property
    def n_consignments(self) -> int:
        if self.trace is not None:
            return self.trace.records.n
        return len(self.consignments)

    def chunks(self, max_rows: int = 1_000_000) -> list[tuple[int, int]]:
        """Consignment ranges ``[lo, hi)`` of about ``max_rows`` leg rows each.

        The split depends only on the records, never on whether a table was built, so the
        files written from the chunks are byte-identical either way.
        """
        if self.trace is None:
            return [(0, self.n_consignments)]
        return chunk_bounds(self.trace.records, max_rows)

    def iter_consignments(self, max_rows: int = 1_000_000) -> Iterator[pd.DataFrame]:
        for lo, hi in self.chunks(max_rows):
            yield self.consignments_chunk(lo, hi)

    def iter_legs(self, max_rows: int = 1_000_000) -> Iterator[pd.DataFrame]:
        for lo, hi in self.chunks(max_rows):
            yield self.legs_chunk(lo, hi)

    def sample(self, max_consignments: int = 500_000) -> RunResult:
        """This result, or for a larger run a view on a systematic sample of consignments:
        every k-th booking *of each route* (so every route and season is represented, even
        when bookings of several routes interleave), whose ``consignments`` and ``legs``
        tables hold only the sample. The report's distributions and bottleneck ranking use
        it, so that a 10-million-TEU year never builds its full tables; KPIs in ``summary``
        are always over every consignment. ``info["sample"]`` says what was sampled."""
        n = self.n_consignments
        if self.trace is None or n <= max_consignments:
            return self
        cached = self._samples.get(max_consignments)
        if cached is not None:
            return cached
        every = -(-n // max_consignments)  # ceil
        rec = self.trace.records
        order = np.argsort(rec.route, kind="stable")  # by route, booking order within
        bounds = np.searchsorted(rec.route[order], np.arange(len(rec.route_ids) + 1))
        ids = np.sort(np.concatenate([order[a:b:every] for a, b in pairwise(bounds)]))
        cons = consignments_table(rec, self.routes, self.trace.warmup_h, ids=ids,
                                  extra=self.consignment_columns)
        legs = legs_table(rec, self.routes, attrs=self.trace.attrs, ids=ids)
        if self.leg_accounting is not None:
            legs = self.leg_accounting(legs)
        info = {**self.info, "sample": {"consignments": len(ids), "of": n, "every": every}}
        view = self.replace(trace=None, consignments=cons, legs=legs, info=info)
        view._samples = {}
        self._samples[max_consignments] = view
        return view

    def replace(self, **changes: Any) -> RunResult:
        """A copy with some attributes replaced (tables are shared, not copied)."""
        new = copy.copy(self)
        for k, v in changes.items():
            if k in ("consignments", "legs"):
                k = f"_{k}"
            if not hasattr(new, k):
                raise TypeError(f"RunResult has no attribute {k!r}")
            setattr(new, k, v)
        return new


def scenario_hash(scn: Scenario) -> str:
    """SHA-256 of the scenario's canonical JSON (provenance excluded)."""
    data = scn.model_dump(mode="json", exclude={"provenance", "description"})
    blob = json.dumps(data, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(blob).hexdigest()


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


def check_invariants(res: RunResult) -> None:
    """Cheap end-of-run checks; a violation is a bug in corridorsim (:class:`InternalError`).

    TEU conserved (created = delivered + in system, per consignment and run.json),
    waiting + moving = transit for each delivered consignment, no stage ending before it
    starts (clock monotone), no facility busier than its servers and no vehicle loaded above
    its capacity. Works on the run's arrays, so no table is built.
    """
    info = res.info

    def bug(what: str) -> InternalError:
        return InternalError(
            f"internal error (a bug in corridorsim, not in your input): {what}. "
            f"Run of scenario {info.get('scenario', res.scenario.name)!r} with seed "
            f"{info.get('seed', res.scenario.seed)} (scenario_hash "
            f"{str(info.get('scenario_hash', '?'))[:12]}); please report it at the "
            "corridorsim issue tracker with the scenario file and this message"
        )

    if res.trace is not None:
        rec = res.trace.records
        _check_teu(info, rec.teu, ~np.isnan(rec.delivered_h), bug)
        _check_records(rec, bug)
        return _check_places(res, bug)
    c = res.consignments
    teu, delivered_h = c["teu"].to_numpy(float), c["delivered_h"].to_numpy(float)
    transit, moving = c["transit_h"].to_numpy(float), c["moving_h"].to_numpy(float)
    waiting = c[WAIT_COLUMNS].to_numpy(float).sum(axis=1)
    t_in, t_out = res.legs["start_h"].to_numpy(float), res.legs["end_h"].to_numpy(float)
    done = ~np.isnan(delivered_h)
    _check_teu(info, teu, done, bug)
    neg = done & (transit < -1e-9)
    if neg.any():
        raise bug(f"negative transit time (consignment {int(np.flatnonzero(neg)[0])})")
    off = done & ~np.isclose(moving + waiting, transit, rtol=1e-5, atol=1e-3)
    if off.any():
        raise bug(f"waiting + moving != transit for {int(off.sum())} consignment(s), "
                  f"e.g. consignment {int(np.flatnonzero(off)[0])}")
    if len(t_in) and (t_out < t_in - 1e-9).any():  # NaN (not entered / not left) compares False
        raise bug("clock not monotone: a stage ends before it starts")
    _check_places(res, bug)


def _check_teu(info: dict[str, Any], teu: np.ndarray, done: np.ndarray,
               bug: Callable[[str], InternalError]) -> None:
    created, delivered = float(teu.sum()), float(teu[done].sum())
    if not (np.isclose(info["teu_created"], info["teu_delivered"] + info["teu_in_system"])
            and np.isclose(created, info["teu_created"])
            and np.isclose(delivered, info["teu_delivered"])):
        raise bug(f"TEU not conserved: created {info['teu_created']:g} != delivered "
                  f"{info['teu_delivered']:g} + in system {info['teu_in_system']:g} "
                  f"(consignments: {created:g} created, {delivered:g} delivered)")


def _check_records(rec: Any, bug: Callable[[str], InternalError],
                   chunk_rows: int = 2_000_000) -> None:
    """Stage by stage: moving + waiting = time in the stage, each stage starts when the
    previous one ends, the first when booked and the last ends at delivery. Together these
    give waiting + moving = transit for every delivered consignment, without summing per
    consignment. One pass over the records in chunks."""
    done = ~np.isnan(rec.delivered_h)
    neg = done & (rec.delivered_h < rec.created_h - 1e-9)
    if neg.any():
        raise bug(f"negative transit time (consignment {int(np.flatnonzero(neg)[0])})")
    if rec.n == 0:
        return
    if not np.array_equal(rec.t_in[rec.off], rec.created_h):
        raise bug("a consignment's first stage does not start at its booking")
    for lo, hi in chunk_bounds(rec, chunk_rows):
        r0 = int(rec.off[lo])
        r1 = int(rec.off[hi]) if hi < rec.n else rec.n_rows
        t_in, t_out = rec.t_in[r0:r1], rec.t_out[r0:r1]
        spent = t_out - t_in  # NaN where not entered or not left: every comparison False
        if (spent < -1e-9).any():
            raise bug("clock not monotone: a stage ends before it starts")
        booked = rec.wait[:, r0:r1].sum(axis=0)  # float32, a few terms per stage
        booked += rec.moving[r0:r1]
        err = np.abs(spent - booked)
        off = err > 1e-3 + 1e-5 * np.abs(spent)
        if off.any():
            row = r0 + int(np.flatnonzero(off)[0])
            cid = int(np.searchsorted(rec.off, row, side="right") - 1)
            raise bug(f"waiting + moving != transit for {int(off.sum())} stage(s), e.g. "
                      f"consignment {cid} stage {row - int(rec.off[cid])}")
        idle = np.isnan(t_in)  # rows never entered carry no time
        if (booked[idle] != 0).any():
            raise bug("waiting or moving recorded on a stage that was never entered")
        # each entered stage starts when the previous stage of its consignment ends
        gap = t_in[1:] != t_out[:-1]
        gap &= ~np.isnan(t_in[1:])
        gap[rec.off[lo + 1:hi] - r0 - 1] = False  # row pairs across two consignments
        if gap.any():
            raise bug("a stage does not start when the previous one ends")
        last = rec.off[lo:hi] + rec.cur[lo:hi] - r0
        d = done[lo:hi]
        if (t_out[last[d]] != rec.delivered_h[lo:hi][d]).any():
            raise bug("a delivered consignment's last stage does not end at delivery")


def _check_places(res: RunResult, bug: Callable[[str], InternalError]) -> None:
    fac = res.facilities
    if len(fac) and "utilisation" in fac and (fac["utilisation"] > 1.0 + 1e-6).any():
        node = str(fac.loc[fac["utilisation"] > 1.0 + 1e-6, "node"].iloc[0])
        raise bug(f"facility {node} above capacity (utilisation > 1)")
    veh = res.vehicles
    if len(veh) and (veh["load_teu"] > veh["capacity_teu"] + 1e-6).any():
        svc = str(veh.loc[veh["load_teu"] > veh["capacity_teu"] + 1e-6, "service"].iloc[0])
        raise bug(f"vehicle of {svc} loaded above its capacity")


def _stages_per_demand_row(scn: Scenario, routes: Mapping[str, RouteInstance]) -> list[int]:
    """Record rows per consignment of each demand row: the most stages of any route of its
    origin–destination (what :class:`~corridorsim.sim.records.RunRecords` allocates)."""
    out = []
    for row in scn.demand:
        stages = [len(r.route.stages) for r in routes.values()
                  if r.origin == row.origin and r.destination == row.destination]
        out.append(max(stages, default=4))
    return out


def _run_side_by_side(tasks: Mapping[str, Callable[[], Any]]
                      ) -> tuple[dict[str, Any], dict[str, float]]:
    """Run independent tasks in threads (as many as cores, at most one per task); return
    their results and the seconds each took. The first exception is raised as is."""
    def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
        t = time.perf_counter()
        out = fn()
        return out, round(time.perf_counter() - t, 3)

    workers = max(1, min(len(tasks), os.cpu_count() or 1))
    if workers == 1:
        pairs = {k: timed(fn) for k, fn in tasks.items()}
    else:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="corridorsim") as pool:
            futures = {k: pool.submit(timed, fn) for k, fn in tasks.items()}
            pairs = {k: f.result() for k, f in futures.items()}
    return {k: v[0] for k, v in pairs.items()}, {k: v[1] for k, v in pairs.items()}


class _Stopwatch:
    """Wall-clock seconds of the steps of a run (``run.json: timings_s``)."""

    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._t = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = round(now - self._t, 3)
        self._t = now


def run_scenario(
    scn: Scenario,
    *,
    network: Network | None = None,
    families: Mapping[str, RouteFamily] | None = None,
    progress: Callable[[float], None] | None = None,
) -> RunResult:
    """Simulate ``scn`` and return its tables and KPIs (nothing is written to disk).

    The KPIs, accounting, saturation and invariant checks work on the engine's arrays;
    the consignment and leg tables are built only when asked for (``res.consignments``,
    ``res.legs``) or written chunk by chunk (:func:`corridorsim.outputs.write_run`).

    Parameters
    ----------
    scn
        A validated scenario.
    network
        The corridor network; the shipped geodata when omitted.
    families
        Route families by id; the shipped families when omitted.
    progress
        Called with the share of the horizon simulated (0..1).
    """
    t0 = time.perf_counter()
    clock = _Stopwatch()
    net = network if network is not None else load_network()
    # the scenario's own places and links, and places written as names
    net = scenario_network(scn, net)
    scn = canonical_places(scn, net, families=families)
    routes = resolve_instances(scn, net, families)
    streams = Streams(scn.seed)
    # refuse runaway demand before allocating (docs/limits.md)
    check_limits(scn, stages=_stages_per_demand_row(scn, routes))
    choice: list[Any] = []
    eng, rec, refused = build_engine(scn, net, routes, streams, choice_out=choice)
    clock.lap("build")
    eng.on_progress = progress
    eng.run()
    clock.lap("simulate")
    warmup_h = scn.warmup_d * 24.0
    trace = SimTrace(eng, rec, routes, warmup_h)
    names = {str(k): str(v) for k, v in net.nodes["name"].items()}
    fac = facilities_table(eng, names)
    veh = vehicles_table(eng)
    families = [f for f in scn.routes if any(r.family == f for r in routes.values())]
    # summary rows: route instances by family (the scenario's order), then by O-D pair
    # (first seen in the demand)
    order = instance_order(families, scn.demand, routes)
    labels = [(routes[k].family, routes[k].origin, routes[k].destination) for k in order]
    row_of_key = np.array([order.index(k) if k in order else -1 for k in rec.route_ids],
                          dtype=np.int64)
    inst_row = row_of_key[rec.route] if rec.n else np.zeros(0, np.int64)
    delivered = ~np.isnan(rec.delivered_h)
    in_stats = rec.created_h >= warmup_h
    counted = in_stats & delivered
    info = {
        "scenario": scn.name,
        "scenario_hash": scenario_hash(scn),
        "seed": scn.seed,
        "horizon_d": scn.horizon_d,
        "warmup_d": scn.warmup_d,
        "start_date": scn.start_date,
        "routes": families,
        "consignments": int(rec.n),
        "teu_created": float(rec.teu.sum()),
        "teu_delivered": float(rec.teu[delivered].sum()),
        "teu_in_system": float(rec.teu[~delivered].sum()),
        "teu_refused": refused,
        "warnings": run_warnings(scn, net, routes),
        "vehicle_trips": len(veh),
        "versions": {
            "corridorsim": __version__,
            "python": platform.python_version(),
            "numpy": np.__version__,
            "pandas": pd.__version__,
        },
        "network": net.source + (f" + {net.added}" if net.added else ""),
    }
    res = RunResult(scn, net, routes, pd.DataFrame(labels, columns=INSTANCE_COLUMNS), None,
                    None, fac, veh, info, trace=trace)

    # The analyses below only read the records and are independent, so they run side by
    # side (numpy releases the GIL in its loops); each is deterministic on its own, so the
    # results do not depend on the number of threads.
    def kpis() -> pd.DataFrame:
        return route_summary_arrays(
            inst_row, labels,
            {"teu": rec.teu, "due_h": rec.due_h, "delivered": delivered, "in_stats": in_stats,
             "transit_h": rec.delivered_h - rec.created_h},
            time_sums=route_time_sums(rec, np.where(counted, inst_row, -1), len(labels)))

    tasks: dict[str, Callable[[], Any]] = {
        "accounting": lambda: account_records(scn, routes, trace, counted=counted),
        "saturation": lambda: place_queues(res),
        "kpis": kpis,
        "checks": lambda: check_invariants(res),
    }
    done, seconds = _run_side_by_side(tasks)
    clock.lap("analysis")
    clock.laps.update({f"{k} (thread)": v for k, v in seconds.items()})
    acc = done["accounting"]
    summary = done["kpis"].merge(acc.summary, on=INSTANCE_COLUMNS, how="left").round(6)
    tables = dict(acc.tables)
    if choice:
        tables["route_shares.csv"] = choice[0].table(rec, rec.route_ids, routes)
        info["choice_over_capacity_teu"] = round(choice[0].over_cap_teu, 3)
    res.summary, res.extra_tables, res.footprints = summary, tables, acc.footprints
    res.consignment_columns, res.leg_accounting = acc.per_consignment, acc.extend_legs
    add_saturation(res, done["saturation"])  # saturated places and backlog into info, summary
    clock.lap("finish")
    info["wall_s"] = round(time.perf_counter() - t0, 3)
    info["timings_s"] = clock.laps
    return res
