"""Empty containers: who pays for bringing the boxes back.

China–Europe flows are unbalanced; a loaded TEU one way that finds no load back returns
empty, and the shipper pays for that trip. Per route (family × O/D):

- when the run simulates the same family in the other direction, the **empty return share**
  is ``max(0, 1 − TEU back ÷ TEU out)`` over the consignments the statistics count;
- otherwise the scenario's ``accounting.empty_return_share`` of the family, if given;
- otherwise nothing is charged (``empty_basis: not costed``; the report says so).

An empty TEU's trip back is charged at the freight of the return route when the run has it,
else at the route's own freight (the same path reversed; backhaul discounts left out —
assumed), and emits its mode emissions scaled by tare ÷ (cargo + tare) (an empty box
weighs its tare, 2 t per TEU, S73; hub emissions left out — assumed). Both are added to the
route's totals and shown apart: ``empty_return_share``, ``empty_basis``,
``cost_usd_per_teu_empty``, ``co2e_wtw_kg_per_teu_empty``.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from corridorsim.scenario.model import AccountingConfig

__all__ = ["EMPTY_BASES", "add_empty_returns"]

#: how a route's empty return share was found
EMPTY_BASES = ("run flows", "stated", "not costed")

MODE_COLUMNS = ("co2e_wtw_kg_per_teu_rail", "co2e_wtw_kg_per_teu_sea",
                "co2e_wtw_kg_per_teu_road")


def add_empty_returns(summary: pd.DataFrame, instances: Mapping[str, tuple[str, str, str]],
                      cfg: AccountingConfig) -> pd.DataFrame:
    """The per-route summary (``route`` = route instance key, with ``teu``) with the empty
    return columns, and the empties added to ``cost_usd_per_teu``,
    ``freight_cost_usd_per_teu`` and ``co2e_wtw_kg_per_teu``."""
    out = summary.copy()
    by_inst = {instances[k]: i for i, k in enumerate(out["route"]) if k in instances}
    teu = out["teu"].to_numpy(float) if "teu" in out else np.zeros(len(out))
    freight = out["freight_cost_usd_per_teu"].to_numpy(float)
    mass = cfg.tare_t_per_teu / max(cfg.cargo_t_per_teu + cfg.tare_t_per_teu, 1e-9)
    mode_co2 = sum((out[c].to_numpy(float) for c in MODE_COLUMNS if c in out),
                   np.zeros(len(out)))
    share = np.zeros(len(out))
    basis = np.full(len(out), "not costed", dtype=object)
    cost = np.zeros(len(out))
    co2 = np.zeros(len(out))
    for i, key in enumerate(out["route"]):
        fam, o, d = instances.get(str(key), ("", "", ""))
        back = by_inst.get((fam, d, o))
        if back is not None and teu[i] > 0:
            share[i], basis[i] = max(0.0, 1.0 - teu[back] / teu[i]), "run flows"
        elif fam in cfg.empty_return_share:
            share[i], basis[i] = float(cfg.empty_return_share[fam]), "stated"
        else:
            continue
        way_back = back if back is not None else i
        cost[i] = share[i] * freight[way_back]
        co2[i] = share[i] * mode_co2[way_back] * mass
    out["empty_return_share"] = np.round(share, 6)
    out["empty_basis"] = basis
    out["cost_usd_per_teu_empty"] = cost
    out["co2e_wtw_kg_per_teu_empty"] = co2
    out["cost_usd_per_teu"] = out["cost_usd_per_teu"] + cost
    out["freight_cost_usd_per_teu"] = out["freight_cost_usd_per_teu"] + cost
    out["co2e_wtw_kg_per_teu"] = out["co2e_wtw_kg_per_teu"] + co2
    return out
