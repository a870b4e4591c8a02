"""Vehicle services, facilities and the duration distributions that parameterise them.

Every field is optional: a scenario overrides only what it names, on top of the sourced
defaults in :mod:`corridorsim.scenario.defaults`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from corridorsim.scenario.fields import FrozenModel, Hours, PosHours, Share
from corridorsim.units import lognormal_mean

__all__ = [
    "Distribution",
    "Exponential",
    "FacilityParams",
    "Lognormal",
    "ReliabilityPreset",
    "ServiceParams",
    "Triangular",
    "Uniform",
    "VehicleClass",
    "fixed",
    "lognormal",
    "overlay",
]


class Lognormal(FrozenModel):
    median_h: PosHours
    p90_h: PosHours

    @model_validator(mode="after")
    def _order(self) -> Lognormal:
        if self.p90_h < self.median_h:
            raise ValueError(f"p90_h ({self.p90_h}) must be >= median_h ({self.median_h})")
        return self


class Uniform(FrozenModel):
    low_h: Hours
    high_h: Hours

    @model_validator(mode="after")
    def _order(self) -> Uniform:
        if self.high_h < self.low_h:
            raise ValueError(f"high_h ({self.high_h}) must be >= low_h ({self.low_h})")
        return self


class Triangular(FrozenModel):
    low_h: Hours
    mode_h: Hours
    high_h: Hours

    @model_validator(mode="after")
    def _order(self) -> Triangular:
        if not self.low_h <= self.mode_h <= self.high_h:
            raise ValueError("need low_h <= mode_h <= high_h")
        return self


class Exponential(FrozenModel):
    mean_h: PosHours


class Distribution(FrozenModel):
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
        if self.fixed_h is not None:
            return self.fixed_h
        if self.lognormal is not None:
            return lognormal_mean(self.lognormal.median_h, self.lognormal.p90_h)
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


class VehicleClass(FrozenModel):
    """Vehicles of one kind in a service's fleet: ``count`` ships (or trains) of
    ``capacity_teu`` each, at ``speed_kmh`` (the service's speed if not given)."""

    name: str | None = None
    count: Annotated[int, Field(ge=1, le=100000)]
    capacity_teu: Annotated[float, Field(ge=2, le=1e6, allow_inf_nan=False)]
    speed_kmh: Annotated[float, Field(gt=0, le=1000, allow_inf_nan=False)] | None = None
    source: str | None = None


#: keys that give the same thing two ways: an overlay (``extends:``, a scenario over the
#: defaults) giving one of them drops the other from what it overlays
ALTERNATIVE_KEYS = (("fleet", "classes"), ("classes", "fleet"))


def overlay(base: dict[str, object], given: dict[str, object]) -> dict[str, object]:
    """``base`` with the keys of ``given`` laid over it, dropping the alternatives of the
    keys given (:data:`ALTERNATIVE_KEYS`)."""
    out = dict(base)
    for one, other in ALTERNATIVE_KEYS:
        if one in given and other not in given:
            out.pop(other, None)
    out.update(given)
    return out


#: a carrier group's schedule reliability (``scenario.defaults.SCHEDULE_RELIABILITY``):
#: ``market`` is the global average of the scenario's year, ``none`` switches it off
ReliabilityPreset = Literal["market", "gemini", "msc", "other_alliances", "none"]


class ServiceParams(FrozenModel):
    """A vehicle service on a leg: block train, Caspian feeder, Black Sea feeder, deep sea, truck.

    Departure rule: a vehicle leaves when full, or ``max_hold_h`` after its first container
    is ready; with ``headway_h`` set it leaves only on the timetable (every ``headway_h``
    hours from ``first_departure_h``), with whatever is waiting.

    A limited fleet is ``fleet`` vehicles of ``capacity_teu``, or ``classes``: vehicles of
    several sizes (e.g. ``[{count: 2, capacity_teu: 700}, {count: 4, capacity_teu: 300}]``);
    the next departure takes the vehicle that has been idle longest, whatever its size.

    Schedule reliability (deep sea): each arrival is late with probability
    ``1 - on_time_share`` by ``late_delay`` hours; ``reliability`` names a carrier group whose
    sourced figures fill what is not given (``market``, ``gemini``, ``msc``,
    ``other_alliances``; ``none``: every arrival on time).

    ``route_shares`` (only under ``fixed_timetable_train``): the share of each route family's
    consignments that ride China Railway's fixed-timetable trains on the family's rail legs
    instead of block trains, e.g. ``{northern: 0.2}``.
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
    classes: tuple[VehicleClass, ...] | None = None
    reliability: ReliabilityPreset | None = None
    on_time_share: Share | None = None
    late_delay: Distribution | None = None
    route_shares: dict[str, Share] | None = None

    @model_validator(mode="after")
    def _fleet_or_classes(self) -> ServiceParams:
        if self.classes is not None:
            if not self.classes:
                raise ValueError("classes: give at least one vehicle class, or leave it out")
            if self.fleet is not None and self.fleet != sum(c.count for c in self.classes):
                raise ValueError(f"fleet ({self.fleet}) and classes "
                                 f"({sum(c.count for c in self.classes)} vehicles) disagree: "
                                 "give one of them")
        return self


class FacilityParams(FrozenModel):
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
