"""China Railway's fixed-timetable trains (T-V10) beside block trains: who rides them, when
they leave, the slot carried through every country, priority at borders, and the tables
that tell them apart (:mod:`corridorsim.sim.timetable`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from corridorsim.cli import main
from corridorsim.run import run_scenario
from corridorsim.scenario.defaults import TIMETABLE_TRAINS_PER_WEEK
from corridorsim.scenario.load import scenario_from_dict
from corridorsim.units import WEEK_H

SHARE = 0.3
TT = "fixed_timetable_train"


def _scenario(share: float = SHARE, **kw: object):  # type: ignore[no-untyped-def]
    data: dict[str, object] = {
        "name": "timetable", "start_date": "2025-01-01", "horizon_d": 84, "warmup_d": 14,
        "routes": ["northern"], "weather": {"caspian": None},
        "demand": [{"route": "northern", "teu_per_week": 1000}],
        "services": {TT: {"route_shares": {"northern": share}}},
    }
    data.update(kw)
    return scenario_from_dict(data)


@pytest.fixture(scope="module")
def run(network):  # type: ignore[no-untyped-def]
    return run_scenario(_scenario(), network=network)


def _rider_ids(legs: pd.DataFrame) -> set[int]:
    return set(legs.loc[legs["service"] == TT, "consignment_id"].tolist())


def test_a_share_of_the_route_rides_them_and_the_tables_say_so(run) -> None:  # type: ignore[no-untyped-def]
    legs, cons = run.legs, run.consignments
    riders = _rider_ids(legs)
    n = len(cons)
    share = len(riders) / n
    assert abs(share - SHARE) < 4 * np.sqrt(SHARE * (1 - SHARE) / n), share
    # a rider rides them on every rail leg of its through run, never a block train
    rail = legs[(legs["stage_kind"] == "leg") & legs["consignment_id"].isin(riders)
                & legs["end_h"].notna()]
    assert set(rail["service"]) == {TT}
    others = legs[(legs["stage_kind"] == "leg") & ~legs["consignment_id"].isin(riders)]
    assert set(others["service"]) == {"block_train"}
    kinds = set(run.vehicles["service"].str.split(":").str[0])
    assert kinds == {"block_train", TT}


def test_they_leave_at_their_slots_once_whatever_the_load(run) -> None:  # type: ignore[no-untyped-def]
    v = run.vehicles
    first = v[v["service"].str.startswith(f"{TT}:CN_XIY-")]
    headway = WEEK_H / TIMETABLE_TRAINS_PER_WEEK["CN_AKU"]
    slots = first["depart_h"] / headway
    assert len(first) > 20
    assert np.allclose(slots, np.round(slots), atol=1e-6), "every departure is at a slot"
    assert first["depart_h"].is_unique, "one train per slot"
    assert (first["load_teu"] < first["capacity_teu"]).any(), "they leave before they are full"
    legs = run.legs
    on = legs[legs["service"] == TT]
    assert (on["wait_consolidation_h"] == 0).all(), "no consolidation wait"
    # the slot is carried through: after the first leg, no slot wait either
    later = on[on["node_from"] != "CN_XIY"]
    assert len(later) and (later["wait_schedule_h"] == 0).all()
    assert (on.loc[on["node_from"] == "CN_XIY", "wait_schedule_h"] <= headway + 1e-6).all()


def test_block_trains_still_consolidate(run) -> None:  # type: ignore[no-untyped-def]
    legs = run.legs
    block = legs[legs["service"] == "block_train"]
    assert (block["wait_consolidation_h"] > 0).any()
    assert (block["wait_schedule_h"] == 0).all()


def test_they_go_ahead_of_block_trains_at_a_congested_border(network) -> None:  # type: ignore[no-untyped-def]
    # Dostyk's gauge change with one slow track: block trains queue for days
    scn = _scenario(facilities={"KZ_DOS": {"servers": 1, "service": {"fixed_h": 15.5}}})
    legs = run_scenario(scn, network=network).legs
    riders = _rider_ids(legs)
    dos = legs[(legs["stage_kind"] == "stop") & (legs["node_from"] == "KZ_DOS")
               & legs["end_h"].notna()]
    is_tt = dos["consignment_id"].isin(riders)
    block_q, tt_q = dos.loc[~is_tt, "wait_queue_h"].mean(), dos.loc[is_tt, "wait_queue_h"].mean()
    assert block_q > 24.0, "the border must be congested for the test to mean anything"
    assert tt_q < 0.5 * block_q, (tt_q, block_q)


def test_same_seed_same_tables(network, run) -> None:  # type: ignore[no-untyped-def]
    again = run_scenario(_scenario(), network=network)
    pd.testing.assert_frame_equal(run.vehicles, again.vehicles)
    pd.testing.assert_frame_equal(run.legs, again.legs)


@pytest.mark.parametrize(("services", "fragment"), [
    ("block_train:\n    route_shares: {northern: 0.2}\n", "only services.fixed_timetable_train"),
    (f"{TT}:\n    route_shares: {{nothern: 0.2}}\n", "did you mean 'northern'"),
    (f"{TT}:\n    route_shares: {{northern: 20}}\n", "less than or equal to 1"),
])
def test_bad_route_shares_are_refused(tmp_path: Path, services: str, fragment: str) -> None:
    f = tmp_path / "s.yaml"
    f.write_text("name: x\ndemand:\n  - route: northern\n    teu_per_week: 10\n"
                 "services:\n  " + services, encoding="utf-8")
    res = CliRunner().invoke(main, ["validate", str(f)])
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output
    assert fragment in " ".join(res.output.split())


def test_only_routes_from_china_have_them(network) -> None:  # type: ignore[no-untyped-def]
    from corridorsim.run import prepare
    from corridorsim.sim.timetable import route_share

    scn = _scenario(routes=["middle_corridor"], services={TT: {"route_shares": {
        "middle_corridor": 0.5}}}, demand=[
        {"route": "middle_corridor", "teu_per_week": 100},
        {"route": "middle_corridor", "origin": "KZ_ALA", "destination": "AZ_ALT",
         "teu_per_week": 100}])
    shares = {r.origin: route_share(r, {"middle_corridor": 0.5})
              for r in prepare(scn, network, None).routes.values()}
    assert shares == {"CN_XIY": 0.5, "KZ_ALA": 0.0}
