"""Seasonal weather at single places: Kuryk's November–December closures (T-C3) and Dostyk's
wind capacity loss (T-C12), sampled from the processes themselves (no simulation)."""

from __future__ import annotations

import datetime as dt
from functools import cache

import numpy as np
import pytest
from pydantic import ValidationError

from corridorsim.closures import Closures
from corridorsim.errors import ScenarioError
from corridorsim.network import Network, load_network
from corridorsim.routing import ROUTE_FAMILIES, Leg, resolve_route
from corridorsim.scenario.check import check_scenario
from corridorsim.scenario.load import scenario_from_dict
from corridorsim.scenario.model import Scenario
from corridorsim.scenario.weather import PlaceWeather, WeatherConfig, closed_share
from corridorsim.sim.calendar import (
    Calendar,
    leg_calendar,
    node_calendar,
    place_calendars,
    storm_calendars,
)
from corridorsim.sim.streams import Streams

#: ten November–December seasons, 2015 to 2024 (3,650 days: the longest horizon allowed)
DECADE_START = "2015-03-01"
T_C3_SHARE = 0.5


@cache
def _net() -> Network:
    return load_network()


def _scenario(**kw: object) -> Scenario:
    base: dict[str, object] = {
        "name": "weather", "start_date": DECADE_START, "horizon_d": 3650, "warmup_d": 1,
        "routes": ["middle_corridor_kuryk"],
        "demand": [{"route": "middle_corridor_kuryk", "teu_per_week": 1}]}
    base.update(kw)
    return scenario_from_dict(base)


def _ferry_calendar(scn: Scenario, seed: int) -> Calendar:
    """The calendar the engine gives the Kuryk–Alat rail ferry (sea storms + Kuryk's own)."""
    net = _net()
    route = resolve_route(net, "middle_corridor_kuryk")
    leg = next(s for s in route.stages if isinstance(s, Leg) and s.from_node == "KZ_KUR")
    streams = Streams(seed)
    return leg_calendar(leg, storm_calendars(scn, streams), Closures(scn, net, ROUTE_FAMILIES),
                        place_calendars(scn, streams))


def _seasonal_shares(cal: Calendar, months: tuple[int, int]) -> np.ndarray:
    """Closed share of the two months (``months``: first and last, same year) in each year."""
    day0 = dt.date.fromisoformat(DECADE_START)
    out = []
    for year in range(2015, 2025):
        lo = (dt.date(year, months[0], 1) - day0).days * 24.0
        end = dt.date(year + 1, 1, 1) if months[1] == 12 else dt.date(year, months[1] + 1, 1)
        hi = (end - day0).days * 24.0
        out.append(sum(b - a for a, b, _ in cal.closed_between(lo, hi)) / (hi - lo))
    return np.array(out)


def test_kuryk_is_closed_half_of_november_and_december() -> None:
    """T-C3: Kuryk closed by weather ~50 % of the time in Nov–Dec. Over a simulated decade the
    mean seasonal share is within three standard errors (from the spread between years) of
    0.5, and the standard error is small enough for that to be a test."""
    shares = _seasonal_shares(_ferry_calendar(_scenario(), seed=7), (11, 12))
    se = shares.std(ddof=1) / np.sqrt(len(shares))
    assert 0.005 < se < 0.05
    assert abs(shares.mean() - T_C3_SHARE) < 3 * se, (shares.mean(), se)


def test_the_sea_storms_alone_fall_far_short_of_t_c3() -> None:
    """Without Kuryk's own process (``places: {}``) the Caspian storms (S63, assumed) close
    the ferry a small fraction of Nov–Dec: the port's weather is what T-C3 measures."""
    shares = _seasonal_shares(_ferry_calendar(_scenario(weather={"places": {}}), seed=7), (11, 12))
    assert shares.mean() < 0.15


def test_outside_november_and_december_kuryk_has_only_the_sea_storms() -> None:
    """The rest of the year is documented as the Caspian storm process alone (assumed): in
    July–August the ferry's closures are the sea's, at its low summer rate."""
    scn = _scenario()
    shares = _seasonal_shares(_ferry_calendar(scn, seed=11), (7, 8))
    cfg = scn.weather.caspian
    assert cfg is not None
    expected = closed_share(cfg.onsets_per_day()[6], cfg.duration.mean_h)
    assert shares.mean() < 0.1
    assert abs(shares.mean() - expected) < 0.04


def test_the_share_counts_the_sea_storms_once() -> None:
    """A stormier sea leaves Kuryk's own spells less to add, so the combined share stays at
    T-C3 (the port's rate is the share minus the sea's coverage)."""
    stormy = {"storms_per_month": [3.0] * 12, "duration": {"lognormal": {"median_h": 48,
                                                                        "p90_h": 120}}}
    shares = _seasonal_shares(_ferry_calendar(_scenario(weather={"caspian": stormy}), seed=5),
                              (11, 12))
    se = shares.std(ddof=1) / np.sqrt(len(shares))
    assert abs(shares.mean() - T_C3_SHARE) < 3 * se
    w = WeatherConfig(caspian=scenario_from_dict({"name": "x", "demand": [{"teu_per_week": 1}],
                                                  "weather": {"caspian": stormy}}).weather.caspian)
    base = WeatherConfig()
    assert w.places["KZ_KUR"].onsets_per_day(w.caspian)[10] < \
        base.places["KZ_KUR"].onsets_per_day(base.caspian)[10]


def test_dostyk_wind_slows_but_never_closes() -> None:
    """T-C12: wind cuts Dostyk from 20 to 9 trains a day: a capacity factor of 0.45 in the
    wind spells, never a closure; more spells in the cold season (assumed)."""
    scn = _scenario()
    cal = node_calendar("KZ_DOS", Closures(scn, _net(), ROUTE_FAMILIES),
                        place_calendars(scn, Streams(3)))
    assert cal.windows
    assert all(cap == pytest.approx(9 / 20) for _, _, _, cap, _ in cal.windows)
    assert cal.closed_between(0.0, 3650 * 24.0) == []
    a, b, *_ = cal.windows[0]
    assert cal.factors((a + b) / 2)[0] == pytest.approx(0.45)
    months = np.array([(dt.date.fromisoformat(DECADE_START) + dt.timedelta(hours=a)).month
                       for a, *_ in cal.windows])
    assert np.isin(months, (11, 12, 1, 2, 3)).mean() > 0.6


@pytest.mark.parametrize("bad", [
    {"duration": {"fixed_h": 24}},
    {"spells_per_month": [1] * 12, "closed_share_per_month": [0.1] * 12,
     "duration": {"fixed_h": 24}},
    {"closed_share_per_month": [0.1] * 12, "capacity_factor": 0.5, "duration": {"fixed_h": 24}},
    {"closed_share_per_month": [0.1] * 11, "duration": {"fixed_h": 24}},
    {"closed_share_per_month": [1.0] * 12, "duration": {"fixed_h": 24}},
])
def test_bad_place_weather_is_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        PlaceWeather.model_validate(bad)


def test_weather_at_an_unknown_place_is_refused() -> None:
    """A misspelt node under ``weather.places`` is an error naming the nearest node, not a
    process that silently acts on nothing."""
    scn = _scenario(weather={"places": {"KZ_KRU": {"spells_per_month": [1] * 12,
                                                   "duration": {"fixed_h": 24}}}})
    with pytest.raises(ScenarioError, match="KZ_KRU"):
        check_scenario(scn, _net())
