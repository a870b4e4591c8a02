"""The accounting formulas: emissions and cost of an activity from per-stage unit values.

A stage's unit values (:mod:`~corridorsim.accounting.emissions`,
:mod:`~corridorsim.accounting.cost`) are per TEU, except the reefer plug power (per TEU-hour
at a stop). Every amount is linear in the activity::

    co2e_wtw = wtw x TEU + reefer_extra x reefer TEU + plug x reefer TEU-hours
    co2e_ttw = ttw x TEU + ttw_reefer_extra x reefer TEU
    cost     = cost x TEU + inventory,   inventory = value x rate x TEU-hours / 8760

(``value``: cargo value per TEU, ``rate``: carrying-cost rate per year). So the same two
functions give

* a leg row's amounts: its stage's unit values, its TEU and its hours in the stage;
* a stage's sums over many rows: the stage's unit values times the summed activity;
* a consignment's totals: its TEU is the same at every stage, so the unit values summed
  over its stages times its TEU (the plug, which depends on the hours at each stop, is
  summed with its hours: ``unit(PLUG)`` is then kg per reefer TEU and the reefer
  TEU-hours are the reefer TEU).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from corridorsim.units import HOURS_PER_YEAR

__all__ = ["CO2E_COLUMNS", "COST_COLUMNS", "COST_UNITS", "HOURS_PER_YEAR", "INTENSITY_UNITS",
           "LEG_COLUMNS", "PLUG", "Activity", "FloatArray", "Unit", "co2e_kg", "cost_usd",
           "leg_amounts"]

FloatArray = npt.NDArray[np.float64]
#: unit value column by name, for the entries at hand (rows, stages or consignments)
Unit = Callable[[str], FloatArray]

CO2E_PARTS = ("rail", "sea", "road", "hub")
COST_PARTS = ("rail", "sea", "road", "handling", "border")
#: reefer plug power at stops, kg CO2e per TEU-hour (zero on legs)
PLUG = "reefer_plug_wtw_kg_per_teu_h"
#: the unit values of a stage: intensities (kg CO2e per TEU; the plug per TEU-hour) ...
INTENSITY_UNITS = ["co2e_wtw_kg_per_teu", "co2e_ttw_kg_per_teu",
                   "co2e_wtw_kg_per_teu_reefer_extra", "co2e_ttw_kg_per_teu_reefer_extra", PLUG,
                   *(f"co2e_wtw_kg_per_teu_{p}" for p in CO2E_PARTS)]
#: ... and costs (USD per TEU, no inventory)
COST_UNITS = ["cost_usd_per_teu", *(f"cost_usd_per_teu_{p}" for p in COST_PARTS)]
#: the amounts summed per stage and per route
CO2E_COLUMNS = ["co2e_wtw_kg", "co2e_ttw_kg", *(f"co2e_wtw_kg_{p}" for p in CO2E_PARTS)]
COST_COLUMNS = ["cost_usd", *(f"cost_usd_{p}" for p in COST_PARTS), "cost_usd_inventory"]
#: the accounting columns of a leg row, in the order they are appended to the legs table
LEG_COLUMNS = [*CO2E_COLUMNS, *(f"cost_usd_{p}" for p in COST_PARTS), "cost_usd_inventory",
               "cost_usd"]


@dataclass(frozen=True)
class Activity:
    """What was carried: TEU and TEU-hours, and the same for reefer consignments
    (None: no reefer, the reefer terms are left out)."""

    teu: FloatArray
    teu_h: FloatArray
    reefer_teu: FloatArray | None = None
    reefer_teu_h: FloatArray | None = None


def co2e_kg(unit: Unit, act: Activity, *, parts: bool = True) -> dict[str, FloatArray]:
    """Emissions of ``act``, kg CO2e: WTW and TTW and (``parts``) WTW by component group
    (the reefer-lane uplift counted in ``_sea``, the plug in ``_hub``)."""
    teu = act.teu
    out = {"co2e_wtw_kg": unit("co2e_wtw_kg_per_teu") * teu,
           "co2e_ttw_kg": unit("co2e_ttw_kg_per_teu") * teu}
    if parts:
        for p in CO2E_PARTS:
            out[f"co2e_wtw_kg_{p}"] = unit(f"co2e_wtw_kg_per_teu_{p}") * teu
    if act.reefer_teu is not None and act.reefer_teu_h is not None:
        sea_extra = unit("co2e_wtw_kg_per_teu_reefer_extra") * act.reefer_teu
        plug = unit(PLUG) * act.reefer_teu_h
        out["co2e_wtw_kg"] = out["co2e_wtw_kg"] + sea_extra + plug
        out["co2e_ttw_kg"] = (out["co2e_ttw_kg"]
                              + unit("co2e_ttw_kg_per_teu_reefer_extra") * act.reefer_teu)
        if parts:
            out["co2e_wtw_kg_sea"] = out["co2e_wtw_kg_sea"] + sea_extra
            out["co2e_wtw_kg_hub"] = out["co2e_wtw_kg_hub"] + plug
    return out


def cost_usd(unit: Unit, act: Activity, inventory: tuple[float, float], *,
             parts: bool = True) -> dict[str, FloatArray]:
    """Cost of ``act``, USD: freight + inventory (``inventory``: cargo value per TEU and
    carrying-cost rate per year) and (``parts``) by component."""
    value, rate = inventory
    inv = value * rate * act.teu_h / HOURS_PER_YEAR
    out = {}
    if parts:
        for p in COST_PARTS:
            out[f"cost_usd_{p}"] = unit(f"cost_usd_per_teu_{p}") * act.teu
        out["cost_usd_inventory"] = inv
    out["cost_usd"] = unit("cost_usd_per_teu") * act.teu + inv
    return out


def leg_amounts(unit: Unit, act: Activity, inventory: tuple[float, float]
                ) -> dict[str, FloatArray]:
    """Every accounting column of :data:`LEG_COLUMNS` for ``act``."""
    return {**co2e_kg(unit, act), **cost_usd(unit, act, inventory)}
