"""Per-route results of a run's accounting: summary columns, extra tables, footprints.

Input: the amounts summed per stage over the consignments the statistics count, and per
route instance their TEU and transit (see :func:`route_results`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from corridorsim.accounting.audit import emissions_audit
from corridorsim.accounting.break_even import break_even_cargo_value
from corridorsim.accounting.emissions import route_country_emissions
from corridorsim.accounting.empties import add_empty_returns
from corridorsim.accounting.footprint import Footprint, route_accounting, shipment_footprint
from corridorsim.accounting.stages import AccountingInputs
from corridorsim.errors import ScenarioError

__all__ = ["route_results", "str_array"]

Instances = Mapping[str, tuple[str, str, str]]


def str_array(values: Sequence[str]) -> pd.api.extensions.ExtensionArray:
    """Strings with the dtype of the tables' string columns (``results._str_column``)."""
    return pd.array(values, dtype=pd.StringDtype("pyarrow", na_value=np.nan))


def _instance_columns(df: pd.DataFrame, instances: Instances, col: str = "route"
                      ) -> pd.DataFrame:
    """``df`` with the instance key in ``col`` replaced by the family and ``origin``,
    ``destination`` inserted right after it; rows ordered by (family, origin,
    destination), each instance's rows in their order."""
    keys = df[col].astype(str).tolist()
    unknown = sorted(set(keys) - set(instances))
    if unknown:
        raise ScenarioError(f"accounting: unknown route instance(s) {unknown[:5]}")
    triples = [instances[k] for k in keys]
    rank = {t: i for i, t in enumerate(sorted(set(triples)))}
    out = df.copy()
    at = list(out.columns).index(col)
    out[col] = str_array([t[0] for t in triples])
    out.insert(at + 1, "origin", str_array([t[1] for t in triples]))  # type: ignore[arg-type]
    out.insert(at + 2, "destination",
               str_array([t[2] for t in triples]))  # type: ignore[arg-type]
    order = np.argsort(np.array([rank[t] for t in triples], dtype=np.int64), kind="stable")
    return out.iloc[order].reset_index(drop=True)


def _break_even(summary: pd.DataFrame, inputs: AccountingInputs) -> pd.DataFrame | None:
    """:func:`break_even_cargo_value` between the routes of each origin–destination pair
    (``route_a, route_b, origin, destination, break_even_value_usd_per_teu``); None when
    no pair has two routes."""
    parts = []
    pairs = summary[["origin", "destination"]].astype(str).itertuples(index=False)
    for (o, d) in dict.fromkeys(tuple(p) for p in pairs):
        same = summary[(summary["origin"] == o) & (summary["destination"] == d)]
        if len(same) < 2:
            continue
        be = break_even_cargo_value(
            same, inventory_rate_per_year=inputs.cfg.inventory_rate_per_year,
            tariffs=inputs.tariffs)
        be.insert(2, "origin", str_array([o] * len(be)))  # type: ignore[arg-type]
        be.insert(3, "destination", str_array([d] * len(be)))  # type: ignore[arg-type]
        parts.append(be)
    if not parts:
        return None
    out = pd.concat(parts, ignore_index=True)
    for c in ("reason", "cheaper_below", "cheaper_above"):
        out[c] = str_array(out[c].astype(str).tolist())
    fx = usd_per_currency(inputs)
    if fx is not None:
        at = list(out.columns).index("break_even_value_usd_per_teu") + 1
        out.insert(at, "break_even_value_eur_per_teu", out["break_even_value_usd_per_teu"] / fx)
    return out


def usd_per_currency(inputs: AccountingInputs) -> float | None:
    """US dollars per unit of the scenario's ``accounting.currency`` (None for USD): the
    rates year's ``usd_per_eur`` of the tariffs."""
    if inputs.cfg.currency == "USD":
        return None
    return float(inputs.tariffs["usd_per_eur"])


def _currency_columns(summary: pd.DataFrame, inputs: AccountingInputs) -> pd.DataFrame:
    """``rates_year`` after the cost columns, and with ``currency: EUR`` ``usd_per_eur``
    and every cost column again in euros (``_usd_`` -> ``_eur_``)."""
    out = summary.copy()
    cost = [c for c in out.columns if "_usd_per_teu" in c]
    at = list(out.columns).index(cost[-1]) + 1 if cost else len(out.columns)
    fx = usd_per_currency(inputs)
    new: dict[str, Any] = {"rates_year": inputs.tariffs.rates_year}
    if fx is not None:
        new["usd_per_eur"] = fx
        new.update({c.replace("_usd_per_teu", "_eur_per_teu"): out[c] / fx for c in cost})
    for i, (name, values) in enumerate(new.items()):
        out.insert(at + i, name, values)
    return out


def _footprints(summary: pd.DataFrame, inputs: AccountingInputs) -> dict[str, Footprint]:
    """iLEAP footprint of each route instance with stages and a finite CO2e, keyed by
    route instance key (the shipment id names the O–D pair when there are several)."""
    instances, intens = inputs.instances, inputs.intens
    several = len({(o, d) for _, o, d in instances.values()}) > 1
    out: dict[str, Footprint] = {}
    for row in summary.to_dict("records"):
        key = str(row["route"])
        stages = intens[intens["route"] == key]
        if not stages.empty and np.isfinite(row.get("co2e_wtw_kg_per_teu", np.nan)):
            fam, o, d = instances[key]
            sid = f"corridorsim-{fam}-{o}-{d}" if several else f"corridorsim-{fam}"
            out[key] = shipment_footprint({str(k): v for k, v in row.items()}, stages,
                                          shipment_id=sid,
                                          cargo_t_per_teu=float(inputs.cfg.cargo_t_per_teu))
    return out


def route_results(inputs: AccountingInputs, stage_sums: pd.DataFrame, route_stats: pd.DataFrame
                  ) -> tuple[pd.DataFrame, dict[str, pd.DataFrame], dict[str, Footprint]]:
    """Per-route summary, extra tables and footprints.

    ``stage_sums``: the amounts (``CO2E_COLUMNS``, ``COST_COLUMNS``) and ``teu`` summed per
    ``(route, stage_kind, stage_index)`` over the consignments the statistics count;
    ``route_stats``: their ``route, teu, transit_h`` (one row per consignment, or per
    route with the TEU-weighted mean transit). ``route`` is the route instance key.

    The summary and the tables have ``route`` (family), ``origin`` and ``destination``;
    footprints are keyed by route instance key. Break-even values compare the routes of
    one origin–destination pair only."""
    instances = inputs.instances
    summary = add_empty_returns(route_accounting(stage_sums, route_stats), instances,
                                inputs.cfg)
    by_country = route_country_emissions(stage_sums, inputs.breakdown, route_stats)
    if not by_country.empty:
        wide = by_country.pivot_table(index="route", columns="country",
                                      values="co2e_wtw_kg_per_teu", aggfunc="sum", fill_value=0.0)
        wide.columns = [f"co2e_wtw_kg_per_teu_{c or 'international_waters'}" for c in wide.columns]
        summary = summary.merge(wide.reset_index(), on="route", how="left")
    footprints = _footprints(summary, inputs)
    summary = _currency_columns(_instance_columns(summary, instances), inputs)
    tables: dict[str, pd.DataFrame] = {
        "emissions_by_country.csv": _instance_columns(by_country, instances),
        "emissions_audit.csv": emissions_audit(inputs)}
    be = _break_even(summary, inputs)
    if be is not None:
        tables["break_even.csv"] = be
    summary = summary[[c for c in summary.columns if c not in {"teu", "transit_days"}]]
    return summary, tables, footprints
