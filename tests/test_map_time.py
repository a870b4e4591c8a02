"""The map's facility colour (total wait per TEU passing) and week slider, without a browser
(tests/test_browser.py opens the page)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from corridorsim.analysis.facility_waits import CAUSES, facility_waits
from corridorsim.result import RunResult
from corridorsim.run import run_scenario
from corridorsim.scenario.load import load_scenario, scenario_from_dict
from corridorsim.viz.assets import wait_colour
from corridorsim.viz.layers import facility_class, route_class
from corridorsim.viz.map_time import time_data
from corridorsim.viz.mapping import map_html

EXTERNAL = re.compile(r"<(?:script|link)\b[^>]*(?:src|href)\s*=\s*[\"']?https?://", re.I)
SLIDER_CALL = re.compile(r"corridorsimTimeSlider\(map_\w+, (\{.*?\})\);\n", re.S)
WEEKS = [("2024-W01", "2024-01-01", "2024-01-07"), ("2024-W02", "2024-01-08", "2024-01-14"),
         ("2024-W03", "2024-01-15", "2024-01-21")]


@pytest.fixture(scope="module")
def res() -> RunResult:
    scn, _ = load_scenario("baseline_2024")
    return run_scenario(scn.model_copy(update={"horizon_d": 60.0}))


def _synthetic(res: RunResult) -> dict[str, pd.DataFrame]:
    """Weekly tables of the documented schema with known values (weeks given in reverse)."""
    rows, frows = [], []
    for k, (week, start, end) in reversed(list(enumerate(WEEKS))):
        days = {"week": week, "week_start": start, "week_end": end}
        for j, inst in enumerate(res.routes.values()):
            rows.append({**days, "route": inst.family, "origin": inst.origin,
                         "destination": inst.destination, "teu_booked": 100.0 * (k + 1) + j,
                         "teu_delivered": 50.0 * k, "transit_p50_d": 20.0 + k})
        for node, direction, kind in res.facilities[["node", "direction", "kind"]].itertuples(
                index=False):
            if k == 1 and node == "PL_MAL":
                continue  # a week without a row: null on the page
            frows.append({**days, "node": node, "direction": direction, "kind": kind,
                          "teu_at_facility_mean": 10.0 * k, "teu_waiting_onward_mean": 1.5,
                          "utilisation": 0.1, "wait_mean_h": 2.0})
    return {"timeseries.csv": pd.DataFrame(rows),
            "facility_timeseries.csv": pd.DataFrame(frows)}


def test_facility_wait_counts_border_and_dwell(res: RunResult) -> None:
    fw = facility_waits(res)
    mal = fw.loc[("PL_MAL", "westbound")]
    causes = [f"wait_{c}_h_per_teu" for c in CAUSES]
    assert mal["total_h_per_teu"] == pytest.approx(mal[causes].sum())
    assert mal["wait_border_h_per_teu"] > 24.0  # the gauge change's border work and dwell
    server = res.facilities.set_index(["node", "direction"]).loc[("PL_MAL", "westbound")]
    assert mal["total_h_per_teu"] > 5 * float(server["mean_wait_h"])
    assert (fw["wait_consolidation_h_per_teu"].fillna(0.0) == 0.0).all()  # the service's
    # a place passed en route (Brest) gets its share of the leg's border hours
    assert fw.loc[("BY_BRS", "westbound"), "teu_through"] > 0


def test_marker_colour_and_popup_follow_total_wait(res: RunResult) -> None:
    page = map_html(res)
    total = float(facility_waits(res).loc[("PL_MAL", "westbound"), "total_h_per_teu"])
    cls = facility_class("PL_MAL", "westbound")
    m = re.search(rf'"fillColor": "(#\w+)",[^}}]*"tags": \["{cls}"\]', page)
    assert m is not None and m.group(1) == wait_colour(total)
    assert "Total wait / TEU passing" in page and "· border" in page
    assert "Facility wait per TEU passing" in page  # legend


def test_time_data_from_weekly_tables(res: RunResult) -> None:
    r = res.replace(extra_tables=_synthetic(res))
    data = time_data(r)
    assert data is not None
    assert [w["id"] for w in data["weeks"]] == [w for w, _, _ in WEEKS]  # in date order
    assert data["weeks"][0]["label"] == "2024-W01 · 01 Jan – 07 Jan 2024"
    assert data["weeks"][1]["h0"] == 168.0 and data["weeks"][1]["h1"] == 336.0
    mal = next(f for f in data["facilities"] if f["cls"] == facility_class("PL_MAL", "westbound"))
    assert mal["q"] == [1.5, None, 21.5]  # at the facility + waiting onward; missing → null
    assert not any(f["cls"].startswith("fac-EG_SUZ") for f in data["facilities"])  # chokepoint
    inst = next(iter(res.routes.values()))
    route = next(x for x in data["routes"] if x["cls"] == route_class(inst))
    assert route["booked"] == [100.0, 200.0, 300.0] and route["p50"] == [20.0, 21.0, 22.0]
    assert data["teu_max"] == max(t for x in data["routes"] for t in x["booked"])
    assert data["q_max"] == 21.5


def test_slider_on_the_page_offline_and_deterministic(res: RunResult) -> None:
    r = res.replace(extra_tables=_synthetic(res))
    page, again = map_html(r), map_html(r)
    assert EXTERNAL.search(page) is None
    (blob,) = SLIDER_CALL.findall(page)
    assert SLIDER_CALL.findall(again) == [blob]  # the slider's data: same bytes
    assert json.loads(blob) == json.loads(json.dumps(time_data(r)))
    shown = json.loads(blob)
    for key in [f["cls"] for f in shown["facilities"]] + [x["cls"] for x in shown["routes"]]:
        assert page.count(f'"tags": ["{key}"]') == 1  # each key names one layer


def test_no_slider_without_weekly_tables(res: RunResult, tmp_path: Path) -> None:
    r = res.replace(extra_tables={k: v for k, v in res.extra_tables.items()
                                  if k not in ("timeseries.csv", "facility_timeseries.csv")})
    assert time_data(r) is None
    page = map_html(r)
    assert "corridorsimTimeSlider(map_" not in page and "\"tags\": [\"fac-" in page


def test_slider_lists_disruptions_by_date(res: RunResult) -> None:
    scn, _ = load_scenario("baseline_2024")
    dis = {"target": "caspian", "start_d": 14, "end_d": 28, "capacity_factor": 0}
    data = {**scn.model_dump(mode="json"), "horizon_d": 42.0, "warmup_d": 7.0,
            "disruptions": [dis]}
    r = run_scenario(scenario_from_dict(data))
    shown = time_data(r)
    assert shown is not None and len(shown["closures"]) == 1
    c = shown["closures"][0]
    assert (c["h0"], c["h1"]) == (14 * 24.0, 28 * 24.0)
    assert "2024-01-15" in c["label"]  # by date, as the scenario's window says


def test_facility_waits_from_records_equal_those_from_the_tables(res: RunResult) -> None:
    """The map reads per-stage sums straight from the records (no per-consignment table);
    a result that carries tables instead (a sample, a folder read back) gives the same
    figures, and both equal a plain pandas group-by of the leg table."""
    from corridorsim.analysis.stage_totals import stage_totals

    given = res.replace(trace=None, consignments=res.consignments, legs=res.legs)
    pd.testing.assert_frame_equal(facility_waits(res), facility_waits(given), rtol=1e-9)
    totals = stage_totals(res)
    legs, cons = res.legs, res.consignments
    stats = set(cons.loc[cons["in_stats"], "consignment_id"])
    done = legs[legs["consignment_id"].isin(stats) & legs["end_h"].notna()]
    by = done.groupby([done["route_key"].astype(str), "stage_index"])
    assert by.size().to_numpy().tolist() == totals["consignments"].to_numpy().tolist()
    border = (done["wait_border_h"] * done["teu"]).groupby(
        [done["route_key"].astype(str), done["stage_index"]]).sum()
    assert border.to_numpy() == pytest.approx(totals["wait_border_teuh"].to_numpy(), rel=1e-9)
