"""``route_shares.csv``: what route choice decided, week by week."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from corridorsim.routing.instances import RouteInstance
    from corridorsim.sim.choice import ChoiceModel
    from corridorsim.sim.records import RunRecords

__all__ = ["route_shares_table"]


def route_shares_table(choice: ChoiceModel, rec: RunRecords,
                       routes: Mapping[str, RouteInstance]) -> pd.DataFrame:
    """``route_shares.csv``: week, route, origin, destination, segment, teu, share (of the
    pair's and segment's bookings that week) and what the choice saw for that route
    instance (generalized cost, expected transit and spread, observations)."""
    cols = ["week", "route", "segment", "teu", "share", "ri"]
    df = pd.DataFrame(choice.rows_teu, columns=cols)
    if df.empty:
        return df.drop(columns="ri")
    seg_pos = {s: i for i, s in enumerate(rec.segment_ids)}
    ex = {w: (g, m, s, c) for w, g, m, s, c in choice.expect_rows}
    gc, mt, sp, n = [], [], [], []
    for w, ri, s in zip(df["week"], df["ri"], df["segment"], strict=True):
        g, m, spr, c = ex[int(w)]
        gc.append(float(g[seg_pos[s], ri]))
        mt.append(float(m[ri]))
        sp.append(float(spr[ri]))
        n.append(int(c[ri]))
    keys = [rec.route_ids[int(ri)] for ri in df["ri"]]
    df.insert(2, "origin", [routes[k].origin for k in keys])
    df.insert(3, "destination", [routes[k].destination for k in keys])
    df["generalized_cost_usd_per_teu"] = np.round(gc, 3)
    df["expected_transit_d"] = np.round(mt, 4)
    df["expected_spread_d"] = np.round(sp, 4)
    df["observations"] = n
    df["share"] = df["share"].round(6)
    return df.drop(columns="ri")
