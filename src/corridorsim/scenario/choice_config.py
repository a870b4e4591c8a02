"""Shipper route choice: cargo segments, priors, nests (the ``choice:`` section)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from corridorsim.scenario.fields import MAX_D, FrozenModel, PosDays, UsdPerTeuDay

__all__ = ["ChoiceConfig", "ChoiceNest", "ChoiceReference", "ChoiceSegment", "ReferenceSegment",
           "RoutePrior"]

CarbonPrice = Annotated[float, Field(ge=0, le=1e5, allow_inf_nan=False)]
UsdPerTeu = Annotated[float, Field(ge=0, le=1e6, allow_inf_nan=False)]
TableOverrides = dict[str, Annotated[float, Field(ge=0, le=1e8, allow_inf_nan=False)]]


class ChoiceSegment(FrozenModel):
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
    carbon_price_usd_per_t: CarbonPrice = 0.0
    scale_usd: Annotated[float, Field(gt=0, le=1e6, allow_inf_nan=False)] = 300.0
    #: this segment's own reference shares (else ``choice.reference_shares``)
    reference_shares: dict[str, Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)]] | None = None


class RoutePrior(FrozenModel):
    """Transit expected before any delivery has been observed (days, door to door)."""

    p50_d: PosDays
    p90_d: PosDays

    @model_validator(mode="after")
    def _order(self) -> RoutePrior:
        if self.p90_d < self.p50_d:
            raise ValueError(f"p90_d ({self.p90_d}) must be >= p50_d ({self.p50_d})")
        return self


class ReferenceSegment(FrozenModel):
    """What shippers of one segment weighed when the reference shares were observed.

    Unset values are the segment's own (value of time, reliability) or
    ``choice.reference.carbon_price_usd_per_t`` (carbon price).
    """

    value_of_time_usd_per_teu_day: UsdPerTeuDay | None = None
    reliability_usd_per_teu_day: UsdPerTeuDay | None = None
    carbon_price_usd_per_t: CarbonPrice | None = None


class ChoiceReference(FrozenModel):
    """The conditions under which ``reference_shares`` were observed.

    The route constants are calibrated once, here; the scenario's own levers (carbon price,
    tariffs and emission factors, value of time, reliability, ``subsidy_usd_per_teu``) then
    move shares away from the reference shares. Defaults: no carbon price, the shipped
    tariffs of the default year of rates and the shipped emission factors (``tariffs`` /
    ``emission_factors`` override keys of them, as ``accounting.tariffs`` does), each segment's own value of time and reliability, and
    each route's usual transit prior (``choice.initial``, else the built-in one).
    """

    carbon_price_usd_per_t: CarbonPrice = 0.0
    #: year of the shipped rates (``data/cost_tariffs.csv``); None: the default year, as
    #: ``accounting.rates_year`` defaults to
    rates_year: Annotated[int, Field(ge=1900, le=2100)] | None = None
    tariffs: TableOverrides = Field(default_factory=dict)
    emission_factors: TableOverrides = Field(default_factory=dict)
    segments: dict[str, ReferenceSegment] = Field(default_factory=dict)
    initial: dict[str, RoutePrior] = Field(default_factory=dict)


class ChoiceNest(FrozenModel):
    """Routes that are close substitutes (nested logit); ``dissimilarity`` 1 = plain logit."""

    routes: tuple[str, ...]
    dissimilarity: Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)] = 1.0


class ChoiceConfig(FrozenModel):
    """Shipper route choice for demand rows without ``route``.

    Every week the bookings of the coming week choose a route family by a (nested) logit
    over generalised cost (:class:`ChoiceSegment`). Expected transit (mean) and spread
    (p90 - p50) come from consignments *delivered* in the window
    ``[now - lag_d - window_d, now - lag_d]``; with fewer than ``min_observations`` the
    ``initial`` prior is blended in. Closed routes (a ``route:`` closure or a closed
    chokepoint, sea area, link or node on the route) get no bookings; ``capacity_teu_per_week``
    caps a route family's weekly bookings (the overflow re-chooses among the others).
    ``reference_shares`` calibrates alternative-specific constants so that these shares
    result under the ``reference`` conditions (:class:`ChoiceReference`); ``asc_usd_per_teu``
    adds constants directly. ``subsidy_usd_per_teu`` lowers a route's generalised cost in
    the scenario (not at the reference): a policy lever of route choice only, not a change
    of the accounted freight cost.
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
    reference: ChoiceReference = Field(default_factory=ChoiceReference)
    subsidy_usd_per_teu: dict[str, UsdPerTeu] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _nests_disjoint_known_segments(self) -> ChoiceConfig:
        seen: set[str] = set()
        for name, nest in self.nests.items():
            dup = seen & set(nest.routes)
            if dup:
                raise ValueError(f"nests.{name}: route(s) {sorted(dup)} already in another nest")
            seen |= set(nest.routes)
        unknown = sorted(set(self.reference.segments) - set(self.segments))
        if unknown:
            raise ValueError(f"reference.segments: {unknown} not among segments "
                             f"{sorted(self.segments)}")
        return self
