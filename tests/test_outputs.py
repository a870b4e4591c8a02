"""The run folder: every file listed with a valid checksum, iLEAP footprints per route."""

from __future__ import annotations

import hashlib
import json

import pytest

from corridorsim.outputs import write_run
from corridorsim.run import run_scenario
from corridorsim.scenario.load import load_scenario, scenario_from_dict


def _xian(horizon_d: float) -> dict:
    """baseline_2024 with its Xi'an -> Duisburg rows only: one O/D pair (the baseline also
    carries the Almaty -> Alat Trans-Caspian flow)."""
    scn, _ = load_scenario("baseline_2024")
    data = {**scn.model_dump(), "horizon_d": horizon_d}
    data["demand"] = [r for r in data["demand"] if r["origin"] == "CN_XIY"]
    return data


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory, network):
    res = run_scenario(scenario_from_dict(_xian(90)), network=network)
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
    # each footprint's route instance, in the same order
    assert [r["shipmentId"] for r in doc["routes"]] == [f["shipmentId"] for f in fps]
    assert {(r["origin"], r["destination"]) for r in doc["routes"]} == {("CN_XIY", "DE_DUI")}
    assert [r["route"] for r in doc["routes"]] == sorted(r["route"] for r in doc["routes"])
    for f in fps:
        assert {"shipmentId", "mass", "numberOfItems", "typeOfItems", "tces"} <= set(f)
        assert f["tces"], f["shipmentId"]
        for tce in f["tces"]:
            assert {"tceId", "prevTceIds", "shipmentId", "mass", "distance", "transportActivity",
                    "co2eWTW", "co2eTTW"} <= set(tce)
            assert float(tce["co2eWTW"]) >= float(tce["co2eTTW"]) >= 0


def test_big_tables_written_in_chunks_match_the_whole_tables(network, tmp_path, monkeypatch):
    """consignments/legs.parquet are written chunk by chunk (one row group each) from the
    run's records; the files read back equal the tables built whole, and the bytes do not
    depend on whether the tables had been built before writing."""
    import pandas as pd
    import pyarrow.parquet as pq

    from corridorsim import outputs

    scn, _ = load_scenario("baseline_2024")
    res = run_scenario(scenario_from_dict({**scn.model_dump(), "horizon_d": 40}), network=network)
    monkeypatch.setattr(outputs, "CHUNK_ROWS", 2_000)  # force several chunks
    assert not res._built  # nothing built by the run
    write_run(res, tmp_path / "lazy")
    assert "legs" not in res._built  # writing did not keep the whole table either
    assert pq.ParquetFile(tmp_path / "lazy" / "legs.parquet").num_row_groups > 2
    whole_legs, whole_cons = res.legs, res.consignments  # now built whole
    write_run(res, tmp_path / "built")
    for name, whole in (("legs.parquet", whole_legs), ("consignments.parquet", whole_cons)):
        lazy = (tmp_path / "lazy" / name).read_bytes()
        assert lazy == (tmp_path / "built" / name).read_bytes(), name
        back = pd.read_parquet(tmp_path / "lazy" / name)
        pd.testing.assert_frame_equal(back, whole.reset_index(drop=True), check_dtype=False,
                                      check_categorical=False, check_exact=True)
    assert len(whole_cons) == res.info["consignments"]


def test_big_tables_keep_the_engine_precision_without_nulls(network, tmp_path):
    """Moving and waiting hours are stored as float32 (as the engine keeps them: no value
    changes, the pandas tables widen them to float64), times and waiting_h as float64; no
    column is nullable; waiting_h is the float64 sum of the causes."""
    import numpy as np
    import pyarrow.parquet as pq

    from corridorsim.analysis.tables import WAIT_COLUMNS

    res = run_scenario(scenario_from_dict(_xian(40)), network=network)
    write_run(res, tmp_path / "run")
    hours = ["moving_h", *WAIT_COLUMNS]
    for name, whole in (("legs", res.legs), ("consignments", res.consignments)):
        table = pq.read_table(tmp_path / "run" / f"{name}.parquet")
        types = {f.name: str(f.type) for f in table.schema}
        assert {types[c] for c in hours} == {"float"}, name
        assert types["start_h" if name == "legs" else "created_h"] == "double"
        assert not [f.name for f in table.schema if f.nullable], name
        assert (whole[hours].dtypes == np.float64).all()
        for c in hours:  # the stored float32 is the value, not a rounding of it
            np.testing.assert_array_equal(table[c].to_numpy().astype(np.float64),
                                          whole[c].to_numpy())
    legs = pq.read_table(tmp_path / "run" / "legs.parquet").to_pandas()
    total = sum((legs[c].astype(np.float64) for c in WAIT_COLUMNS[1:]),
                legs[WAIT_COLUMNS[0]].astype(np.float64))
    np.testing.assert_array_equal(legs["waiting_h"].to_numpy(), total.to_numpy())


def test_a_chunk_that_fails_to_build_leaves_no_folder(network, tmp_path, monkeypatch):
    """A big table's chunks are built one ahead in another thread: an error there reaches
    the caller, and nothing is left behind (no folder, no temporary sibling)."""
    from corridorsim import outputs
    from corridorsim.result import RunResult

    res = run_scenario(scenario_from_dict(_xian(40)), network=network)
    monkeypatch.setattr(outputs, "CHUNK_ROWS", 2_000)
    built = RunResult.arrow_chunks

    def broken(self, table, max_rows=1_000_000):
        for i, chunk in enumerate(built(self, table, max_rows)):
            if table == "legs" and i == 2:
                raise RuntimeError("chunk 2 failed")
            yield chunk

    monkeypatch.setattr(RunResult, "arrow_chunks", broken)
    with pytest.raises(RuntimeError, match="chunk 2 failed"):
        write_run(res, tmp_path / "run")
    assert list(tmp_path.iterdir()) == []


def test_sample_view_matches_the_full_tables(network):
    """A large run's report uses, of each route with more bookings than the cap, every k-th
    consignment: the sampled tables are exactly those rows of the full tables (legs with
    their accounting), small routes are whole, and the view says it is a sample."""
    import pandas as pd

    scn, _ = load_scenario("baseline_2024")
    res = run_scenario(scenario_from_dict({**scn.model_dump(), "horizon_d": 30}), network=network)
    n = res.n_consignments
    full_c, full_l = res.consignments, res.legs
    sizes = full_c.groupby("route_key", observed=True).size()
    cap = int(sizes.median())
    view = res.sample(per_route=cap)
    assert res.sample(per_route=int(sizes.max())) is res  # nothing above the cap: no sample
    smp = view.info["sample"]
    assert smp["consignments"] == len(view.consignments) and smp["of"] == n
    assert set(smp["every"]) == {str(k) for k, v in sizes.items() if v > cap}
    ids = set()
    for key, g in full_c.groupby("route_key", observed=True):
        k = smp["every"].get(str(key), 1)
        assert k == 1 or -(-len(g) // k) <= cap
        ids |= {int(i) for i in g["consignment_id"].to_numpy()[::k]}
    assert set(view.consignments["route_key"]) == set(full_c["route_key"])
    pd.testing.assert_frame_equal(
        view.consignments.reset_index(drop=True),
        full_c[full_c["consignment_id"].isin(ids)].reset_index(drop=True))
    pd.testing.assert_frame_equal(
        view.legs.reset_index(drop=True),
        full_l[full_l["consignment_id"].isin(ids)].reset_index(drop=True))
    assert "cost_usd" in view.legs and view.summary is res.summary


def test_tables_set_by_the_caller_are_written_whole_in_any_order(network, tmp_path):
    """A legs table replaced by the caller (sorted another way) is written as it is: no row
    lost or repeated by the chunking."""
    import pandas as pd

    scn, _ = load_scenario("baseline_2024")
    res = run_scenario(scenario_from_dict({**scn.model_dump(), "horizon_d": 40}), network=network)
    res = res.replace(legs=res.legs.sort_values("start_h", kind="stable"))
    write_run(res, tmp_path / "run")
    back = pd.read_parquet(tmp_path / "run" / "legs.parquet")
    assert len(back) == len(res.legs)
    assert not back.duplicated(["consignment_id", "stage_index"]).any()


def test_summary_from_arrays_equals_summary_from_the_table(network):
    """run_scenario computes the KPIs from the records; the table-based oracle on the
    consignments table (tests/oracles.py) gives the same numbers, by route instance or by
    family (one O/D pair: the same rows)."""
    import pandas as pd
    from oracles import route_summary

    from corridorsim.analysis.kpis import SUMMARY_COLUMNS

    scn, _ = load_scenario("baseline_2024")
    res = run_scenario(scenario_from_dict(_xian(60)), network=network)
    assert list(res.summary.columns[:len(SUMMARY_COLUMNS)]) == SUMMARY_COLUMNS
    instances = list(res.summary[["route", "origin", "destination"]].itertuples(index=False,
                                                                              name=None))
    assert instances == [(f, "CN_XIY", "DE_DUI") for f in scn.routes]
    table = route_summary(res.consignments, instances)
    pd.testing.assert_frame_equal(res.summary[table.columns], table, rtol=1e-6)
    families = route_summary(res.consignments, list(res.summary["route"]))
    pd.testing.assert_frame_equal(table.drop(columns=["origin", "destination"]), families)
