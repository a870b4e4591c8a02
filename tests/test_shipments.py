"""The planner's own cargo rides the corridor's traffic and is reported on its own."""

from __future__ import annotations

from corridorsim.network import load_network
from corridorsim.run import run_scenario
from corridorsim.scenario.load import load_scenario, scenario_from_dict


def test_own_shipments_ride_the_traffic_and_get_their_own_table() -> None:
    scn, _ = load_scenario("baseline_2024")
    data = scn.model_dump()
    data.update(horizon_d=90, warmup_d=14)
    data["demand"] = [*data["demand"],
                      {"origin": "CN_XIY", "destination": "DE_DUI", "route": "middle_corridor",
                       "teu_per_week": 20, "shipment": True}]
    res = run_scenario(scenario_from_dict(data), network=load_network())
    own = res.extra_tables["shipments.csv"]
    assert list(own["route"]) == ["middle_corridor"]
    assert 20 * 90 / 7 * 0.7 < own.loc[0, "teu_created"] < 20 * 90 / 7 * 1.3
    xian = res.summary[res.summary["origin"] == "CN_XIY"]  # baseline_2024 also has Almaty rows
    every = xian.set_index("route").loc["middle_corridor"]
    # the same trains: the shipper's boxes take about as long as everyone's
    assert abs(own.loc[0, "transit_days_p50"] - every["transit_days_p50"]) < 3
    assert every["teu_created"] > 10 * own.loc[0, "teu_created"]  # summary: all cargo
    assert every["shipment_teu_delivered"] == own.loc[0, "teu_delivered"]  # and yours beside
    assert every["shipment_transit_days_p50"] == own.loc[0, "transit_days_p50"]
    assert not [w for w in res.info["warnings"] if "no corridor traffic" in w]
    from corridorsim.viz.mapping import build_map
    from corridorsim.viz.report import report_html

    html = report_html(res)
    assert '<h2 id="shipments">Your shipments</h2>' in html
    assert "Your shipments" in build_map(res).get_root().render()


def test_shipments_without_traffic_are_warned_about() -> None:
    scn = scenario_from_dict({
        "name": "alone", "horizon_d": 60, "routes": ["middle_corridor"],
        "demand": [{"origin": "CN_XIY", "destination": "DE_DUI", "route": "middle_corridor",
                    "teu_per_week": 100, "shipment": True}]})
    res = run_scenario(scn, network=load_network())
    warned = [w for w in res.info["warnings"] if "no corridor traffic" in w]
    assert warned and "middle_corridor:CN_XIY-DE_DUI" in warned[0]
    assert "shipments.csv" in res.extra_tables
