"""Resolved parameters: what a service or facility of a run actually uses.

A scenario gives parameters sparsely (:class:`~corridorsim.scenario.model.ServiceParams`,
:class:`~corridorsim.scenario.model.FacilityParams`: every field optional, later overlays
win). Here they are resolved once — the kind's sourced default, a node's default, then the
scenario's overrides by kind and by leg or node — into specs whose fields are all set. Where
``None`` remains it is a choice with a meaning (no timetable, no fleet limit, no yard limit,
open all day, zero duration), never a missing value for the engine to guess.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from corridorsim.errors import InternalError, ScenarioError
from corridorsim.scenario.defaults import (
    FACILITY_DEFAULTS,
    LEG_DEFAULTS,
    NODE_DEFAULTS,
    SERVICE_DEFAULTS,
    schedule_reliability,
)
from corridorsim.scenario.params import (
    Distribution,
    Exponential,
    FacilityParams,
    ServiceParams,
    overlay,
)

if TYPE_CHECKING:
    from corridorsim.scenario.model import Scenario

__all__ = ["FacilitySpec", "ServiceSpec", "VehicleSpec", "facility_spec", "service_spec"]

P = TypeVar("P", ServiceParams, FacilityParams)


@dataclass(frozen=True)
class VehicleSpec:
    """One kind of vehicle of a fleet."""

    name: str
    count: int
    capacity_teu: float
    speed_kmh: float


@dataclass(frozen=True)
class ServiceSpec:
    """A vehicle service on one leg (see :class:`~corridorsim.scenario.model.ServiceParams`)."""

    kind: str
    capacity_teu: float
    speed_kmh: float
    #: a vehicle leaves this long after its first container is ready, full or not (0: at once)
    max_hold_h: float
    #: None: no timetable (leave when full or after ``max_hold_h``)
    headway_h: float | None
    first_departure_h: float
    #: None: as many vehicles as departures need
    fleet: int | None
    turnaround_h: float
    #: None: no running delay
    delay: Distribution | None
    #: a vehicle does not leave with less than this share of its capacity on board
    min_load_share: float
    #: a fleet of several vehicle sizes (None: ``fleet`` vehicles of ``capacity_teu``); then
    #: ``capacity_teu`` and ``speed_kmh`` are the fleet's means (for the schedule)
    classes: tuple[VehicleSpec, ...] | None = None
    #: share of arrivals on time (None: no schedule reliability process, every arrival is)
    on_time_share: float | None = None
    #: hours a late arrival is late (set whenever ``on_time_share`` is)
    late_delay: Distribution | None = None


@dataclass(frozen=True)
class FacilitySpec:
    """A facility (see :class:`~corridorsim.scenario.model.FacilityParams`)."""

    kind: str
    servers: int
    #: hours holding a server per vehicle (None: none beyond handling)
    service: Distribution | None
    #: None: the service time does not grow with the load
    handling_teu_per_h: float | None
    #: hours after the server is released (None: none)
    dwell: Distribution | None
    #: None: the yard never blocks a vessel
    yard_teu: float | None
    #: None: open all day
    open_hours: tuple[float, float] | None


def _merge(base: P, *overlays: P | None) -> P:
    """Overlay the fields given in ``overlays`` on ``base`` (later wins)."""
    data: dict[str, object] = base.model_dump(exclude_none=True)
    for ov in overlays:
        if ov is not None:  # (a fleet count and vehicle classes replace each other)
            data = overlay(data, ov.model_dump(exclude_none=True))
    return type(base).model_validate(data)


def _required(value: float | int | None, what: str) -> float:
    if value is None:
        raise InternalError(f"{what}: no value in the defaults or the scenario; the shipped "
                            "defaults must set it (a bug in corridorsim)")
    return float(value)


def service_spec(service: str, leg_key: str, scn: Scenario | None = None) -> ServiceSpec:
    """A leg's service: the kind's default, the scenario's override by kind, the leg's sourced
    default (``LEG_DEFAULTS``, either direction: a vessel of its own, e.g. the Kuryk rail
    ferry, keeps it whatever the kind's fleet), then the scenario's override by leg
    ``FROM-TO`` (later wins)."""
    over = scn.services if scn is not None else {}
    base = SERVICE_DEFAULTS[service].params
    assert isinstance(base, ServiceParams)
    a, _, b = leg_key.partition("-")
    leg_default = LEG_DEFAULTS.get(leg_key) or LEG_DEFAULTS.get(f"{b}-{a}")
    leg_params = leg_default.params if leg_default is not None else None
    assert leg_params is None or isinstance(leg_params, ServiceParams)
    p = _merge(base, over.get(service), leg_params, over.get(leg_key))
    speed = _required(p.speed_kmh, f"{service}.speed_kmh")
    capacity = _required(p.capacity_teu, f"{service}.capacity_teu")
    fleet, classes = p.fleet, None
    if p.classes is not None:
        classes = tuple(VehicleSpec(c.name or f"{c.capacity_teu:g} TEU", c.count,
                                    c.capacity_teu, c.speed_kmh or speed) for c in p.classes)
        fleet = sum(c.count for c in classes)
        capacity = sum(c.count * c.capacity_teu for c in classes) / fleet
        speed = sum(c.count * c.speed_kmh for c in classes) / fleet
    on_time, late = _reliability(p, scn)
    return ServiceSpec(
        kind=service,
        capacity_teu=capacity,
        speed_kmh=speed,
        max_hold_h=float(p.max_hold_h or 0.0),
        headway_h=p.headway_h,
        first_departure_h=float(p.first_departure_h or 0.0),
        fleet=fleet,
        turnaround_h=float(p.turnaround_h or 0.0),
        delay=p.delay,
        min_load_share=float(p.min_load_share or 0.0),
        classes=classes,
        on_time_share=on_time,
        late_delay=late,
    )


def _reliability(p: ServiceParams, scn: Scenario | None
                 ) -> tuple[float | None, Distribution | None]:
    """``on_time_share`` and ``late_delay``: as given, else the named carrier group's in the
    scenario's year (:func:`~corridorsim.scenario.defaults.schedule_reliability`)."""
    year = int((scn.start_date if scn is not None else "2024")[:4])
    group = schedule_reliability(p.reliability, year) if p.reliability is not None else None
    on_time = p.on_time_share if p.on_time_share is not None else (
        group.on_time_share if group is not None else None)
    if on_time is None:
        if p.late_delay is not None:
            raise ScenarioError("services: late_delay needs on_time_share or a reliability "
                                "group (reliability: none switches late arrivals off)")
        return None, None
    late = p.late_delay
    if late is None:
        mean_d = group.late_mean_d if group is not None else schedule_reliability(
            "market", year).late_mean_d  # type: ignore[union-attr]
        late = Distribution(exponential=Exponential(mean_h=mean_d * 24.0))
    return float(on_time), late


def facility_spec(node: str, kind: str, scn: Scenario | None = None) -> FacilitySpec:
    """A facility: the kind's default, the node's sourced default (if it describes this kind
    of facility), then the scenario's overrides by kind and by node (later wins)."""
    over = scn.facilities if scn is not None else {}
    node_default = NODE_DEFAULTS.get(node)
    if node_default is not None and node_default.kind not in (None, kind):
        node_default = None
    base = FACILITY_DEFAULTS[kind].params
    assert isinstance(base, FacilityParams)
    node_params = node_default.params if node_default is not None else None
    assert node_params is None or isinstance(node_params, FacilityParams)
    p = _merge(base, node_params, over.get(kind), over.get(node))
    return FacilitySpec(
        kind=kind,
        servers=int(_required(p.servers, f"{kind}.servers")),
        service=p.service,
        handling_teu_per_h=p.handling_teu_per_h,
        dwell=p.dwell,
        yard_teu=p.yard_teu,
        open_hours=p.open_hours,
    )
