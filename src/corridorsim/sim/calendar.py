"""Closure calendars: time windows in which an element is closed or scaled."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import TYPE_CHECKING

import numpy as np

from corridorsim.sim.streams import Streams, sample

if TYPE_CHECKING:
    from corridorsim.closures import Closures, Window
    from corridorsim.routing import Leg
    from corridorsim.scenario.model import Scenario
    from corridorsim.scenario.params import Distribution
    from corridorsim.scenario.weather import StormConfig


@dataclass
class Calendar:
    """Sorted windows ``(start_h, end_h, cause, capacity_factor, speed_factor)``."""

    windows: list[tuple[float, float, str, float, float]] = field(default_factory=list)

    def add(self, start_h: float, end_h: float, cause: str, capacity: float = 0.0,
            speed: float = 1.0) -> None:
        self.windows.append((start_h, end_h, cause, capacity, speed))
        self.windows.sort()

    def blocked(self, t: float) -> tuple[float, str] | None:
        """If closed at ``t``: (time it reopens, cause); windows that chain are followed."""
        reopen, cause, hit = t, "", False
        changed = True
        while changed:
            changed = False
            for start, end, c, cap, _ in self.windows:
                if cap == 0.0 and start <= reopen < end:
                    reopen, changed, hit = end, True, True
                    cause = cause or c
        return (reopen, cause) if hit else None

    def closed_between(self, lo: float, hi: float) -> list[tuple[float, float, str]]:
        """The hours in ``[lo, hi)`` when closed, as disjoint ``(start, end, cause)`` pieces
        in time order; where a disruption and a storm overlap, the disruption's."""
        hits = [(max(a, lo), min(b, hi), c) for a, b, c, cap, _ in self.windows
                if cap == 0.0 and a < hi and b > lo]
        if not hits:
            return []
        cuts = sorted({t for a, b, _ in hits for t in (a, b)})
        out: list[tuple[float, float, str]] = []
        for a, b in pairwise(cuts):
            causes = {c for x, y, c in hits if x <= a and y >= b}
            if not causes:
                continue
            cause = _main_cause(causes)
            if out and out[-1][1] == a and out[-1][2] == cause:
                out[-1] = (out[-1][0], b, cause)
            else:
                out.append((a, b, cause))
        return out

    def factors(self, t: float) -> tuple[float, float]:
        """Product of capacity and speed factors of open windows active at ``t``."""
        cap, spd = 1.0, 1.0
        for start, end, _, c, s in self.windows:
            if start <= t < end:
                if c > 0:
                    cap *= c
                spd *= s
        return cap, spd

    def slowed_by(self, t: float) -> str | None:
        """The cause of the open windows that scale capacity down at ``t`` (a disruption
        before the weather, as in :meth:`closed_between`); ``None`` when none does."""
        causes = {c for start, end, c, cap, _ in self.windows
                  if start <= t < end and 0.0 < cap < 1.0}
        return _main_cause(causes) if causes else None

    def merged(self, other: Calendar) -> Calendar:
        return Calendar(sorted(self.windows + other.windows))


def _main_cause(causes: set[str]) -> str:
    """Of windows overlapping in time, the cause their hours are filed under: a disruption
    before the weather."""
    return "disruption" if "disruption" in causes else min(causes)


def spell_windows(onsets_per_day: Sequence[float], duration: Distribution, scn: Scenario,
                  rng: np.random.Generator) -> list[tuple[float, float]]:
    """Weather spells over the horizon: a Poisson number of onsets a day at the rate of the
    day's month (Jan..Dec), each at a uniform hour, lasting a draw of ``duration``."""
    start = dt.date.fromisoformat(scn.start_date)
    out: list[tuple[float, float]] = []
    for d in range(int(np.ceil(scn.horizon_d))):
        lam = onsets_per_day[(start + dt.timedelta(days=d)).month - 1]
        for _ in range(int(rng.poisson(lam))):
            t0 = (d + float(rng.random())) * 24.0
            out.append((t0, t0 + float(sample(duration, rng))))
    return out


def storm_windows(cfg: StormConfig, scn: Scenario, rng: np.random.Generator
                  ) -> list[tuple[float, float]]:
    """Storms on one sea over the horizon: a Poisson number a day at the month's rate."""
    return spell_windows(cfg.onsets_per_day(), cfg.duration, scn, rng)


def storm_calendars(scn: Scenario, streams: Streams) -> dict[str, Calendar]:
    """Weather closures by sea area (an area without a storm model: none)."""
    out: dict[str, Calendar] = {}
    for area, cfg in (("caspian", scn.weather.caspian), ("black_sea", scn.weather.black_sea)):
        cal = Calendar()
        if cfg is not None:
            for t0, t1 in storm_windows(cfg, scn, streams.get(f"weather:{area}")):
                cal.add(t0, t1, "weather")
        out[area] = cal
    return out


def place_calendars(scn: Scenario, streams: Streams) -> dict[str, Calendar]:
    """Weather at single places by node id (``weather.places``): closures, or capacity
    factors, of their own, beside the storms of their sea."""
    out: dict[str, Calendar] = {}
    for node, cfg in sorted(scn.weather.places.items()):
        rates = cfg.onsets_per_day(scn.weather.sea(cfg.sea))
        cal = Calendar()
        for t0, t1 in spell_windows(rates, cfg.duration, scn, streams.get(f"weather:{node}")):
            cal.add(t0, t1, "weather", cfg.capacity_factor)
        out[node] = cal
    return out


def _add(cal: Calendar, windows: list[Window]) -> Calendar:
    for w in windows:
        cal.add(w.start_h, w.end_h, "disruption", w.capacity_factor, w.speed_factor)
    return cal


def leg_calendar(leg: Leg, storms: dict[str, Calendar], closures: Closures,
                 places: dict[str, Calendar] | None = None) -> Calendar:
    """A leg's service: storms on its sea and, at sea, the weather of the ports at its ends
    (no ship sails to or from a port closed by weather), and the disruptions of its links,
    chokepoints and sea area."""
    cal = Calendar()
    if leg.sea_area:
        cal = cal.merged(storms.get(leg.sea_area, Calendar()))
        for node in (leg.from_node, leg.to_node):
            cal = cal.merged((places or {}).get(node, Calendar()))
    return _add(cal, closures.on_leg(leg))


def node_calendar(node: str, closures: Closures,
                  places: dict[str, Calendar] | None = None) -> Calendar:
    """A node's facilities: the weather at the node, and its disruptions."""
    return _add(Calendar(list((places or {}).get(node, Calendar()).windows)),
                closures.on_node(node))
