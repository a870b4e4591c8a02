"""A run with several origin–destination pairs: one summary row (and one row of every
per-route table) per route family and O/D pair, never lumped by family."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from corridorsim.analysis.compare import delta_table
from corridorsim.outputs import write_run
from corridorsim.result import RunResult
from corridorsim.run import run_scenario
from corridorsim.scenario.load import scenario_from_dict
from corridorsim.viz import write_map, write_report

XIY, CKG, DUI = "CN_XIY", "CN_CKG", "DE_DUI"
INSTANCES = [("middle_corridor", XIY, DUI), ("middle_corridor", CKG, DUI),
             ("northern", CKG, DUI)]


def two_pairs(**update: Any) -> Any:
    return scenario_from_dict({
        "name": "two_pairs", "seed": 11, "horizon_d": 60, "warmup_d": 10,
        "start_date": "2024-01-01", "routes": ["middle_corridor", "northern"],
        "demand": [
            {"route": "middle_corridor", "origin": XIY, "destination": DUI, "teu_per_week": 300},
            {"route": "northern", "origin": CKG, "destination": DUI, "teu_per_week": 400},
            {"route": "middle_corridor", "origin": CKG, "destination": DUI, "teu_per_week": 200},
        ], **update})


@pytest.fixture(scope="module")
def res(network: Any) -> RunResult:
    return run_scenario(two_pairs(), network=network)


@pytest.fixture(scope="module")
def run_dir(res: RunResult, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("pairs") / "run"
    write_run(res, out, extras=[write_map, write_report])
    return out


def _rows(df: pd.DataFrame) -> list[tuple[str, str, str]]:
    return list(df[["route", "origin", "destination"]].itertuples(index=False, name=None))


def test_one_summary_row_per_family_and_pair(res: RunResult, run_dir: Path) -> None:
    s = pd.read_csv(run_dir / "summary.csv")
    assert list(s.columns[:3]) == ["route", "origin", "destination"]
    # the scenario's routes, then O/D pairs in the order the demand names them
    assert _rows(s) == INSTANCES
    assert _rows(res.summary) == INSTANCES
    assert s["consignments"].gt(0).all()


def test_pairs_of_one_family_are_not_lumped(res: RunResult) -> None:
    s = res.summary.set_index(["route", "origin", "destination"])
    a, b = s.loc[("middle_corridor", XIY, DUI)], s.loc[("middle_corridor", CKG, DUI)]
    for col in ("teu_created", "transit_days_mean", "co2e_wtw_kg_per_teu", "cost_usd_per_teu",
                "co2e_wtw_kg_per_teu_CHN"):
        assert a[col] != b[col], col
    # Chongqing is farther inland than Xi'an: more Chinese rail km, more CO2e in China
    assert b["co2e_wtw_kg_per_teu_CHN"] > a["co2e_wtw_kg_per_teu_CHN"]
    # the table-based summary of the consignments (tests/oracles.py) gives the same rows
    from oracles import route_summary

    table = route_summary(res.consignments, INSTANCES)
    pd.testing.assert_frame_equal(res.summary[table.columns], table, rtol=1e-6)


def test_pair_teu_add_up_to_the_run_totals(res: RunResult, run_dir: Path) -> None:
    s = pd.read_csv(run_dir / "summary.csv")
    info = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
    for col in ("teu_created", "teu_delivered", "teu_in_system"):
        assert s[col].sum() == pytest.approx(info[col], abs=1e-6), col
    c = res.consignments
    per = c.groupby(["route", "origin", "destination"])["teu"].sum()
    for key, row in s.set_index(["route", "origin", "destination"]).iterrows():
        assert per[key] == pytest.approx(row["teu_created"]), key


def test_accounting_tables_per_pair(res: RunResult, run_dir: Path) -> None:
    by_country = pd.read_csv(run_dir / "emissions_by_country.csv", keep_default_na=False)
    assert list(by_country.columns[:4]) == ["route", "origin", "destination", "country"]
    assert sorted(set(_rows(by_country))) == sorted(INSTANCES)
    # break-even compares routes of the same O/D pair only: XIY has one route, CKG two
    be = pd.read_csv(run_dir / "break_even.csv")
    assert list(be.columns) == ["route_a", "route_b", "origin", "destination",
                                "break_even_value_usd_per_teu", "reason", "cheaper_below",
                                "cheaper_above"]
    assert next(be.itertuples(index=False, name=None))[:4] == (
        "middle_corridor", "northern", CKG, DUI)
    assert len(be) == 1
    doc = json.loads((run_dir / "footprints.json").read_text(encoding="utf-8"))
    ids = [f["shipmentId"] for f in doc["shipmentFootprints"]]
    assert len(ids) == len(set(ids)) == 3
    assert [(r["route"], r["origin"], r["destination"]) for r in doc["routes"]] == sorted(INSTANCES)
    assert [r["shipmentId"] for r in doc["routes"]] == ids


def test_saturation_columns_per_pair(res: RunResult) -> None:
    s = res.summary
    assert {"saturated_places", "queued_teu"} <= set(s.columns)
    assert len(s) == 3


def test_report_and_map_show_each_pair(res: RunResult, run_dir: Path) -> None:
    names = {str(k): str(v) for k, v in res.network.nodes["name"].items()}
    report = (run_dir / "report.html").read_text(encoding="utf-8")
    assert "2 O/D pairs" in report
    from corridorsim.viz.assets import esc

    for o, d in ((XIY, DUI), (CKG, DUI)):
        assert f"{esc(names[o])} → {esc(names[d])}" in report
        assert f"Middle Corridor · {esc(names[o])} → {esc(names[d])}" in report
    page = (run_dir / "map.html").read_text(encoding="utf-8")
    assert page.count("od-marker od-origin") == 2
    assert page.count("od-marker od-destination") == 1
    assert page.count('"className": "route-line route-middle_corridor"') == 2
    assert esc(names[CKG]) in page


def test_single_pair_labels_unchanged(network: Any) -> None:
    """With one O/D pair the labels stay the family's (no pair suffix)."""
    from corridorsim.viz.report import _labels

    r = run_scenario(two_pairs(horizon_d=15, warmup_d=2, demand=[
        {"route": "northern", "origin": XIY, "destination": DUI, "teu_per_week": 100}]),
        network=network)
    labels, _ = _labels(r)
    assert set(labels.values()) == {"Northern rail corridor"}
    assert list(r.summary["origin"]) == [XIY] and list(r.summary["destination"]) == [DUI]


def test_compare_matches_rows_by_pair(run_dir: Path) -> None:
    s = pd.read_csv(run_dir / "summary.csv")
    b = s.assign(teu_delivered=s["teu_delivered"] + 1.0)
    t = delta_table(s, b)
    assert _rows(t) == sorted(INSTANCES)
    assert (t["teu_delivered_delta"] == 1.0).all()


def test_replications_per_pair(network: Any) -> None:
    from corridorsim.experiments import run_replications

    r = run_replications(two_pairs(horizon_d=30, warmup_d=5), network, replications=2,
                         quiet=True)
    assert _rows(r.summary) == INSTANCES
    assert (r.summary["replications"] == 2).all()
    per = r.extra_tables["replications.csv"]
    assert list(per.columns[:5]) == ["replication", "seed", "route", "origin", "destination"]
    assert len(per) == 2 * len(INSTANCES)


def test_route_shares_per_pair() -> None:
    """With route choice on two pairs, each pair's shares add up to 1 per week and segment,
    and what the choice saw is that pair's route, not another pair's."""
    scn = scenario_from_dict({
        "name": "choice_pairs", "seed": 5, "horizon_d": 42, "warmup_d": 7,
        "routes": ["middle_corridor", "northern"],
        "choice": {"segments": {"general": {"reference_shares": {"middle_corridor": 0.3,
                                                                  "northern": 0.7}}}},
        "demand": [{"origin": XIY, "destination": DUI, "teu_per_week": 300},
                   {"origin": CKG, "destination": "PL_LOD", "teu_per_week": 200}]})
    res = run_scenario(scn)
    sh = res.extra_tables["route_shares.csv"]
    assert set(zip(sh["origin"], sh["destination"], strict=True)) == {(XIY, DUI), (CKG, "PL_LOD")}
    booked = sh[sh["teu"] > 0]
    sums = booked.groupby(["week", "origin", "destination", "segment"])["share"].sum()
    assert (sums.round(6) == 1.0).all()
    first = sh[sh["week"] == 0].set_index(["route", "origin"])
    # the Chongqing–Łódź routes are longer than Xi'an–Duisburg's: the choice saw that
    assert (first.loc[("northern", CKG), "expected_transit_d"]
            != first.loc[("northern", XIY), "expected_transit_d"])
