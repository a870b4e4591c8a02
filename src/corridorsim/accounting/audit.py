"""The emissions audit trail (``emissions_audit.csv``): every factor applied, redoable by hand.

One row per route instance, stage and factor application (a leg with electric and diesel
km in two countries has four), dry TEU, per TEU:

    wtw_kg_per_teu = activity_per_teu x factor_value x factor_scale x unit_to_kg

``activity_per_teu`` is t·km (``km x mass_basis_t_per_teu``) for tonne-km factors, TEU·km
(``km``) for GLEC's container lanes, t (the mass basis) for a hub lift per tonne and 1 TEU
for a port terminal lift per container; ``factor_scale`` is ``mass_basis / 10`` for
GLEC's per-TEU factors (given at 10 t/TEU), else 1. TTW is written the same way
(``ttw_rule``). The WTW and TTW columns are the values the run used (from
:func:`~corridorsim.accounting.emissions.intensity_breakdown`); the factor columns say
where they come from. Stages without an emission factor (a stop where the box is not
lifted) have a row with ``factor_key`` ``none`` and zero. Reefer extras (lane uplift, plug
power by the hour) depend on the consignment and are not in the audit.

ISO 14083 element: a leg is a *transport chain element* (transport operation category:
mode and service), a stop a *hub operation* (hub operation category: the stop's kind).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from corridorsim.accounting.emissions import mass_basis_t_per_teu
from corridorsim.accounting.factors import FactorTable

if TYPE_CHECKING:
    from corridorsim.accounting.stages import AccountingInputs

__all__ = ["AUDIT_COLUMNS", "GLEC_VERSION", "emissions_audit"]

#: the GLEC Framework version of every GLEC default factor used (T-M2: pin and show it)
GLEC_VERSION = "GLEC Framework v3.0 (revision 02-04-2024) [S73]"
AUDIT_COLUMNS = [
    "route", "origin", "destination", "stage_index", "stage_kind", "place",
    "iso14083_element", "iso14083_category", "mode", "service", "country", "component",
    "km", "mass_basis_t_per_teu", "activity_per_teu", "activity_unit", "factor_key",
    "factor_value", "factor_unit", "factor_scale", "unit_to_kg", "factor_table",
    "factor_source", "glec_version", "wtw_kg_per_teu", "ttw_rule", "ttw_kg_per_teu"]

# sea service -> (WTW key, per TEU-km (GLEC lane) or per tkm, TTW share key)
_SEA = {"deep_sea": ("sea_deep_sea_wtw_g_per_teu_km", True, "sea_container_ttw_share"),
        "caspian_feeder": ("sea_caspian_feeder_wtw_g_per_teu_km", True,
                           "sea_container_ttw_share"),
        "black_sea_feeder": ("sea_black_sea_feeder_wtw_g_per_teu_km", True,
                             "sea_container_ttw_share"),
        "lake_van_ferry": ("sea_train_ferry_wtw_g_per_tkm", False, "sea_ropax_ttw_share")}


def _leg_factor(row: dict[str, Any], f: FactorTable, m: float) -> dict[str, Any]:
    """Factor key, value, unit, scale, activity and TTW rule of one leg row."""
    km, comp = float(row["km"]), str(row["component"])
    tkm = {"activity_per_teu": km * m, "activity_unit": "t·km", "factor_scale": 1.0,
           "unit_to_kg": 1e-3, "factor_unit": "g CO2e/tkm"}
    if comp == "rail_electric":
        c = str(row["country"])
        kwh, loss, grid = (f["rail_electric_kwh_per_tkm"], f["rail_electric_loss_factor"],
                           f[f"grid_g_per_kwh_{c}"])
        return {**tkm, "factor_key": f"rail_electric_kwh_per_tkm x rail_electric_loss_factor"
                                     f" x grid_g_per_kwh_{c}",
                "factor_value": kwh * loss * grid,
                "ttw_rule": f"electric: TTW 0 ({kwh:g} kWh/tkm x {loss:g} x {grid:g} g/kWh)"}
    if comp in ("rail_diesel", "road"):
        base = "rail_diesel" if comp == "rail_diesel" else "road"
        ttw = f[f"{base}_ttw_g_per_tkm"]
        return {**tkm, "factor_key": f"{base}_wtw_g_per_tkm", "factor_value": f[f"{base}_wtw_g_per_tkm"],
                "ttw_rule": f"activity x {base}_ttw_g_per_tkm ({ttw:g} g/tkm) / 1000"}
    key, per_teu, share = _SEA[str(row["service"])]
    if row["service"] == "deep_sea" and bool(row.get("cape", False)):
        key = "sea_deep_sea_cape_wtw_g_per_teu_km"
    rule = f"WTW x {share} ({f[share]:g})"
    if not per_teu:
        return {**tkm, "factor_key": key, "factor_value": f[key], "ttw_rule": rule}
    return {"activity_per_teu": km, "activity_unit": "TEU·km", "factor_key": key,
            "factor_value": f[key], "factor_unit": "g CO2e/TEU-km (at 10 t/TEU)",
            "factor_scale": m / f["glec_reference_t_per_teu"], "unit_to_kg": 1e-3,
            "ttw_rule": rule}


def _stop_factor(row: dict[str, Any], f: FactorTable, m: float) -> dict[str, Any]:
    rule = f"WTW x hub_ttw_share ({f['hub_ttw_share']:g})"
    if not row["transshipment"]:
        return {"activity_per_teu": 0.0, "activity_unit": "", "factor_key": "none",
                "factor_value": 0.0, "factor_unit": "", "factor_scale": 1.0, "unit_to_kg": 1.0,
                "ttw_rule": "not lifted: no hub emissions"}
    if row["kind"] == "port":
        return {"activity_per_teu": 1.0, "activity_unit": "TEU",
                "factor_key": "hub_port_terminal_wtw_kg_per_teu",
                "factor_value": f["hub_port_terminal_wtw_kg_per_teu"],
                "factor_unit": "kg CO2e/container (at 10 t/TEU)",
                "factor_scale": m / f["glec_reference_t_per_teu"], "unit_to_kg": 1.0,
                "ttw_rule": rule}
    return {"activity_per_teu": m, "activity_unit": "t",
            "factor_key": "hub_transshipment_wtw_kg_per_t",
            "factor_value": f["hub_transshipment_wtw_kg_per_t"], "factor_unit": "kg CO2e/t",
            "factor_scale": 1.0, "unit_to_kg": 1.0, "ttw_rule": rule}


def _provenance(key: str, f: FactorTable) -> tuple[str, str]:
    """(factor table: the CSV's version column, source ids) of a factor key (composite
    keys: each part's)."""
    table = f.table.set_index("key")
    parts = [k for k in key.split(" x ") if k in table.index]
    return ("; ".join(dict.fromkeys(str(table.at[k, "version"]) for k in parts)),
            "; ".join(dict.fromkeys(str(table.at[k, "source"]) for k in parts)))


def emissions_audit(inputs: AccountingInputs) -> pd.DataFrame:
    """The audit rows of every stage of the run's route instances (columns
    :data:`AUDIT_COLUMNS`), ordered by route family, origin, destination and stage."""
    cfg, f = inputs.cfg, inputs.factors
    m = mass_basis_t_per_teu(f, cargo_t_per_teu=cfg.cargo_t_per_teu,
                             tare_t_per_teu=cfg.tare_t_per_teu, include_tare=cfg.include_tare)
    seg = inputs.segments.drop_duplicates(["route", "stage_index"]).set_index(
        ["route", "stage_index"])
    stops = inputs.stops.drop_duplicates(["route", "stage_index"]).set_index(
        ["route", "stage_index"])
    rows = []
    for rec in inputs.breakdown.to_dict("records"):
        r = {str(k): v for k, v in rec.items()}
        key = (r["route"], r["stage_index"])
        leg = r["stage_kind"] == "leg"
        if not leg and key in seg.index:
            continue  # a waypoint inside a leg: no hub operation (its border fee is a cost)
        info = {str(k): v for k, v in (seg if leg else stops).loc[key].to_dict().items()}
        fac = _leg_factor({**info, **r}, f, m) if leg else _stop_factor(info, f, m)
        table, source = _provenance(str(fac["factor_key"]), f)
        fam, o, d = inputs.instances[str(r["route"])]
        rows.append({
            "route": fam, "origin": o, "destination": d, "stage_index": r["stage_index"],
            "stage_kind": r["stage_kind"],
            "place": inputs.stage_labels.get(key, ""),
            "iso14083_element": "transport chain element" if leg else "hub operation",
            "iso14083_category": (f"{r['mode']} {info['service']}" if leg
                                  else f"{info['kind']}{' (lift)' if info['transshipment'] else ''}"),
            "mode": r["mode"], "service": info["service"] if leg else "",
            "country": r["country"], "component": r["component"], "km": r["km"],
            "mass_basis_t_per_teu": m, **fac, "factor_table": table, "factor_source": source,
            "glec_version": GLEC_VERSION if "S73" in source else "not a GLEC default",
            "wtw_kg_per_teu": r["co2e_wtw_kg_per_teu"],
            "ttw_kg_per_teu": r["co2e_ttw_kg_per_teu"]})
    out = pd.DataFrame(rows, columns=AUDIT_COLUMNS)
    return out.sort_values(["route", "origin", "destination", "stage_index", "stage_kind"],
                           kind="stable").reset_index(drop=True)
