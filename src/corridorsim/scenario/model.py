"""The scenario schema (pydantic v2, frozen, ``extra="forbid"``).

Units live in key names: ``_h`` hours, ``_d`` days, ``_km`` kilometres, ``_kn`` knots,
``_teu`` twenty-foot equivalent units, ``_usd`` US dollars. Every default names its source
in :mod:`corridorsim.scenario.defaults`.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = [
    "AccountingConfig",
    "ChoiceConfig",
    "ChoiceNest",
    "ChoiceSegment",
    "DemandRow",
    "Disruption",
    "Distribution",
    "FacilityParams",
    "Provenance",
    "RoutePrior",
    "Scenario",
    "ServiceParams",
    "StormConfig",
    "WeatherConfig",
]

# Absurd-magnitude guards: every number has bounds a planner could hit only by mistake.
MAX_H = 24.0 * 3650  # ten years in hours
MAX_D = 3650.0
MAX_TEU = 1e9

Hours = Annotated[float, Field(ge=0, le=MAX_H, allow_inf_nan=False)]
PosHours = Annotated[float, Field(gt=0, le=MAX_H, allow_inf_nan=False)]
Share = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
Factor = Annotated[float, Field(ge=0, le=1000, allow_inf_nan=False)]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Provenance(_Frozen):
    """Where a value comes from. ``assumed: true`` marks our own assumption."""

    source: str | None = None
    year: int | None = Field(default=None, ge=1900, le=2100)
    note: str | None = None
    assumed: bool = False


class Lognormal(_Frozen):
    median_h: PosHours
    p90_h: PosHours

    @model_validator(mode="after")
    def _order(self) -> Lognormal:
        if self.p90_h < self.median_h:
            raise ValueError(f"p90_h ({self.p90_h}) must be >= median_h ({self.median_h})")
        return self


class Uniform(_Frozen):
    low_h: Hours
    high_h: Hours

    @model_validator(mode="after")
    def _order(self) -> Uniform:
        if self.high_h < self.low_h:
            raise ValueError(f"high_h ({self.high_h}) must be >= low_h ({self.low_h})")
        return self


class Triangular(_Frozen):
    low_h: Hours
    mode_h: Hours
    high_h: Hours

    @model_validator(mode="after")
    def _order(self) -> Triangular:
        if not self.low_h <= self.mode_h <= self.high_h:
            raise ValueError("need low_h <= mode_h <= high_h")
        return self


class Exponential(_Frozen):
    mean_h: PosHours


class Distribution(_Frozen):
    """A duration distribution written plainly, exactly one of the keys.

    ``{fixed_h: 5}``, ``{lognormal: {median_h: 30, p90_h: 80}}``,
    ``{uniform: {low_h: 1, high_h: 3}}``, ``{triangular: {low_h, mode_h, high_h}}``,
    ``{exponential: {mean_h: 4}}``.
    """

    fixed_h: Hours | None = None
    lognormal: Lognormal | None = None
    uniform: Uniform | None = None
    triangular: Triangular | None = None
    exponential: Exponential | None = None

    @model_validator(mode="after")
    def _one(self) -> Distribution:
        given = [k for k in type(self).model_fields if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of fixed_h, lognormal, uniform, triangular, exponential"
                f" (found {len(given)}: {', '.join(given) or 'none'})"
            )
        return self

    @property
    def mean_h(self) -> float:
        import math

        if self.fixed_h is not None:
            return self.fixed_h
        if self.lognormal is not None:
            sigma = math.log(self.lognormal.p90_h / self.lognormal.median_h) / 1.2815515655446004
            return self.lognormal.median_h * math.exp(sigma**2 / 2)
        if self.uniform is not None:
            return (self.uniform.low_h + self.uniform.high_h) / 2
        if self.triangular is not None:
            t = self.triangular
            return (t.low_h + t.mode_h + t.high_h) / 3
        assert self.exponential is not None
        return self.exponential.mean_h


def fixed(h: float) -> Distribution:
    return Distribution(fixed_h=h)


def lognormal(median_h: float, p90_h: float) -> Distribution:
    return Distribution(lognormal=Lognormal(median_h=median_h, p90_h=p90_h))


class ServiceParams(_Frozen):
    """A vehicle service on a leg: block train, Caspian feeder, Black Sea feeder, deep sea, truck.

    Departure rule: a vehicle leaves when full, or ``max_hold_h`` after its first container
    is ready; with ``headway_h`` set it leaves only on the timetable (every ``headway_h``
    hours from ``first_departure_h``), with whatever is waiting.
    """

    # at least one FEU (2 TEU): a consignment is never split across vehicles
    capacity_teu: Annotated[float, Field(ge=2, le=1e6, allow_inf_nan=False)] | None = None
    fleet: Annotated[int, Field(ge=1, le=100000)] | None = None
    max_hold_h: Hours | None = None
    headway_h: PosHours | None = None
    first_departure_h: Hours | None = None
    speed_kmh: Annotated[float, Field(gt=0, le=1000, allow_inf_nan=False)] | None = None
    delay: Distribution | None = None
    turnaround_h: Hours | None = None
    min_load_share: Share | None = None


class FacilityParams(_Frozen):
    """A facility: gauge change, border, port, terminal or canal/strait.

    ``servers`` parallel tracks, cranes or berths; each vehicle holds one server for
    ``service`` (trains) or ``load / handling_teu_per_h`` (ships) hours; then ``dwell``
    (customs, inspection) applies without holding a server. ``yard_teu`` limits containers
    waiting for the next leg (vessels block at berth when it is full). ``open_hours`` restricts
    passages to a daily window, e.g. ``[0, 5]`` for Marmaray freight.
    """

    servers: Annotated[int, Field(ge=1, le=10000)] | None = None
    service: Distribution | None = None
    handling_teu_per_h: Annotated[float, Field(gt=0, le=1e5, allow_inf_nan=False)] | None = None
    dwell: Distribution | None = None
    yard_teu: Annotated[float, Field(gt=0, le=1e8, allow_inf_nan=False)] | None = None
    open_hours: tuple[Annotated[float, Field(ge=0, le=24)], Annotated[float, Field(ge=0, le=24)]] | None = None


class DemandRow(_Frozen):
    """Container bookings from an origin to a destination.

    With ``route`` set, every booking travels on that route family (fixed shares). Without
    it, shippers choose among ``choice.routes`` each week by a logit over the generalised
    cost of their cargo ``segment`` (see :class:`ChoiceConfig`).
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


# ---------------------------------------------------------------------------- route choice
UsdPerTeuDay = Annotated[float, Field(ge=0, le=1e6, allow_inf_nan=False)]
PosDays = Annotated[float, Field(gt=0, le=MAX_D, allow_inf_nan=False)]


class ChoiceSegment(_Frozen):
    """Shippers of one cargo segment: what a day, a day of spread and a tonne CO2e cost them.

    Generalised cost per TEU of a route =
    ``freight + value_of_time x E[transit days] + reliability x (p90 - p50 days)
    + carbon_price x t CO2e (WTW) + asc``; choice probabilities are a logit with scale
    ``scale_usd`` (the larger, the more random the choice). Defaults: value of time =
    cargo value 50,000 USD/TEU x inventory rate 0.10/yr / 365 (the accounting defaults,
    S6, assumed); reliability ratio 1 (assumed); no carbon price; scale assumed.
    """

    value_of_time_usd_per_teu_day: UsdPerTeuDay = 13.7
    reliability_usd_per_teu_day: UsdPerTeuDay = 13.7
    carbon_price_usd_per_t: Annotated[float, Field(ge=0, le=1e5, allow_inf_nan=False)] = 0.0
    scale_usd: Annotated[float, Field(gt=0, le=1e6, allow_inf_nan=False)] = 300.0
    #: this segment's own reference shares (else ``choice.reference_shares``)
    reference_shares: dict[str, Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)]] | None = None


class RoutePrior(_Frozen):
    """Transit expected before any delivery has been observed (days, door to door)."""

    p50_d: PosDays
    p90_d: PosDays

    @model_validator(mode="after")
    def _order(self) -> RoutePrior:
        if self.p90_d < self.p50_d:
            raise ValueError(f"p90_d ({self.p90_d}) must be >= p50_d ({self.p50_d})")
        return self


class ChoiceNest(_Frozen):
    """Routes that are close substitutes (nested logit); ``dissimilarity`` 1 = plain logit."""

    routes: tuple[str, ...]
    dissimilarity: Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)] = 1.0


class ChoiceConfig(_Frozen):
    """Shipper route choice for demand rows without ``route``.

    Every week the bookings of the coming week choose a route family by a (nested) logit
    over generalised cost (:class:`ChoiceSegment`). Expected transit (mean) and spread
    (p90 - p50) come from consignments *delivered* in the window
    ``[now - lag_d - window_d, now - lag_d]``; with fewer than ``min_observations`` the
    ``initial`` prior is blended in. Closed routes (a ``route:`` closure or a closed
    chokepoint, sea area, link or node on the route) get no bookings; ``capacity_teu_per_week``
    caps a route family's weekly bookings (the overflow re-chooses among the others).
    ``reference_shares`` calibrates alternative-specific constants so that these shares
    result under reference conditions (shipped tariffs and emission factors, ``initial``
    transit); ``asc_usd_per_teu`` adds constants directly.
    """

    routes: tuple[str, ...] | None = None
    segments: dict[str, ChoiceSegment] = Field(default_factory=lambda: {"general": ChoiceSegment()})
    window_d: PosDays = 28.0
    lag_d: Annotated[float, Field(ge=0, le=MAX_D, allow_inf_nan=False)] = 7.0
    min_observations: Annotated[int, Field(ge=1, le=100000)] = 10
    initial: dict[str, RoutePrior] = Field(default_factory=dict)
    capacity_teu_per_week: dict[str, Annotated[float, Field(ge=0, le=1e7, allow_inf_nan=False)]] = Field(default_factory=dict)
    reference_shares: dict[str, Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)]] | None = None
    asc_usd_per_teu: dict[str, Annotated[float, Field(ge=-1e6, le=1e6, allow_inf_nan=False)]] = Field(default_factory=dict)
    nests: dict[str, ChoiceNest] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _nests_disjoint(self) -> ChoiceConfig:
        seen: set[str] = set()
        for name, nest in self.nests.items():
            dup = seen & set(nest.routes)
            if dup:
                raise ValueError(f"nests.{name}: route(s) {sorted(dup)} already in another nest")
            seen |= set(nest.routes)
        return self


class Disruption(_Frozen):
    """A time window that closes or scales part of the network.

    ``target`` is a node id (``KZ_DOS``), a link id (``KZ_AKU-AZ_ALT``), a chokepoint tag
    (``suez``, ``babalmandab``, ``bosporus``, ``cape``, ``malacca``, ``gibraltar``), a sea area
    (``caspian``, ``black_sea``) or a route family (``route:northern`` or ``northern``: no new
    bookings while closed; ``suez`` and ``cape`` alone mean the chokepoints).
    ``capacity_factor: 0`` closes the target; other values scale capacity (vehicle size,
    servers); ``speed_factor`` scales speeds.
    """

    name: str | None = None
    target: str
    start_d: Annotated[float, Field(ge=0, le=MAX_D, allow_inf_nan=False)] = 0.0
    end_d: Annotated[float, Field(ge=0, le=MAX_D, allow_inf_nan=False)] = MAX_D
    #: calendar dates instead of days (YYYY-MM-DD; ``end`` is the last day closed)
    start: dt.date | None = None
    end: dt.date | None = None
    capacity_factor: Factor = 0.0
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
        day0 = dt.date.fromisoformat(start_date)
        a = day0 + dt.timedelta(days=self.start_d)
        end = "end of run" if self.end_d >= MAX_D else \
            str(day0 + dt.timedelta(days=self.end_d) - dt.timedelta(days=1))
        days = f"days {self.start_d:g}–{'…' if self.end_d >= MAX_D else f'{self.end_d:g}'}"
        return f"{a} → {end} ({days})"


Lon = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)]
Lat = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]


class PlaceNode(_Frozen):
    """A place a planner adds to the network (``network.nodes``)."""

    id: Annotated[str, Field(min_length=2, max_length=40, pattern=r"^[A-Z0-9_]+$")]
    name: Annotated[str, Field(min_length=1, max_length=100)]
    country: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    kind: Literal["terminal", "border", "gauge_change", "port", "hub", "chokepoint"] = "terminal"
    lon: Lon
    lat: Lat
    gauge_mm: Literal[1435, 1520] | None = None
    roles: tuple[str, ...] = ("od",)
    aliases: tuple[str, ...] = ()
    source: str = "scenario"


class PlaceLink(_Frozen):
    """A link a planner adds (``network.links``); without ``geometry`` it is drawn as a
    straight line and flagged assumed on the map and in the report."""

    from_: Annotated[str, Field(alias="from", min_length=1)]
    to: Annotated[str, Field(min_length=1)]
    mode: Literal["rail", "sea", "road"] = "rail"
    gauge_mm: Literal[1435, 1520] | None = None
    traction: Literal["electric", "diesel"] | None = None
    sea_area: Literal["deep_sea", "caspian", "black_sea", "lake_van"] | None = None
    geometry: tuple[tuple[Lon, Lat], ...] | None = None
    source: str = "scenario"
    assumed: bool | None = None

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class NetworkAdditions(_Frozen):
    """Places and links added to the shipped network for this scenario."""

    nodes: tuple[PlaceNode, ...] = ()
    links: tuple[PlaceLink, ...] = ()


class StormConfig(_Frozen):
    """Storms that stop sailings in a sea area: Poisson onsets with monthly rates."""

    storms_per_month: tuple[Annotated[float, Field(ge=0, le=31, allow_inf_nan=False)], ...]
    duration: Distribution

    @field_validator("storms_per_month")
    @classmethod
    def _twelve(cls, v: tuple[float, ...]) -> tuple[float, ...]:
        if len(v) != 12:
            raise ValueError(f"needs 12 monthly rates Jan..Dec (found {len(v)})")
        return v


# Caspian storms suspending sailings (onsets per month Jan..Dec, duration). The annual
# storm-day statistic is a gap in the sources: the rates are ASSUMED from the S63 event list
# (suspensions in 2018, 2021, 2022, 2023, 2025, mostly November–March); 2–5 day durations
# from the same reports (S63, 2018–2025).
CASPIAN_STORMS_PER_MONTH = (1.0, 1.0, 0.8, 0.5, 0.4, 0.2, 0.2, 0.2, 0.3, 0.5, 0.8, 1.0)


def _caspian_default() -> StormConfig:
    return StormConfig(storms_per_month=CASPIAN_STORMS_PER_MONTH, duration=lognormal(48.0, 120.0))


class WeatherConfig(_Frozen):
    """Storm processes per sea area; ``null`` switches a sea area's storms off."""

    caspian: StormConfig | None = Field(default_factory=_caspian_default)
    black_sea: StormConfig | None = None


class AccountingConfig(_Frozen):
    cargo_t_per_teu: Annotated[float, Field(ge=0, le=40, allow_inf_nan=False)] = 10.0
    tare_t_per_teu: Annotated[float, Field(ge=0, le=10, allow_inf_nan=False)] = 2.0
    include_tare: bool = True
    cargo_value_usd_per_teu: Annotated[float, Field(ge=0, le=1e8, allow_inf_nan=False)] = 50000.0
    inventory_rate_per_year: Annotated[float, Field(ge=0, le=5, allow_inf_nan=False)] = 0.10
    emission_factors: dict[str, Annotated[float, Field(ge=0, le=1e7, allow_inf_nan=False)]] = Field(default_factory=dict)
    tariffs: dict[str, Annotated[float, Field(ge=0, le=1e8, allow_inf_nan=False)]] = Field(default_factory=dict)


class Scenario(_Frozen):
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
        import datetime as dt

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
            upd: dict[str, float] = {}
            for key, day_key, date in (("start", "start_d", d.start), ("end", "end_d", d.end)):
                if date is None:
                    continue
                days = (date - day0).days + (1 if key == "end" else 0)  # end: last day closed
                if days < 0:
                    raise ValueError(f"disruptions[{i}].{key}: {date} is before the scenario's "
                                     f"start_date {day0}")
                upd[day_key] = float(days)
            new = d.model_copy(update=upd)
            if new.end_d <= new.start_d:
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
