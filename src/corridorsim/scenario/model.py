"""The scenario schema (pydantic v2, frozen, ``extra="forbid"``): :class:`Scenario` and its
top-level sections.

Units live in key names: ``_h`` hours, ``_d`` days, ``_km`` kilometres, ``_kn`` knots,
``_teu`` twenty-foot equivalent units, ``_usd`` US dollars. Every default names its source
in :mod:`corridorsim.scenario.defaults`. The larger sections have modules of their own:
services, facilities and distributions in :mod:`~corridorsim.scenario.params`, route choice
in :mod:`~corridorsim.scenario.choice_config`, added places and links in
:mod:`~corridorsim.scenario.network_model`; bounds and field types in
:mod:`~corridorsim.scenario.fields`.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from corridorsim.scenario.choice_config import (
    ChoiceConfig,
    ChoiceNest,
    ChoiceReference,
    ChoiceSegment,
    ReferenceSegment,
    RoutePrior,
)
from corridorsim.scenario.fields import MAX_D, Factor, FrozenModel, Share
from corridorsim.scenario.network_model import NetworkAdditions, PlaceLink, PlaceNode
from corridorsim.scenario.params import (
    Distribution,
    Exponential,
    FacilityParams,
    Lognormal,
    ServiceParams,
    Triangular,
    Uniform,
    VehicleClass,
)
from corridorsim.scenario.weather import PlaceWeather, StormConfig, WeatherConfig

__all__ = [
    "SCHEMA_MODELS",
    "AccountingConfig",
    "DemandRow",
    "Disruption",
    "PlaceWeather",
    "Provenance",
    "Scenario",
    "StormConfig",
    "WeatherConfig",
]


class Provenance(FrozenModel):
    """Where a value comes from. ``assumed: true`` marks our own assumption."""

    source: str | None = None
    year: int | None = Field(default=None, ge=1900, le=2100)
    note: str | None = None
    assumed: bool = False


class DemandRow(FrozenModel):
    """Container bookings from an origin to a destination.

    With ``route`` set, every booking travels on that route family (fixed shares). Without
    it, shippers choose among ``choice.routes`` each week by a logit over the generalised
    cost of their cargo ``segment`` (see :class:`ChoiceConfig`).

    A row is the corridor's **traffic** (everyone's containers: what fills the trains and
    ships) unless ``shipment: true``: the planner's own cargo, riding the same services and
    reported on its own (``shipments.csv``).
    """

    origin: str = "CN_XIY"
    destination: str = "DE_DUI"
    route: str | None = None
    teu_per_week: Annotated[float, Field(ge=0, le=1e7, allow_inf_nan=False)]
    arrival: Literal["poisson", "uniform"] = "poisson"
    seasonality_monthly: tuple[Factor, ...] | None = None
    weekday_profile: tuple[Factor, ...] | None = None
    feu_share: Share = 0.8
    reefer_share: Share = 0.0
    due_d: Annotated[float, Field(gt=0, le=MAX_D, allow_inf_nan=False)] | None = None
    segment: str = "general"
    shipment: bool = False

    @field_validator("seasonality_monthly")
    @classmethod
    def _twelve(cls, v: tuple[float, ...] | None) -> tuple[float, ...] | None:
        if v is not None and (len(v) != 12 or sum(v) <= 0):
            raise ValueError(f"needs 12 monthly factors with a positive sum (found {len(v)})")
        return v

    @field_validator("weekday_profile")
    @classmethod
    def _seven(cls, v: tuple[float, ...] | None) -> tuple[float, ...] | None:
        if v is not None and (len(v) != 7 or sum(v) <= 0):
            raise ValueError(f"needs 7 weekday factors (Mon..Sun) with a positive sum (found {len(v)})")
        return v


#: a disruption may raise capacity (a second track, more sailings) but not beyond tenfold: a
#: larger factor is a percentage written as a number (50 for 50 %)
MAX_CAPACITY_FACTOR = 10.0


def calendar_span(start_date: str, start_h: float, end_h: float) -> tuple[str, str]:
    """The first and the last calendar day a window ``[start_h, end_h)`` (hours from
    ``start_date``) touches: a window ending at midnight ends the day before."""
    day0 = dt.date.fromisoformat(start_date)

    def day(h: float) -> str:
        return str(day0 + dt.timedelta(hours=min(max(h, 0.0), MAX_D * 24.0)))

    return day(start_h), day(max(start_h, end_h - 1e-6))


class Disruption(FrozenModel):
    """A time window that closes or scales part of the network.

    ``target`` is a node id (``KZ_DOS``), a link id (``KZ_AKU-AZ_ALT``), a chokepoint tag
    (``suez``, ``babalmandab``, ``bosporus``, ``cape``, ``malacca``, ``gibraltar``), a sea area
    (``caspian``, ``black_sea``) or a route family (``route:northern`` or ``northern``: no new
    bookings while closed; ``suez`` and ``cape`` alone mean the chokepoints).
    ``capacity_factor: 0`` closes the target. Other values scale what the target has: on a
    link, chokepoint or sea area, the TEU each departing train or ship may load (never below
    one FEU); on a node, the processing rate of its servers (each vehicle's service time is
    divided by the factor; the number of servers, the handling rate and the yard are changed
    under ``facilities:``, by name). A route family can only be closed. ``speed_factor``
    scales the speed of vehicles departing on the target's legs. ``capacity_factor`` may be
    at most 10 (above, it is taken for a percentage and refused with a hint). What each target acts on is
    decided in one place, :mod:`corridorsim.closures`.
    """

    name: str | None = None
    target: str
    start_d: Annotated[float, Field(ge=0, le=MAX_D, allow_inf_nan=False)] = 0.0
    end_d: Annotated[float, Field(ge=0, le=MAX_D, allow_inf_nan=False)] = MAX_D
    #: calendar dates instead of days (YYYY-MM-DD; ``end`` is the last day closed)
    start: dt.date | None = None
    end: dt.date | None = None
    #: 0 closes, 0.5 halves, 2 doubles; at most 10 (50 would be a percentage: write 0.5)
    capacity_factor: Annotated[float, Field(ge=0, le=MAX_CAPACITY_FACTOR, allow_inf_nan=False)] = 0.0
    speed_factor: Annotated[float, Field(gt=0, le=100, allow_inf_nan=False)] = 1.0

    @model_validator(mode="after")
    def _order(self) -> Disruption:
        for date_key, day_key in (("start", "start_d"), ("end", "end_d")):
            if getattr(self, date_key) is not None and day_key in self.model_fields_set:
                raise ValueError(f"give {date_key} (a date) or {day_key} (days), not both")
        if self.start is not None and self.end is not None and self.end < self.start:
            raise ValueError(f"end ({self.end}) must not be before start ({self.start})")
        if self.start is None and self.end is None and self.end_d <= self.start_d:
            raise ValueError(f"end_d ({self.end_d}) must be after start_d ({self.start_d})")
        return self

    def window(self, start_date: str) -> str:
        """The closure window in calendar dates and simulation days."""
        a, last = calendar_span(start_date, self.start_d * 24.0, self.end_d * 24.0)
        end = "end of run" if self.end_d >= MAX_D else last
        days = f"days {self.start_d:g}–{'…' if self.end_d >= MAX_D else f'{self.end_d:g}'}"
        return f"{a} → {end} ({days})"


# Where the default weather at single places comes from (the processes and the reasoning:
# :mod:`corridorsim.scenario.weather`), by node id.
PLACE_WEATHER_SOURCES = {
    "KZ_KUR": Provenance(
        source="T-C3", year=2024, assumed=True,
        note="closed by weather about 50 % of November–December, Caspian storms included; "
             "other months no weather beyond the storms (assumed); spells of 2–5 days"),
    "KZ_DOS": Provenance(
        source="T-C12", year=2024, assumed=True,
        note="wind cuts Beskol–Dostyk from 20 to 9 trains a day; one spell a month "
             "November–March, one every four months otherwise, 1–4 days (assumed)"),
}

# Where the Caspian storm default comes from (the process: :mod:`corridorsim.scenario.weather`).
CASPIAN_STORMS_SOURCE = Provenance(
    source="S63", year=2025, assumed=True,
    note="storm onsets per month assumed from reported ferry suspensions 2018–2025, mostly "
         "November–March; halts of 2–5 days (lognormal, median 48 h, p90 120 h)")


class AccountingConfig(FrozenModel):
    """Emissions and landed cost. ``rates_year`` picks the year of freight rates in
    ``data/cost_tariffs.csv`` (2023: World Bank 2023 [S6] and WCI H2-2023 [S48], the default:
    the year the rail rates are calibrated on and the last with Suez open; 2024/2025: ERAI
    [T-R1], sea rates [T-R3, T-R4]); ``currency`` adds the cost columns in euros at that
    year's ECB rate (``usd_per_eur``, S91) beside the USD ones."""

    rates_year: Literal[2023, 2024, 2025] = 2023
    currency: Literal["USD", "EUR"] = "USD"
    cargo_t_per_teu: Annotated[float, Field(ge=0, le=40, allow_inf_nan=False)] = 10.0
    tare_t_per_teu: Annotated[float, Field(ge=0, le=10, allow_inf_nan=False)] = 2.0
    include_tare: bool = True
    cargo_value_usd_per_teu: Annotated[float, Field(ge=0, le=1e8, allow_inf_nan=False)] = 50000.0
    #: a share of the cargo's value per year (0.10 = 10 %); above 1 reads as a percentage
    inventory_rate_per_year: Share = 0.10
    emission_factors: dict[str, Annotated[float, Field(ge=0, le=1e7, allow_inf_nan=False)]] = Field(default_factory=dict)
    tariffs: dict[str, Annotated[float, Field(ge=0, le=1e8, allow_inf_nan=False)]] = Field(default_factory=dict)
    #: share of each loaded TEU that must come back empty, by route family; a family whose
    #: return flow is simulated (both directions in the demand) takes it from the run instead
    empty_return_share: dict[str, Share] = Field(default_factory=dict)


class Scenario(FrozenModel):
    """A complete scenario: what to simulate, for how long, under which conditions."""

    name: Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.\-]+$")]
    description: str = ""
    start_date: str = "2024-01-01"
    seed: Annotated[int, Field(ge=0, le=2**63 - 1)] = 20240101
    horizon_d: Annotated[float, Field(gt=0, le=MAX_D, allow_inf_nan=False)] = 365.0
    warmup_d: Annotated[float, Field(ge=0, le=MAX_D, allow_inf_nan=False)] = 28.0
    routes: tuple[str, ...] = ("middle_corridor", "middle_corridor_turkey", "northern", "suez", "cape")
    demand: tuple[DemandRow, ...]
    services: dict[str, ServiceParams] = Field(default_factory=dict)
    facilities: dict[str, FacilityParams] = Field(default_factory=dict)
    weather: WeatherConfig = WeatherConfig()
    disruptions: tuple[Disruption, ...] = ()
    accounting: AccountingConfig = AccountingConfig()
    choice: ChoiceConfig = ChoiceConfig()
    network: NetworkAdditions = NetworkAdditions()
    provenance: dict[str, Provenance] = Field(default_factory=dict)

    @field_validator("start_date")
    @classmethod
    def _iso_date(cls, v: str) -> str:
        try:
            dt.date.fromisoformat(v)
        except ValueError as exc:
            raise ValueError(f"expected a date as YYYY-MM-DD ({exc})") from None
        return v

    def _dates_to_days(self) -> None:
        """Disruption windows given by date become days from ``start_date``."""
        day0 = dt.date.fromisoformat(self.start_date)
        out, changed = [], False
        for i, d in enumerate(self.disruptions):
            if d.start is None and d.end is None:
                out.append(d)
                continue
            # the dates become days (and are dropped: Disruption.window gives them back), so
            # that a scenario dumped and validated again is the same scenario
            upd: dict[str, float | None] = {"start": None, "end": None}
            for key, day_key, date in (("start", "start_d", d.start), ("end", "end_d", d.end)):
                if date is None:
                    continue
                days = (date - day0).days + (1 if key == "end" else 0)  # end: last day closed
                if days < 0:
                    raise ValueError(f"disruptions[{i}].{key}: {date} is before the scenario's "
                                     f"start_date {day0}")
                upd[day_key] = float(days)
            new = d.model_copy(update=upd)
            if new.end_d <= new.start_d:  # (both days now)
                raise ValueError(f"disruptions[{i}]: the window {d.start} → {d.end} ends before "
                                 "it starts")
            out.append(new)
            changed = True
        if changed:
            object.__setattr__(self, "disruptions", tuple(out))

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        if self.warmup_d >= self.horizon_d:
            raise ValueError(f"warmup_d ({self.warmup_d}) must be shorter than horizon_d ({self.horizon_d})")
        if not self.demand:
            raise ValueError("demand: at least one row is needed")
        self._dates_to_days()
        if any(r.route is None for r in self.demand):
            segs = self.choice.segments
            for i, r in enumerate(self.demand):
                if r.route is None and r.segment not in segs:
                    raise ValueError(
                        f"demand[{i}].segment: {r.segment!r} has no parameters in "
                        f"choice.segments ({', '.join(segs) or 'none'})")
            routes = self.choice.routes if self.choice.routes is not None else self.routes
            extra = [r for r in routes if r not in self.routes]
            if extra:
                raise ValueError(f"choice.routes: {extra} not among routes ({', '.join(self.routes)})")
            if not routes:
                raise ValueError("choice.routes: at least one route is needed")
        return self


#: Every model class of the schema, whichever module defines it (the loader suggests the
#: nearest key name from their fields for an unknown key).
SCHEMA_MODELS: tuple[type[BaseModel], ...] = (
    Scenario, Provenance, DemandRow, ServiceParams, FacilityParams, Distribution, Lognormal,
    Uniform, Triangular, Exponential, WeatherConfig, StormConfig, PlaceWeather, Disruption,
    AccountingConfig, ChoiceConfig, ChoiceSegment, RoutePrior, ChoiceNest, ChoiceReference,
    ReferenceSegment, NetworkAdditions, PlaceNode, PlaceLink, VehicleClass,
)
