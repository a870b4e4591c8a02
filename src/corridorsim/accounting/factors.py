"""Emission factors and cost tariffs shipped as package data.

Two CSV tables live in ``corridorsim/data``: ``emission_factors.csv`` and
``cost_tariffs.csv``. Every row has ``key, value, unit, source, year, version, note,
assumed``: ``source`` is a source id of ``corridor_facts.md`` (``S73`` = GLEC Framework
v3.0), ``assumed`` flags numbers that are modelling choices rather than published
figures, and ``note`` says why. The tables double as the assumptions table of the report.

Rates by year: ``cost_tariffs.csv`` has a further column ``rates_year``. A row with a
``rates_year`` holds that key's value for one year of rates (freight rates, calibration
targets, calibrated rail rates, the exchange rate); a row without one holds for every
year. :func:`load_tariffs` takes the rows of one year (:data:`DEFAULT_RATES_YEAR` unless
told), and its table keeps ``year`` (the year of the figure) and ``source``.

Overrides are applied on top of the shipped values; an unknown key raises
:class:`~corridorsim.errors.ScenarioError` with a did-you-mean suggestion. The one
open-ended families are ``grid_g_per_kwh_<ISO3>`` and ``rail_usd_per_feu_km_<ISO3>``: a
country the tables do not list may be added.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from types import MappingProxyType

import pandas as pd

from corridorsim.errors import ScenarioError

__all__ = [
    "COLUMNS",
    "DEFAULT_RATES_YEAR",
    "FactorTable",
    "assumptions_table",
    "cost_tariffs_table",
    "emission_factors_table",
    "load_factors",
    "load_tariffs",
    "rates_years",
]

COLUMNS = ("key", "value", "unit", "source", "year", "version", "note", "assumed")
#: The year of rates when a scenario names none: the year the shipped rail rates were
#: calibrated on (World Bank 2023 [S6]) and the last one before the Red Sea crisis, so a
#: scenario with Suez open is priced at rates of a year when ships sailed Suez.
DEFAULT_RATES_YEAR = 2023
_OPEN_KEYS = {
    "emission_factors": (re.compile(r"^grid_g_per_kwh_[A-Z]{3}$"), "g CO2e/kWh"),
    "cost_tariffs": (re.compile(r"^rail_usd_per_feu_km_[A-Z]{3}$"), "USD/FEU-km"),
}


@dataclass(frozen=True)
class FactorTable(Mapping[str, float]):
    """Read-only mapping ``key -> value`` plus the documented table behind it.

    Attributes
    ----------
    name
        Table name, ``"emission_factors"`` or ``"cost_tariffs"``.
    mapping
        Read-only mapping of key to value (units in each key's ``unit`` column).
    """

    name: str
    mapping: Mapping[str, float] = field(repr=False)
    _table: pd.DataFrame = field(repr=False)
    #: the year of rates the table holds (cost tariffs; None for emission factors)
    rates_year: int | None = None

    def __getitem__(self, key: str) -> float:
        try:
            return self.mapping[key]
        except KeyError:
            raise ScenarioError(_unknown_key_message(key, self.mapping, self.name)) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self.mapping)

    def __len__(self) -> int:
        return len(self.mapping)

    @property
    def table(self) -> pd.DataFrame:
        """Copy of the table (one row per key) with the overrides applied."""
        return self._table.copy()

    def with_prefix(self, prefix: str) -> dict[str, float]:
        """Entries whose key starts with ``prefix``, keyed by the remainder."""
        return {k[len(prefix) :]: v for k, v in self.mapping.items() if k.startswith(prefix)}


@cache
def _read(name: str) -> pd.DataFrame:
    resource = files("corridorsim") / "data" / f"{name}.csv"
    with resource.open("r", encoding="utf-8") as fh:
        table = pd.read_csv(fh, dtype={"source": str, "version": str, "note": str})
    missing = [c for c in COLUMNS if c not in table.columns]
    if missing:
        raise ScenarioError(f"{name}.csv: missing columns {missing}; expected {list(COLUMNS)}")
    if "rates_year" not in table.columns:
        table["rates_year"] = pd.NA
    table["rates_year"] = table["rates_year"].astype("Int64")
    dup = table.duplicated(["key", "rates_year"])
    if dup.any():
        raise ScenarioError(f"{name}.csv: duplicated keys {table.loc[dup, 'key'].tolist()}")
    table["value"] = table["value"].astype(float)
    table["assumed"] = table["assumed"].astype(str).str.lower().eq("true")
    return table[[*COLUMNS, "rates_year"]]


def rates_years() -> list[int]:
    """The years of rates ``cost_tariffs.csv`` holds."""
    return sorted(int(y) for y in _read("cost_tariffs")["rates_year"].dropna().unique())


def _of_year(name: str, year: int | None) -> pd.DataFrame:
    """The table's rows for one year of rates (``COLUMNS``): the year's own rows and the
    rows without a year, one per key."""
    table = _read(name)
    dated = table["rates_year"].notna()
    if not dated.any():
        return table[list(COLUMNS)].copy()
    years = rates_years()
    y = DEFAULT_RATES_YEAR if year is None else int(year)
    if y not in years:
        raise ScenarioError(f"accounting.rates_year: no rates for {y}; allowed: "
                            f"{', '.join(map(str, years))}")
    keep = ~dated | table["rates_year"].eq(y).fillna(False)
    out = table[keep.to_numpy(bool)]
    if not out["key"].is_unique:
        raise ScenarioError(f"{name}.csv: keys both dated and undated for {y}: "
                            f"{sorted(set(out.loc[out['key'].duplicated(), 'key']))}")
    return out[list(COLUMNS)].reset_index(drop=True)


def emission_factors_table() -> pd.DataFrame:
    """Shipped emission-factor table as a DataFrame (columns :data:`COLUMNS`)."""
    return _of_year("emission_factors", None)


def cost_tariffs_table(year: int | None = None) -> pd.DataFrame:
    """Shipped cost-tariff table of one year of rates (columns :data:`COLUMNS`; default
    :data:`DEFAULT_RATES_YEAR`)."""
    return _of_year("cost_tariffs", year)


def _unknown_key_message(key: str, known: Mapping[str, float] | pd.Index, name: str) -> str:
    keys = list(known)
    close = difflib.get_close_matches(key, keys, n=3, cutoff=0.6)
    hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    return f"unknown {name} key {key!r}.{hint} Allowed keys: {', '.join(sorted(keys))}"


def _build(name: str, overrides: Mapping[str, float] | None, year: int | None = None
           ) -> FactorTable:
    table = _of_year(name, year)
    if overrides:
        other = "cost_tariffs" if name == "emission_factors" else "emission_factors"
        known = set(table["key"])
        pattern, open_unit = _OPEN_KEYS[name]
        new_rows = []
        for key, raw in overrides.items():
            if key not in known and not pattern.match(str(key)):
                msg = _unknown_key_message(str(key), pd.Index(table["key"]), name)
                if key in set(_read(other)["key"]):
                    msg = f"{key!r} is a {other} key, not a {name} key. " + msg
                raise ScenarioError(msg)
            try:
                value = float(raw)
            except (TypeError, ValueError):
                raise ScenarioError(
                    f"override {key!r}: value {raw!r} is not a number; allowed: a finite "
                    "number >= 0"
                ) from None
            if not math.isfinite(value) or value < 0:
                raise ScenarioError(
                    f"override {key!r}: value {value!r} not allowed; allowed: a finite number >= 0"
                )
            if key in known:
                row = table["key"] == key
                old = table.loc[row, "value"].iloc[0]
                table.loc[row, "value"] = value
                table.loc[row, "note"] = table.loc[row, "note"] + f" [overridden; shipped {old:g}]"
                table.loc[row, "assumed"] = True
            else:
                new_rows.append(
                    {"key": key, "value": value, "unit": open_unit, "source": "override",
                     "year": pd.NA, "version": "scenario override",
                     "note": "added by scenario override", "assumed": True}
                )
        if new_rows:
            table = pd.concat([table, pd.DataFrame(new_rows)], ignore_index=True)
    values = MappingProxyType(dict(zip(table["key"], table["value"].astype(float), strict=True)))
    rates_year = None if name != "cost_tariffs" else (
        DEFAULT_RATES_YEAR if year is None else int(year))
    return FactorTable(name=name, mapping=values, _table=table, rates_year=rates_year)


def load_factors(overrides: Mapping[str, float] | None = None) -> FactorTable:
    """Load the emission-factor table, with optional overrides.

    Parameters
    ----------
    overrides
        ``key -> value`` replacing shipped values (same units as the table). Keys
        ``grid_g_per_kwh_<ISO3>`` may add a country.

    Returns
    -------
    FactorTable
        Read-only mapping; ``.table`` gives the documented DataFrame.

    Raises
    ------
    ScenarioError
        For an unknown key (with a did-you-mean) or a negative / non-numeric value.
    """
    return _build("emission_factors", overrides)


def load_tariffs(overrides: Mapping[str, float] | None = None, *, year: int | None = None
                 ) -> FactorTable:
    """Load the cost-tariff table of one year of rates (``year``, default
    :data:`DEFAULT_RATES_YEAR`; see :func:`rates_years`), with optional overrides (see
    :func:`load_factors`)."""
    return _build("cost_tariffs", overrides, year)


def assumptions_table(
    factors: FactorTable | None = None, tariffs: FactorTable | None = None
) -> pd.DataFrame:
    """Both tables stacked, with a ``table`` column, for the report's assumptions table."""
    parts = []
    for tab, default in ((factors, load_factors), (tariffs, load_tariffs)):
        obj = tab if tab is not None else default()
        t = obj.table
        t.insert(0, "table", obj.name)
        parts.append(t)
    return pd.concat(parts, ignore_index=True)
