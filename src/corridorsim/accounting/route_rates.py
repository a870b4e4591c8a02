"""Freight rate and emission intensity of a whole route, per TEU: what route choice weighs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from corridorsim.accounting.cost import stage_costs
from corridorsim.accounting.emissions import stage_intensities
from corridorsim.accounting.factors import load_factors, load_tariffs
from corridorsim.accounting.stages import route_tables, scenario_tariffs

if TYPE_CHECKING:
    from corridorsim.routing.instances import RouteInstance
    from corridorsim.scenario.model import Scenario

__all__ = ["ChoiceRates", "RouteRates", "choice_rates", "route_rates"]


@dataclass(frozen=True)
class RouteRates:
    """Freight USD/TEU (no inventory cost) and well-to-wheel t CO2e/TEU of one route."""

    freight_usd_per_teu: float
    co2e_t_per_teu: float


@dataclass(frozen=True)
class ChoiceRates:
    """Rates of every route of a run, with the scenario's tariffs and factors, and (when
    reference shares are calibrated) with the reference ones (``choice.reference``)."""

    scenario: Mapping[str, RouteRates]
    reference: Mapping[str, RouteRates] | None


def route_rates(scn: Scenario, inst: RouteInstance, *, reference: bool = False) -> RouteRates:
    """Priced at the scenario's year of rates and overrides (``accounting``); with
    ``reference=True`` at those in force when the reference shares were observed
    (``choice.reference``: its ``rates_year``, tariffs and emission factors)."""
    cfg = scn.accounting
    ref = scn.choice.reference
    tariffs = (load_tariffs(ref.tariffs or None, year=ref.rates_year) if reference
               else scenario_tariffs(scn))
    factors = load_factors((ref if reference else cfg).emission_factors or None)
    segs, stops = route_tables({inst.family: inst})  # flags legs rounding the Cape
    cost = float(stage_costs(segs, stops, tariffs)["cost_usd_per_teu"].sum())
    intens = stage_intensities(segs, stops, factors, cargo_t_per_teu=cfg.cargo_t_per_teu,
                               tare_t_per_teu=cfg.tare_t_per_teu, include_tare=cfg.include_tare)
    return RouteRates(cost, float(intens["co2e_wtw_kg_per_teu"].sum()) / 1000.0)


def choice_rates(scn: Scenario, routes: Mapping[str, RouteInstance]) -> ChoiceRates:
    cfg = scn.choice
    calibrated = bool(cfg.reference_shares) or any(
        p.reference_shares for p in cfg.segments.values())
    return ChoiceRates(
        scenario={k: route_rates(scn, inst) for k, inst in routes.items()},
        reference=({k: route_rates(scn, inst, reference=True) for k, inst in routes.items()}
                   if calibrated else None))
