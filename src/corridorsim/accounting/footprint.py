"""Route-level accounting summary and iLEAP/PACT ``ShipmentFootprint`` export.

:func:`route_accounting` turns the emissions and costs summed per stage (see
:mod:`corridorsim.accounting.formulas`) into one row per route, per TEU.

:func:`shipment_footprint` writes a dict shaped like the iLEAP ``ShipmentFootprint``
data model (SINE/Smart Freight Centre ``ileap-extension``, ``shipment-footprint.json``):
numbers are Decimal strings; ``mass`` in kg, ``distance`` in km, ``transportActivity`` in
tkm, ``co2eWTW`` / ``co2eTTW`` in kg CO2e. What we fill is *modelled* data from GLEC
default factors, not primary data: distances are model network km reported as ``sfd``
(shortest feasible distance, the basis of GLEC's sea factors), ``tocId`` / ``hocId`` are
left ``null`` because no TOC/HOC is exchanged, and origin/destination, dates, incoterms
and air pollutants are not filled.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from corridorsim.accounting.formulas import CO2E_COLUMNS, COST_COLUMNS
from corridorsim.errors import ScenarioError

__all__ = ["Footprint", "route_accounting", "shipment_footprint"]

#: an iLEAP ``ShipmentFootprint`` as a JSON object
Footprint = dict[str, Any]

def route_accounting(stage_sums: pd.DataFrame, route_stats: pd.DataFrame) -> pd.DataFrame:
    """Emissions and cost per TEU, one row per route.

    Parameters
    ----------
    stage_sums
        Rows (legs, or per-stage sums) with ``route`` and the amounts
        :data:`~corridorsim.accounting.formulas.CO2E_COLUMNS` and ``COST_COLUMNS`` of the
        consignments counted.
    route_stats
        ``route, teu, transit_h`` of the consignments counted: one row per consignment, or
        per route with the TEU-weighted mean transit.

    Returns
    -------
    DataFrame
        Indexed by nothing; columns ``route, teu, transit_days`` (TEU
        weighted), ``co2e_wtw_kg_per_teu``, ``co2e_ttw_kg_per_teu``,
        ``co2e_wtw_kg_per_teu_rail/_sea/_road/_hub``, ``cost_usd_per_teu`` (freight +
        inventory), ``freight_cost_usd_per_teu``, ``inventory_cost_usd_per_teu`` and
        ``cost_usd_per_teu_rail/_sea/_road/_handling/_border/_inventory``.
    """
    amounts = [*CO2E_COLUMNS, *COST_COLUMNS]
    missing = [c for c in ["route", *amounts] if c not in stage_sums.columns]
    if missing:
        raise ScenarioError(f"stage sums: missing columns {missing}")
    cons = route_stats
    teu = cons.groupby("route")["teu"].sum()
    weighted_h = (cons["transit_h"] * cons["teu"]).groupby(cons["route"]).sum()
    sums = stage_sums.groupby("route")[amounts].sum().reindex(teu.index, fill_value=0.0)
    per = sums.div(teu.replace(0.0, np.nan), axis=0)
    out = pd.DataFrame({
        "route": teu.index,
        "teu": teu.to_numpy(),
        "transit_days": (weighted_h / teu.replace(0.0, np.nan) / 24.0).to_numpy(),
    })
    for col in amounts:
        name = col.replace("_kg", "_kg_per_teu", 1) if col.startswith("co2e") \
            else col.replace("_usd", "_usd_per_teu", 1)
        out[name] = per[col].to_numpy()
    out["inventory_cost_usd_per_teu"] = out["cost_usd_per_teu_inventory"]
    out["freight_cost_usd_per_teu"] = out["cost_usd_per_teu"] - out["inventory_cost_usd_per_teu"]
    return out.reset_index(drop=True)


def _dec(x: float) -> str:
    """Format a number as an iLEAP Decimal string (``^-?\\d+(\\.\\d+)?$``)."""
    if not np.isfinite(x):
        raise ScenarioError(f"footprint: non-finite value {x!r}")
    s = f"{x:.6f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def _tce_rows(route_row: Mapping[str, float | str] | pd.Series, st: pd.DataFrame
              ) -> list[tuple[str, int, float, float, float]]:
    """(kind, stage index, km, WTW, TTW per TEU) of each stage in stage order, and of the
    time-dependent rest (index -1) if the route row holds more CO2e than the stages."""
    st = st.sort_values(["stage_index", "stage_kind"])
    rows = list(zip(st["stage_kind"], st["stage_index"], st["km"],
                    st["co2e_wtw_kg_per_teu"], st["co2e_ttw_kg_per_teu"], strict=True))
    extra = (float(route_row["co2e_wtw_kg_per_teu"]) - float(st["co2e_wtw_kg_per_teu"].sum()),
             float(route_row["co2e_ttw_kg_per_teu"]) - float(st["co2e_ttw_kg_per_teu"].sum()))
    if extra[0] > 1e-6:
        rows.append(("time-dependent", -1, 0.0, extra[0], max(extra[1], 0.0)))
    return rows


def shipment_footprint(
    route_row: Mapping[str, float | str] | pd.Series,
    stages: pd.DataFrame,
    *,
    shipment_id: str | None = None,
    teu: float = 1.0,
    cargo_t_per_teu: float = 10.0,
) -> Footprint:
    """iLEAP ``ShipmentFootprint`` for ``teu`` TEU sent on one route.

    Parameters
    ----------
    route_row
        A row of :func:`route_accounting` (needs ``route``, ``co2e_wtw_kg_per_teu``,
        ``co2e_ttw_kg_per_teu``).
    stages
        :func:`~corridorsim.accounting.emissions.stage_intensities` output; one TCE is
        written per stage of the route (moving legs and hub stops, in stage order).
    shipment_id
        Defaults to ``"corridorsim-<route>"``.
    teu
        Shipment size, TEU.
    cargo_t_per_teu
        Cargo mass per TEU for ``mass`` and ``transportActivity``, t.

    Returns
    -------
    dict
        ``{"shipmentId", "mass", "numberOfItems", "typeOfItems", "volume", "tces"}``; each
        TCE has ``tceId, prevTceIds, shipmentId, mass, distance {"sfd"},
        transportActivity, co2eWTW, co2eTTW, packagingOrTrEqType, tocId, hocId``. If the
        route row holds more CO2e than the static stages (reefer extras), the difference
        is reported in a final zero-distance TCE ``<shipmentId>-time-dependent``.
    """
    route = str(route_row["route"])
    sid = shipment_id if shipment_id is not None else f"corridorsim-{route}"
    mass_kg = teu * cargo_t_per_teu * 1000.0
    st = stages[stages["route"] == route]
    if st.empty:
        raise ScenarioError(f"footprint: route {route!r} has no stages; known: "
                            f"{sorted(stages['route'].unique())}")
    tces: list[dict[str, Any]] = []
    prev: str | None = None
    amount = int(teu) if float(teu).is_integer() else None
    for kind, idx, km, wtw, ttw in _tce_rows(route_row, st):
        tce_id = f"{sid}-{kind}" if idx == -1 else f"{sid}-{kind}-{int(idx)}"
        tces.append({
            "tceId": tce_id,
            "prevTceIds": [prev] if prev else None,
            "shipmentId": sid,
            "mass": _dec(mass_kg),
            "distance": {"sfd": _dec(km)},
            "transportActivity": _dec(mass_kg / 1000.0 * km),
            "co2eWTW": _dec(wtw * teu),
            "co2eTTW": _dec(ttw * teu),
            "packagingOrTrEqType": "Container",
            "packagingOrTrEqAmount": amount,
            "tocId": None,
            "hocId": None,
        })
        prev = tce_id
    return {"shipmentId": sid, "mass": _dec(mass_kg), "volume": None,
            "numberOfItems": _dec(teu), "typeOfItems": "TEU", "tces": tces}
