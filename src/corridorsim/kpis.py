"""Per-route key performance indicators (the rows of ``summary.csv``)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from corridorsim.results import WAIT_COLUMNS

__all__ = ["SUMMARY_COLUMNS", "route_summary"]

SUMMARY_COLUMNS = [
    "route", "consignments", "teu_created", "teu_delivered", "teu_in_system",
    "transit_days_mean", "transit_days_p10", "transit_days_p50", "transit_days_p90",
    "transit_days_p95", "on_time_share",
]


def route_summary(consignments: pd.DataFrame, routes: list[str]) -> pd.DataFrame:
    """One row per route: transit-time distribution, reliability and waiting by cause.

    Transit statistics use consignments booked after the warm-up and delivered within the
    horizon; TEU counts use every booking.
    """
    rows = []
    for route in routes:
        c = consignments[consignments["route"] == route]
        stats = c[c["in_stats"] & c["delivered"]]
        days = stats["transit_h"].to_numpy() / 24.0
        row: dict[str, object] = {
            "route": route,
            "consignments": len(stats),
            "teu_created": float(c["teu"].sum()),
            "teu_delivered": float(c.loc[c["delivered"], "teu"].sum()),
            "teu_in_system": float(c.loc[~c["delivered"], "teu"].sum()),
        }
        if len(days):
            p10, p50, p90, p95 = np.percentile(days, [10, 50, 90, 95])
            row.update(transit_days_mean=float(days.mean()), transit_days_p10=float(p10),
                       transit_days_p50=float(p50), transit_days_p90=float(p90),
                       transit_days_p95=float(p95),
                       on_time_share=float(stats["on_time"].mean()))
            row["moving_days_mean"] = float(stats["moving_h"].mean() / 24.0)
            for col in WAIT_COLUMNS:
                row[col.removesuffix("_h") + "_days_mean"] = float(stats[col].mean() / 24.0)
        else:
            row.update(dict.fromkeys(SUMMARY_COLUMNS[5:], np.nan))
        # consignments booked after warm-up but still in transit at the horizon
        row["backlog_teu"] = float(c.loc[c["in_stats"] & ~c["delivered"], "teu"].sum())
        rows.append(row)
    df = pd.DataFrame(rows)
    return df.round(6)
