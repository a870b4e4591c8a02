"""Read one simulated quantity from a run: one small function per kind of observation.

Every function takes the :class:`~corridorsim.run.RunResult`, the observation's ``subject``
and ``statistic`` and returns the simulated value in the measure's base unit (hours for
durations; :func:`to_unit` converts). Statistics cover what the run's statistics cover:
consignments booked after the warm-up (and delivered, where a time span is measured);
vehicles and facility passages after the warm-up.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from corridorsim.units import HOURS_PER_YEAR, WEEK_H

if TYPE_CHECKING:
    from corridorsim.result import RunResult

__all__ = ["MEASURES", "measure", "to_unit"]


def _stat(values: pd.Series | np.ndarray, statistic: str) -> float:
    v = pd.Series(values, dtype=float).dropna()
    if v.empty:
        return math.nan
    if statistic == "mean":
        return float(v.mean())
    if statistic == "median":
        return float(v.median())
    if statistic == "max":
        return float(v.max())
    if statistic.startswith("p") and statistic[1:].isdigit():
        return float(v.quantile(int(statistic[1:]) / 100))
    raise ValueError(f"unknown statistic {statistic!r}")


def _window(res: RunResult) -> tuple[float, float]:
    return float(res.scenario.warmup_d) * 24.0, float(res.scenario.horizon_d) * 24.0


def _stats_ids(res: RunResult, delivered: bool = True) -> pd.Series:
    c = res.consignments
    mask = c["in_stats"] & c["delivered"] if delivered else c["in_stats"]
    return c.loc[mask, "consignment_id"]


def _passages(res: RunResult, node: str) -> pd.DataFrame:
    """Stops at ``node`` after the warm-up, one row per vehicle passage (batch)."""
    legs = res.legs
    t0, _ = _window(res)
    s = legs[(legs["stage_kind"] == "stop") & (legs["node_from"] == node)
             & legs["end_h"].notna() & (legs["start_h"] >= t0)]
    return s


def crossing_time(res: RunResult, subject: str, statistic: str) -> float:
    """Queue + processing + dwell at border stops, per vehicle passage (hours).

    ``subject``: nodes separated by ``;``; ``NODE+exit`` adds the border time spent at the
    exit post on the incoming leg (e.g. Khorgos CN before Altynkol).
    """
    parts = []
    legs = res.legs
    for item in subject.split(";"):
        node, _, flag = item.strip().partition("+")
        s = _passages(res, node)
        t = (s["end_h"] - s["start_h"]).to_numpy()
        if flag == "exit":
            inc = legs[(legs["stage_kind"] == "leg") & (legs["node_to"] == node)]
            border = inc.set_index(["consignment_id", "stage_index"])["wait_border_h"]
            key = list(zip(s["consignment_id"], s["stage_index"] - 1, strict=True))
            t = t + border.reindex(key).fillna(0.0).to_numpy()
        frame = pd.DataFrame({"start": s["start_h"].to_numpy(), "end": s["end_h"].to_numpy(),
                              "t": t})
        # one value per vehicle passage: consignments of one train share start and end
        parts.append(frame.groupby(["start", "end"])["t"].first())
    if not parts:
        return math.nan
    return _stat(pd.concat(parts), statistic)


def processing_time(res: RunResult, subject: str, statistic: str) -> float:
    """Time at a stop less the wait for a server, per vehicle passage (hours).

    Under the ``processing`` condition (customs dwell off) this is the processing time.
    """
    s = _passages(res, subject)
    frame = pd.DataFrame({"start": s["start_h"].to_numpy(), "end": s["end_h"].to_numpy(),
                          "t": (s["end_h"] - s["start_h"] - s["wait_queue_h"]).to_numpy()})
    return _stat(frame.groupby(["start", "end"])["t"].first(), statistic)


def trains_per_day(res: RunResult, subject: str, statistic: str) -> float:
    """Vehicles a facility can process per day: servers x 24 h / mean processing time."""
    f = res.facilities
    row = f[f["node"] == subject]
    if row.empty:
        return math.nan
    r = row.iloc[0]
    busy_h = float(r["utilisation"]) * int(r["servers"]) * float(res.scenario.horizon_d) * 24.0
    if r["vehicles"] <= 0 or busy_h <= 0:
        return math.nan
    mean_service = busy_h / float(r["vehicles"])
    return int(r["servers"]) * 24.0 / mean_service


def _service_legs(res: RunResult, subject: str) -> pd.DataFrame:
    route, _, service = subject.rpartition(":")
    legs = res.legs
    sel = (legs["stage_kind"] == "leg") & legs["service"].astype(str).str.startswith(service)
    if route:
        sel &= legs["route"] == route
    sel &= legs["end_h"].notna() & legs["consignment_id"].isin(_stats_ids(res, delivered=False))
    return legs[sel]


def sailing_time(res: RunResult, subject: str, statistic: str) -> float:
    """Moving time of the legs of a service (``[route:]service``), hours, per consignment."""
    return _stat(_service_legs(res, subject)["moving_h"], statistic)


def rail_speed(res: RunResult, subject: str, statistic: str, min_km: float = 500.0) -> float:
    """km per moving hour on legs of ``subject`` (a service kind) longer than ``min_km``."""
    legs = _service_legs(res, subject)
    legs = legs[(legs["km"] >= min_km) & (legs["moving_h"] > 0)]
    return _stat(legs["km"] / legs["moving_h"], statistic)


def _vehicles(res: RunResult, service: str) -> pd.DataFrame:
    """Departures after the warm-up of services starting with ``service`` (``;``-separated)."""
    v = res.vehicles
    t0, t1 = _window(res)
    prefixes = tuple(p.strip() for p in service.split(";") if p.strip())
    return v[v["service"].astype(str).str.startswith(prefixes) & (v["depart_h"] >= t0)
             & (v["depart_h"] < t1)]


def vehicle_capacity(res: RunResult, subject: str, statistic: str) -> float:
    """Capacity (TEU) of the vehicles of a service that departed after the warm-up."""
    return _stat(_vehicles(res, subject)["capacity_teu"], statistic)


def vehicle_load(res: RunResult, subject: str, statistic: str) -> float:
    """Load (TEU) of the vehicles of a service (or ``;``-separated services) after the warm-up."""
    return _stat(_vehicles(res, subject)["load_teu"], statistic)


def service_time(res: RunResult, subject: str, statistic: str) -> float:
    """Mean server busy time per vehicle at a facility (hours): the handling of one vehicle."""
    row = res.facilities[res.facilities["node"] == subject]
    if row.empty or float(row.iloc[0]["vehicles"]) <= 0:
        return math.nan
    r = row.iloc[0]
    busy_h = float(r["utilisation"]) * int(r["servers"]) * float(res.scenario.horizon_d) * 24.0
    return busy_h / float(r["vehicles"])


def handling_rate(res: RunResult, subject: str, statistic: str) -> float:
    """TEU handled per server busy hour at a facility (TEU/h; ``wagons/day`` converts)."""
    row = res.facilities[res.facilities["node"] == subject]
    if row.empty:
        return math.nan
    r = row.iloc[0]
    busy_h = float(r["utilisation"]) * int(r["servers"]) * float(res.scenario.horizon_d) * 24.0
    return float(r["teu"]) / busy_h if busy_h > 0 else math.nan


def fleet_throughput(res: RunResult, subject: str, statistic: str) -> float:
    """TEU carried per year by a service's departures after the warm-up."""
    t0, t1 = _window(res)
    return float(_vehicles(res, subject)["load_teu"].sum()) / ((t1 - t0) / 24.0) * 365.0


def departures_per_week(res: RunResult, subject: str, statistic: str) -> float:
    """Departures per week of a service after the warm-up."""
    t0, t1 = _window(res)
    return len(_vehicles(res, subject)) / ((t1 - t0) / WEEK_H)


def _quarter_window(res: RunResult, quarter: int) -> tuple[float, float, float]:
    """Run hours of calendar quarter ``quarter`` of the start year, clipped to the
    statistics window, and the quarter's full length in hours."""
    start = pd.Timestamp(res.scenario.start_date)
    q0 = pd.Timestamp(year=start.year, month=3 * quarter - 2, day=1)
    q1 = q0 + pd.DateOffset(months=3)
    a, b = ((q - start) / pd.Timedelta(hours=1) for q in (q0, q1))
    t0, t1 = _window(res)
    return max(a, t0), min(b, t1), b - a


def node_throughput(res: RunResult, subject: str, statistic: str) -> float:
    """TEU passing a stop (arrivals after the warm-up) per year (``annual``) or per calendar
    quarter (``q1``..``q4``: the part of the quarter inside the run, scaled to the quarter)."""
    t0, t1 = _window(res)
    scale = HOURS_PER_YEAR
    if len(statistic) == 2 and statistic[0] == "q" and statistic[1] in "1234":
        t0, t1, scale = _quarter_window(res, int(statistic[1]))
        if t1 <= t0:
            return math.nan
    legs = res.legs
    s = legs[(legs["stage_kind"] == "stop") & (legs["node_from"] == subject)
             & (legs["start_h"] >= t0) & (legs["start_h"] < t1)]
    return float(s["teu"].sum()) / (t1 - t0) * scale


def span(res: RunResult, subject: str, statistic: str) -> float:
    """Hours from arriving at stop A to arriving at stop B (``route:A>B``), per consignment."""
    route, _, pair = subject.partition(":")
    a_node, _, b_node = pair.partition(">")
    legs = res.legs
    legs = legs[(legs["route"] == route) & legs["consignment_id"].isin(_stats_ids(res))
                & (legs["stage_kind"] == "stop")]
    a = legs[legs["node_from"] == a_node].groupby("consignment_id")["start_h"].first()
    b = legs[legs["node_from"] == b_node].groupby("consignment_id")["start_h"].first()
    return _stat((b - a).dropna(), statistic)


def transit_from_departure(res: RunResult, subject: str, statistic: str) -> float:
    """Door-to-door hours less the wait for the first departure (consolidation), per consignment."""
    c = res.consignments
    ok = c[(c["route"] == subject) & c["in_stats"] & c["delivered"]].set_index("consignment_id")
    legs = res.legs
    first = legs[(legs["route"] == subject) & (legs["stage_index"] == 1)]
    first = first.set_index("consignment_id")
    wait = first["wait_consolidation_h"] + first["wait_schedule_h"]
    return _stat((ok["transit_h"] - wait).dropna(), statistic)


MEASURES: dict[str, Callable[[RunResult, str, str], float]] = {
    f.__name__: f for f in (crossing_time, processing_time, trains_per_day, sailing_time, rail_speed,
                            vehicle_capacity, vehicle_load, service_time, handling_rate, fleet_throughput,
                            departures_per_week,
                            node_throughput, span, transit_from_departure)
}
# measures whose base unit is hours
DURATIONS = frozenset({"crossing_time", "processing_time", "service_time", "sailing_time", "span",
                       "transit_from_departure"})


def to_unit(value: float, measure_name: str, unit: str) -> float:
    """Convert a measure's base value to the observation's unit (hours to days; a TEU/h
    handling rate to wagons/day at the model's TEU per wagon)."""
    if measure_name in DURATIONS and unit == "d":
        return value / 24.0
    if measure_name == "handling_rate" and unit == "wagons/day":
        from corridorsim.scenario.defaults import TEU_PER_WAGON

        return value * 24.0 / TEU_PER_WAGON
    return value


def measure(res: RunResult, measure_name: str, subject: str, statistic: str, unit: str) -> float:
    """The simulated value of one observation, in the observation's unit."""
    return to_unit(MEASURES[measure_name](res, subject, statistic), measure_name, unit)
