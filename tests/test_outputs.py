"""The run folder: every file listed with a valid checksum, iLEAP footprints per route."""

from __future__ import annotations

import hashlib
import json

import pytest

from corridorsim.outputs import write_run
from corridorsim.run import run_scenario
from corridorsim.scenario.load import load_scenario, scenario_from_dict


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory, network):
    scn, _ = load_scenario("baseline_2024")
    res = run_scenario(scenario_from_dict({**scn.model_dump(), "horizon_d": 90}), network=network)
    out = tmp_path_factory.mktemp("out") / "baseline"
    write_run(res, out)
    return out


def test_checksums_cover_every_file(run_dir):
    info = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
    files = {p.name for p in run_dir.iterdir()} - {"run.json"}
    assert set(info["outputs"]) == files
    for name, digest in info["outputs"].items():
        assert hashlib.sha256((run_dir / name).read_bytes()).hexdigest() == digest
    # nothing temporary left beside the folder
    assert not [p for p in run_dir.parent.iterdir() if p.name.startswith(".")]


def test_footprints_in_ileap_shape(run_dir):
    doc = json.loads((run_dir / "footprints.json").read_text(encoding="utf-8"))
    fps = doc["shipmentFootprints"]
    assert {f["shipmentId"] for f in fps} >= {"corridorsim-northern", "corridorsim-middle_corridor"}
    for f in fps:
        assert {"shipmentId", "mass", "numberOfItems", "typeOfItems", "tces"} <= set(f)
        assert f["tces"], f["shipmentId"]
        for tce in f["tces"]:
            assert {"tceId", "prevTceIds", "shipmentId", "mass", "distance", "transportActivity",
                    "co2eWTW", "co2eTTW"} <= set(tce)
            assert float(tce["co2eWTW"]) >= float(tce["co2eTTW"]) >= 0
