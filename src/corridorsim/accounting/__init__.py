"""Accounting: GHG emissions (GLEC v3.0 / ISO 14083) and logistics cost of the routes.

Static inputs, per route (instance)::

    segments, stops = route_tables(routes)       # route instances' stages (cape flagged)
    factors = load_factors(overrides)            # emission_factors.csv
    tariffs = load_tariffs(overrides, year=2024) # cost_tariffs.csv, one year of rates
    intens = stage_intensities(segments, stops, factors)   # kg CO2e per TEU of each stage
    costs = stage_costs(segments, stops, tariffs)          # USD per TEU of each stage

A run (:func:`corridorsim.accounting.pipeline.account_records`) applies the formulas of
:mod:`corridorsim.accounting.formulas` (amounts = unit values x TEU, TEU-hours, reefer
TEU, reefer TEU-hours) to the engine's records: per consignment, per stage and, for a legs
table, per row. The per-stage sums give the per-route summary
(:func:`route_accounting`), the emissions by country (:func:`route_country_emissions`),
the iLEAP footprints (:func:`shipment_footprint`) and the break-even cargo values
(:func:`break_even_cargo_value`).

Input tables: ``segments`` (route, stage_index, mode, service, sea_area, country,
traction, km, and optionally ``cape``: the segment's leg rounds the Cape of Good Hope, so
the Cape deep-sea factor and tariff apply), ``stops`` (route, stage_index, node, kind,
transshipment, country). Stages are keyed by ``(route, stage_kind, stage_index)`` where
``stage_kind`` is ``"leg"`` for segments and ``"stop"`` for stops. A run keys ``route`` by
route instance (family, origin and destination), so every O–D pair of a family is
accounted on its own.
"""

from corridorsim.accounting.break_even import break_even_cargo_value
from corridorsim.accounting.cost import calibrate_rail_rates, stage_costs
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
    rates_years,
)
from corridorsim.accounting.footprint import route_accounting, shipment_footprint
from corridorsim.accounting.stages import route_tables

__all__ = [
    "FactorTable",
    "assumptions_table",
    "break_even_cargo_value",
    "calibrate_rail_rates",
    "cost_tariffs_table",
    "emission_factors_table",
    "intensity_breakdown",
    "load_factors",
    "load_tariffs",
    "mass_basis_t_per_teu",
    "rates_years",
    "route_accounting",
    "route_country_emissions",
    "route_tables",
    "shipment_footprint",
    "stage_costs",
    "stage_intensities",
]
