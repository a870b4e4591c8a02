"""Accounting: GHG emissions (GLEC v3.0 / ISO 14083) and logistics cost of the routes.

Pipeline::

    segments, stops = route_tables(routes)       # route instances' stages (cape flagged)
    factors = load_factors(overrides)            # emission_factors.csv
    tariffs = load_tariffs(overrides)            # cost_tariffs.csv
    intens = stage_intensities(segments, stops, factors)
    costs = stage_costs(segments, stops, tariffs)
    legs = apply_emissions_to_legs(legs, intens, consignments=consignments)
    legs = apply_costs_to_legs(legs, costs, tariffs)
    summary = route_accounting(legs, consignments)
    pairs = break_even_cargo_value(summary)

Input tables: ``segments`` (route, stage_index, mode, service, sea_area, country,
traction, km, and optionally ``cape``: the segment's leg rounds the Cape of Good Hope, so
the Cape deep-sea factor and tariff apply), ``stops`` (route, stage_index, node, kind, transshipment, country),
``legs`` (consignment_id, route, stage_index, stage_kind, teu, start_h, end_h, moving_h,
waiting_h) and ``consignments`` (consignment_id, route, teu, created_h, delivered_h,
transit_h, reefer). Stages are keyed by ``(route, stage_kind, stage_index)`` where
``stage_kind`` is ``"leg"`` for segments and ``"stop"`` for stops. A run
(:mod:`corridorsim.accounting.pipeline`) keys ``route`` by route instance (family, origin
and destination), so every O–D pair of a family is accounted on its own.
"""

from corridorsim.accounting.cost import (
    apply_to_legs as apply_costs_to_legs,
)
from corridorsim.accounting.cost import (
    break_even_cargo_value,
    calibrate_rail_rates,
    stage_costs,
)
from corridorsim.accounting.emissions import (
    apply_to_legs as apply_emissions_to_legs,
)
from corridorsim.accounting.emissions import (
    intensity_breakdown,
    mass_basis_t_per_teu,
    route_country_emissions,
    stage_intensities,
)
from corridorsim.accounting.factors import (
    FactorTable,
    assumptions_table,
    cost_tariffs_table,
    emission_factors_table,
    load_factors,
    load_tariffs,
)
from corridorsim.accounting.footprint import route_accounting, shipment_footprint
from corridorsim.accounting.pipeline import route_tables

__all__ = [
    "FactorTable",
    "apply_costs_to_legs",
    "apply_emissions_to_legs",
    "assumptions_table",
    "break_even_cargo_value",
    "calibrate_rail_rates",
    "cost_tariffs_table",
    "emission_factors_table",
    "intensity_breakdown",
    "load_factors",
    "load_tariffs",
    "mass_basis_t_per_teu",
    "route_accounting",
    "route_country_emissions",
    "route_tables",
    "shipment_footprint",
    "stage_costs",
    "stage_intensities",
]
