"""What a run produced: :class:`RunResult`, built once, complete, and never changed."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import pairwise
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import pandas as pd
import pyarrow as pa

from corridorsim.analysis.tables import (
    Coded,
    Columns,
    SimTrace,
    chunk_bounds,
    columns_arrow,
    columns_frame,
    consignment_columns,
    leg_columns,
)

if TYPE_CHECKING:
    from corridorsim.closures import Closures
    from corridorsim.network import Network
    from corridorsim.routing.instances import RouteInstance
    from corridorsim.scenario.model import Scenario

__all__ = ["RunResult"]


class LegAccounting(Protocol):
    """Prices leg rows given as arrays (``corridorsim.accounting.pipeline.RecordAccounting``)."""

    def leg_columns(self, route: np.ndarray, stage: np.ndarray, teu: np.ndarray,
                    start_h: np.ndarray, end_h: np.ndarray, consignment: np.ndarray,
                    reefer: np.ndarray | None = None) -> dict[str, np.ndarray]: ...


def _array(col: np.ndarray | Coded) -> np.ndarray:
    assert not isinstance(col, Coded)
    return col


#: most consignments of one route instance the report's distributions read (a larger route
#: is sampled systematically: :meth:`RunResult.sample`)
SAMPLE_PER_ROUTE = 5_000


@dataclass(frozen=True, eq=False)
class RunResult:
    """Everything a run produced. Tables are pandas DataFrames; times are hours.

    Attributes
    ----------
    scenario : the scenario as run (places written as node ids)
    network : the network it ran on (with the scenario's own places)
    routes : the run's routes by key (``family:ORIGIN-DESTINATION``)
    closures : what its disruptions close (:class:`~corridorsim.closures.Closures`)
    summary : one row per route: family, origin and destination (see
        ``corridorsim.analysis.kpis.SUMMARY_COLUMNS``)
    facilities : one row per facility (utilisation, queues, waits)
    vehicles : one row per vehicle trip
    info : the content of ``run.json``
    extra_tables : further tables by file name (emissions by country, route shares, …)
    footprints : per-shipment footprints (``footprints.json``)
    trace : the engine's records and indices (:class:`~corridorsim.analysis.tables.SimTrace`), from
        which the consignment and leg tables are built when first asked for
    consignment_columns : per-consignment arrays (emissions, cost) added to the
        consignments table
    leg_accounting : the accounting columns of leg rows (:class:`LegAccounting`)
    given_consignments, given_legs : tables given in place of those built from the trace
        (a sample of a large run, see :meth:`sample`)

    The consignment and leg tables of a large run (millions of consignments, tens of
    millions of legs) are never needed whole: :func:`corridorsim.outputs.write_run` writes
    them chunk by chunk as Arrow tables (:meth:`arrow_chunks`).
    """

    scenario: Scenario
    network: Network
    routes: Mapping[str, RouteInstance]
    closures: Closures
    summary: pd.DataFrame
    facilities: pd.DataFrame
    vehicles: pd.DataFrame
    info: Mapping[str, Any]
    extra_tables: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    footprints: Mapping[str, Any] = field(default_factory=dict)
    trace: SimTrace | None = None
    consignment_columns: Mapping[str, np.ndarray] = field(default_factory=dict)
    leg_accounting: LegAccounting | None = None
    given_consignments: pd.DataFrame | None = None
    given_legs: pd.DataFrame | None = None
    #: aggregates the analysis step already computed, by name (see :meth:`cached`)
    precomputed: Mapping[str, Any] = field(default_factory=dict)
    #: tables built from the trace, and samples, kept once built
    _built: dict[str, Any] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.trace is None and (self.given_consignments is None or self.given_legs is None):
            raise TypeError("RunResult needs the consignment and leg tables or a trace")

    # ------------------------------------------------------------------ tables
    def consignments_chunk(self, lo: int = 0, hi: int | None = None) -> pd.DataFrame:
        """Consignments ``lo <= id < hi`` as a table."""
        if self.given_consignments is not None:
            return _rows_of(self.given_consignments, lo, hi)
        return columns_frame(self._consignment_columns(lo, hi))

    def legs_chunk(self, lo: int = 0, hi: int | None = None) -> pd.DataFrame:
        """Leg rows of consignments ``lo <= id < hi`` as a table (with accounting columns)."""
        if self.given_legs is not None:
            return _rows_of(self.given_legs, lo, hi)
        return columns_frame(self._leg_columns(lo, hi))

    def _consignment_columns(self, lo: int = 0, hi: int | None = None, *,
                             ids: np.ndarray | None = None) -> Columns:
        assert self.trace is not None
        return consignment_columns(self.trace.records, self.routes, self.trace.warmup_h, lo, hi,
                                   extra=dict(self.consignment_columns), ids=ids)

    def _leg_columns(self, lo: int = 0, hi: int | None = None, *,
                     ids: np.ndarray | None = None) -> Columns:
        assert self.trace is not None
        cols = leg_columns(self.trace.records, self.routes, lo, hi, attrs=self.trace.attrs,
                           ids=ids)
        acc = self.leg_accounting
        if acc is not None:
            route = cols["route_key"]
            assert isinstance(route, Coded)
            cols.update(acc.leg_columns(
                route.codes.astype(np.int64), _array(cols["stage_index"]),
                _array(cols["teu"]), _array(cols["start_h"]), _array(cols["end_h"]),
                _array(cols["consignment_id"])))
        return cols

    def arrow_chunks(self, table: str, max_rows: int = 1_000_000) -> Iterator[pa.Table]:
        """``"consignments"`` or ``"legs"`` as Arrow tables, chunk by chunk (the Parquet
        writer's input): from the records without a pandas copy, text as dictionary arrays;
        a table given in place of the trace's converted as it is."""
        given = self.given_consignments if table == "consignments" else self.given_legs
        build = self._consignment_columns if table == "consignments" else self._leg_columns
        for lo, hi in self.chunks(max_rows):
            if given is not None:
                yield pa.Table.from_pandas(_rows_of(given, lo, hi), preserve_index=False)
            else:
                yield columns_arrow(build(lo, hi))

    @property
    def consignments(self) -> pd.DataFrame:
        out: pd.DataFrame = self._once("consignments", self.consignments_chunk)
        return out

    @property
    def legs(self) -> pd.DataFrame:
        out: pd.DataFrame = self._once("legs", self.legs_chunk)
        return out

    def _once(self, key: str, build: Callable[[], Any]) -> Any:
        """``build()`` kept under ``key`` (tables, samples, aggregates: built once)."""
        if key not in self._built:
            self._built[key] = build()
        return self._built[key]

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

    def cached(self, name: str, build: Callable[[], Any]) -> Any:
        """``build()``, computed once per result (an aggregate read by several pages), or
        the value the analysis step computed under ``name``."""
        return self._once(f"cached:{name}", lambda: self.precomputed[name]
                          if name in self.precomputed else build())

    # ------------------------------------------------------------------ views
    def sample(self, per_route: int | None = None) -> RunResult:
        """This result, or for a larger run a view on a systematic sample of consignments:
        of each route instance with more than ``per_route`` bookings, every k-th booking
        (k = ⌈bookings / per_route⌉, so every season is represented even when bookings of
        several routes interleave); smaller routes whole. Its ``consignments`` and ``legs``
        tables hold only the sample. The report's distributions use it, so that a
        10-million-TEU year never builds its full tables; KPIs in ``summary`` and the
        per-place figures (:mod:`corridorsim.analysis.stage_totals`) are always over every
        consignment. ``info["sample"]`` says what was sampled."""
        if self.trace is None:
            return self
        per_route = SAMPLE_PER_ROUTE if per_route is None else per_route
        view: RunResult = self._once(f"sample:{per_route}", lambda: self._sampled(per_route))
        return view

    def _sampled(self, per_route: int) -> RunResult:
        assert self.trace is not None
        rec = self.trace.records
        order, bounds = rec.by_route()  # by route, booking order within
        every = {rec.route_ids[r]: -(-int(b - a) // per_route)  # ceil
                 for r, (a, b) in enumerate(pairwise(bounds)) if b - a > per_route}
        if not every:
            return self
        ids = np.sort(np.concatenate(
            [order[a:b:every.get(rec.route_ids[r], 1)]
             for r, (a, b) in enumerate(pairwise(bounds))]))
        cons = columns_frame(self._consignment_columns(ids=ids))
        legs = columns_frame(self._leg_columns(ids=ids))
        info = {**self.info, "sample": {"consignments": len(ids), "of": self.n_consignments,
                                        "per_route": per_route, "every": every}}
        return self.replace(trace=None, consignments=cons, legs=legs, info=info)

    def replace(self, **changes: Any) -> RunResult:
        """A copy with some fields replaced (tables are shared, not copied);
        ``consignments=`` and ``legs=`` give tables in place of the trace's."""
        for name in ("consignments", "legs"):
            if name in changes:
                changes[f"given_{name}"] = changes.pop(name)
        fresh = dataclasses.replace(self, **changes)
        if {"trace", "given_consignments", "given_legs"} & set(changes):
            fresh = dataclasses.replace(fresh, precomputed={})  # they were the trace's
        if not {"trace", "consignment_columns", "leg_accounting"} & set(changes):
            # the same trace and accounting: the tables built from them still hold
            for name in ("consignments", "legs"):
                if name in self._built and f"given_{name}" not in changes:
                    fresh._built[name] = self._built[name]
        return fresh


def _rows_of(df: pd.DataFrame, lo: int, hi: int | None) -> pd.DataFrame:
    """The rows of consignments ``lo <= id < hi`` of a given table."""
    if lo == 0 and hi is None:
        return df
    ids = df["consignment_id"].to_numpy()
    top = hi if hi is not None else (int(ids.max()) + 1 if len(ids) else 0)
    if df["consignment_id"].is_monotonic_increasing:  # as built: by consignment
        a, b = np.searchsorted(ids, [lo, top])
        return df.iloc[int(a):int(b)]
    return df[(ids >= lo) & (ids < top)]  # a table set by the caller, any order
