"""Per-route key performance indicators (the rows of ``summary.csv``).

A row is a *route instance*: one route family between one origin and one destination
(``route``, ``origin``, ``destination``). A scenario whose demand has a single
origin–destination pair has one row per route family.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import pandas as pd

from corridorsim.analysis.tables import WAIT_COLUMNS

if TYPE_CHECKING:
    from corridorsim.routing.instances import RouteInstance
    from corridorsim.scenario.model import DemandRow

__all__ = ["INSTANCE_COLUMNS", "SUMMARY_COLUMNS", "instance_order", "route_summary_arrays"]

#: the columns that name a route instance, first in every per-route table
INSTANCE_COLUMNS = ["route", "origin", "destination"]

SUMMARY_COLUMNS = [
    *INSTANCE_COLUMNS, "consignments", "teu_created", "teu_delivered", "teu_in_system",
    "transit_days_mean", "transit_days_p10", "transit_days_p50", "transit_days_p90",
    "transit_days_p95", "on_time_share",
]
_TRANSIT_COLUMNS = SUMMARY_COLUMNS[SUMMARY_COLUMNS.index("transit_days_mean"):]

#: a summary row's label: (family, origin, destination)
RouteLabel = tuple[str, str, str]


def instance_order(families: Sequence[str], demand: Iterable[DemandRow],
                   routes: Mapping[str, RouteInstance]) -> list[str]:
    """Keys of ``routes`` (route instances) in summary order: by route family in the order
    of ``families`` (the scenario's routes), then by origin–destination pair in the order
    the pairs first appear in ``demand``. Instances of families not in ``families`` are
    left out."""
    by_pair = {(inst.family, inst.origin, inst.destination): key for key, inst in routes.items()}
    pairs = list(dict.fromkeys([(row.origin, row.destination) for row in demand]
                               + [(inst.origin, inst.destination) for inst in routes.values()]))
    return [by_pair[(f, o, d)] for f in families for o, d in pairs if (f, o, d) in by_pair]


def route_summary_arrays(route_code: npt.NDArray[np.integer], routes: Sequence[RouteLabel],
                         cols: Mapping[str, npt.NDArray[np.generic]], *,
                         time_sums: npt.NDArray[np.float64]) -> pd.DataFrame:
    """One row per route instance: transit-time distribution, reliability and waiting by
    cause.

    ``route_code[i]`` indexes ``routes`` (``(family, origin, destination)``; -1: none).
    ``cols`` holds ``teu, transit_h, due_h, delivered, in_stats`` per consignment;
    ``time_sums`` the moving and waiting hours by cause summed per route over the
    consignments the statistics use (``(1 + len(WAIT_COLUMNS), len(routes))``, see
    :func:`corridorsim.analysis.tables.route_time_sums`). Transit statistics use consignments
    booked after the warm-up (``in_stats``) and delivered within the horizon; TEU counts
    use every booking. One stable sort by route, then slices: linear in the number of
    consignments.
    """
    small = np.int8 if len(routes) < 127 else np.int32  # int8 sorts by radix
    codes = route_code.astype(small)
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(routes) + 1), side="left")
    rows = []
    for i, route in enumerate(routes):
        sel = order[bounds[i]:bounds[i + 1]]
        teu = cols["teu"][sel]
        delivered = cols["delivered"][sel].astype(bool)
        in_stats = cols["in_stats"][sel].astype(bool)
        stats = sel[in_stats & delivered]
        days = cols["transit_h"][stats] / 24.0
        row: dict[str, object] = dict(zip(INSTANCE_COLUMNS, route, strict=True))
        row.update({
            "consignments": len(stats),
            "teu_created": float(teu.sum()),
            "teu_delivered": float(teu[delivered].sum()),
            "teu_in_system": float(teu[~delivered].sum()),
        })
        if len(days):
            p10, p50, p90, p95 = np.percentile(days, [10, 50, 90, 95])
            on_time = cols["transit_h"][stats] <= cols["due_h"][stats]
            row.update(transit_days_mean=float(days.mean()), transit_days_p10=float(p10),
                       transit_days_p50=float(p50), transit_days_p90=float(p90),
                       transit_days_p95=float(p95), on_time_share=float(on_time.mean()))
            for j, col in enumerate(["moving_h", *WAIT_COLUMNS]):
                row[col.removesuffix("_h") + "_days_mean"] = (
                    float(time_sums[j, i]) / len(stats) / 24.0)
        else:
            row.update(dict.fromkeys(_TRANSIT_COLUMNS, np.nan))
        # consignments booked after warm-up but still in transit at the horizon
        row["backlog_teu"] = float(teu[in_stats & ~delivered].sum())
        rows.append(row)
    df = pd.DataFrame(rows)
    return df.round(6)
