"""Shipper route choice: cargo segments, priors, nests (the ``choice:`` section)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from corridorsim.scenario.fields import MAX_D, FrozenModel, PosDays, UsdPerTeuDay

__all__ = ["ChoiceConfig", "ChoiceNest", "ChoiceSegment", "RoutePrior"]


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
    carbon_price_usd_per_t: Annotated[float, Field(ge=0, le=1e5, allow_inf_nan=False)] = 0.0
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
