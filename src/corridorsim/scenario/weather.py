"""Weather in the scenario: storms per sea area and weather at single places (a port
closed, a border station slowed), and the one home of the spell-coverage formula."""

from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from corridorsim.scenario.fields import FrozenModel
from corridorsim.scenario.params import Distribution, lognormal

__all__ = ["MONTH_DAYS", "PlaceWeather", "StormConfig", "WeatherConfig", "closed_share"]


#: days per month for storm rates (February counts 29: rates are per month, not per year)
MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
Twelve = tuple[Annotated[float, Field(ge=0, le=31, allow_inf_nan=False)], ...]


def _check_twelve(v: tuple[float, ...] | None) -> tuple[float, ...] | None:
    if v is not None and len(v) != 12:
        raise ValueError(f"needs 12 monthly values Jan..Dec (found {len(v)})")
    return v


class StormConfig(FrozenModel):
    """Storms that stop sailings in a sea area: Poisson onsets with monthly rates."""

    storms_per_month: Twelve
    duration: Distribution

    _twelve = field_validator("storms_per_month")(_check_twelve)

    def onsets_per_day(self) -> tuple[float, ...]:
        return tuple(n / d for n, d in zip(self.storms_per_month, MONTH_DAYS, strict=True))


class PlaceWeather(FrozenModel):
    """Weather at one node: spells with Poisson onsets (monthly rates) and a duration, each
    closing the node (``capacity_factor: 0``: its facility and, at a port, the sailings to
    and from it) or scaling its processing rate (``capacity_factor`` between 0 and 1, e.g.
    wind slowing a border station).

    The rate is given as ``spells_per_month`` or, for a closure, as ``closed_share_per_month``:
    the share of each month's hours the place is closed by weather, the storms of its ``sea``
    included (the place adds only the rest; a month below its sea's own share adds nothing).
    Poisson onsets with mean duration D are closed ``1 − exp(−rate × D)`` of the time
    (:func:`closed_share`), so the onset rate is set from the share by inverting it.
    """

    spells_per_month: Twelve | None = None
    closed_share_per_month: tuple[Annotated[float, Field(ge=0, le=0.99, allow_inf_nan=False)], ...] | None = None
    duration: Distribution
    capacity_factor: Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)] = 0.0
    #: the sea area whose storms count in ``closed_share_per_month``
    sea: Literal["caspian", "black_sea"] | None = None

    _twelve = field_validator("spells_per_month", "closed_share_per_month")(_check_twelve)

    @model_validator(mode="after")
    def _one_rate(self) -> PlaceWeather:
        if (self.spells_per_month is None) == (self.closed_share_per_month is None):
            raise ValueError("give spells_per_month or closed_share_per_month (one of them)")
        if self.closed_share_per_month is not None and self.capacity_factor != 0.0:
            raise ValueError("closed_share_per_month describes closures: capacity_factor "
                             "must be 0 (give spells_per_month for a capacity loss)")
        return self

    def onsets_per_day(self, sea: StormConfig | None) -> tuple[float, ...]:
        """Spell onsets per day, month by month (the sea's storms taken off a share)."""
        if self.spells_per_month is not None:
            return tuple(n / d for n, d in zip(self.spells_per_month, MONTH_DAYS, strict=True))
        assert self.closed_share_per_month is not None
        sea_load = ([r * sea.duration.mean_h / 24.0 for r in sea.onsets_per_day()]
                    if sea is not None else [0.0] * 12)
        mean_d = self.duration.mean_h / 24.0
        return tuple(max(0.0, -math.log1p(-s) - load) / mean_d
                     for s, load in zip(self.closed_share_per_month, sea_load, strict=True))


def closed_share(onsets_per_day: float, mean_duration_h: float) -> float:
    """Share of the time covered by spells with Poisson onsets and this mean duration (at
    least one spell under way: the M/G/∞ occupancy is Poisson with mean rate × duration)."""
    return 1.0 - math.exp(-onsets_per_day * mean_duration_h / 24.0)


# Caspian storms suspending sailings (onsets per month Jan..Dec, duration). The annual
# storm-day statistic is a gap in the sources: the rates are ASSUMED from the S63 event list
# (suspensions in 2018, 2021, 2022, 2023, 2025, mostly November–March); 2–5 day durations
# from the same reports (S63, 2018–2025).
CASPIAN_STORMS_PER_MONTH = (1.0, 1.0, 0.8, 0.5, 0.4, 0.2, 0.2, 0.2, 0.3, 0.5, 0.8, 1.0)
CASPIAN_STORM_DURATION = lognormal(48.0, 120.0)


def _caspian_default() -> StormConfig:
    return StormConfig(storms_per_month=CASPIAN_STORMS_PER_MONTH, duration=CASPIAN_STORM_DURATION)


# Kuryk port closed by weather about 50 % of the time in November–December (T-C3, port
# director, Dec 2024), Caspian storms included. Per port, not for the sea: the figure is
# Kuryk's (an open roadstead where rail ferries cannot berth in strong wind), and Aktau's
# container feeders keep sailing most of the winter (S53, S62). Other months: ASSUMED no
# weather beyond the Caspian storms (S63); spells last like the S63 halts (2–5 days).
KURYK_CLOSED_SHARE = (0.0,) * 10 + (0.5, 0.5)
# Dostyk: NW wind above 20 m/s cut Beskol–Dostyk from 20 to 9 trains a day (T-C12): a
# capacity factor of 9/20 on the Dostyk gauge change, not a closure. Frequency and season are
# not in the sources: ASSUMED wind spells of the Dzungarian Gate's cold season (one a month
# November–March, one every four months otherwise), lasting 1–4 days (median 36 h, p90 96 h:
# the T-C12 episode banned loading 12–15 Dec).
DOSTYK_WIND_PER_MONTH = (1.0, 1.0, 1.0, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 1.0, 1.0)
DOSTYK_WIND_FACTOR = 9.0 / 20.0


def _places_default() -> dict[str, PlaceWeather]:
    return {
        "KZ_KUR": PlaceWeather(closed_share_per_month=KURYK_CLOSED_SHARE,
                               duration=CASPIAN_STORM_DURATION, sea="caspian"),
        "KZ_DOS": PlaceWeather(spells_per_month=DOSTYK_WIND_PER_MONTH,
                               duration=lognormal(36.0, 96.0),
                               capacity_factor=DOSTYK_WIND_FACTOR),
    }


class WeatherConfig(FrozenModel):
    """Storm processes per sea area (``null`` switches a sea area's storms off) and weather
    at single places by node id (``places: {}`` switches those off)."""

    caspian: StormConfig | None = Field(default_factory=_caspian_default)
    black_sea: StormConfig | None = None
    places: dict[str, PlaceWeather] = Field(default_factory=_places_default)

    def sea(self, area: str | None) -> StormConfig | None:
        return {"caspian": self.caspian, "black_sea": self.black_sea}.get(area or "")
