"""Reliability: interrupted runs leave no partial results, runs do not interleave, the
saturation scenario finishes with its backlog reported, and invariants catch corrupted runs."""

from __future__ import annotations

import copy
import csv
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from corridorsim.analysis.invariants import check_invariants
from corridorsim.errors import InternalError
from corridorsim.result import RunResult
from corridorsim.run import run_scenario
from corridorsim.scenario.load import load_scenario, scenario_from_dict

# not ``-m corridorsim.cli``: running cli.py as __main__ imports it twice (command modules
# import ``corridorsim.cli``), so call the entry point the way the console script does
CLI = [sys.executable, "-c", "import sys; from corridorsim.cli import main; sys.exit(main())"]
SAT_HORIZON_D = 45.0


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _verify_checksums(out: Path) -> dict:
    info = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert info["outputs"], "run.json lists no outputs"
    for name, digest in info["outputs"].items():
        assert _sha(out / name) == digest, f"{name}: checksum mismatch"
    return info


def _leftovers(parent: Path, name: str) -> list[Path]:
    return [p for p in parent.iterdir() if p.name.startswith(f".{name}")]


def _start_long_run(out: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*CLI, "run", "saturation_demo", "--out", str(out), "--horizon-days", "730",
         "--no-viz", "--force"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})


def _wait_for_lock(out: Path, proc: subprocess.Popen[str], timeout: float = 60.0) -> None:
    lock = out.parent / f".{out.name}.lock"
    t0 = time.monotonic()
    while not lock.exists():
        assert proc.poll() is None, f"run ended early: {proc.communicate()}"
        assert time.monotonic() - t0 < timeout, "lock never appeared"
        time.sleep(0.05)
    time.sleep(1.0)  # well into the simulation


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)],
                         ids=["SIGINT", "SIGTERM"])
def test_signal_leaves_no_partial_folder(tmp_path: Path, sig: int, code: int) -> None:
    out = tmp_path / "res"
    proc = _start_long_run(out)
    _wait_for_lock(out, proc)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == code, err
    assert "no partial results" in err and "Traceback" not in err
    assert not out.exists()
    assert _leftovers(tmp_path, "res") == [], "temp folder or lock left behind"


def test_interrupt_works_when_started_with_sigint_ignored(tmp_path: Path) -> None:
    """A run started in the background of a script inherits SIGINT ignored; an interrupt
    still stops it cleanly."""
    out = tmp_path / "res"
    proc = subprocess.Popen(
        [*CLI, "run", "saturation_demo", "--out", str(out), "--horizon-days", "730",
         "--no-viz", "--force"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    _wait_for_lock(out, proc)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert not out.exists()


def test_interrupt_keeps_previous_complete_results(tmp_path: Path) -> None:
    out = tmp_path / "res"
    first = subprocess.run([*CLI, "run", "saturation_demo", "--out", str(out), "--no-viz",
                            "--horizon-days", "20"], capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr
    before = _verify_checksums(out)
    proc = _start_long_run(out)
    _wait_for_lock(out, proc)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    after = _verify_checksums(out)  # still there, intact
    assert after == before
    assert _leftovers(tmp_path, "res") == []


def test_two_runs_to_the_same_folder_do_not_interleave(tmp_path: Path) -> None:
    out = tmp_path / "res"
    proc = _start_long_run(out)
    try:
        _wait_for_lock(out, proc)
        second = subprocess.run([*CLI, "run", "baseline_2024", "--out", str(out), "--no-viz",
                                 "--horizon-days", "10", "--force"],
                                capture_output=True, text=True, timeout=120)
        assert second.returncode == 2, second.stderr
        assert "another corridorsim run is writing here" in second.stderr
        assert "Traceback" not in second.stderr
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert not out.exists() and _leftovers(tmp_path, "res") == []


def test_unwritable_output_fails_before_simulating_in_a_real_process(tmp_path: Path) -> None:
    # (CliRunner variants live in test_cli.py; this one checks timing in a real process)
    t0 = time.monotonic()
    p = subprocess.run([*CLI, "run", "saturation_demo", "--out", str(tmp_path / "no" / "x"),
                        "--horizon-days", "3650", "--no-viz"],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 2 and "does not exist" in p.stderr
    assert time.monotonic() - t0 < 60, "simulated before checking the output folder"


# ------------------------------------------------------------------------------ saturation
@cache
def _sat_run() -> RunResult:
    scn, _ = load_scenario("saturation_demo")
    data = scn.model_dump()
    data["horizon_d"] = SAT_HORIZON_D
    data["warmup_d"] = 7.0
    return run_scenario(scenario_from_dict(data, source="saturation_demo"))


def test_saturation_scenario_reports_backlog() -> None:
    res = _sat_run()
    sat = res.info["saturated"]
    assert sat, "the saturation demo must saturate something"
    places = {p["place"] for p in sat}
    assert "KZ_AKU" in places  # the Caspian bottleneck
    for p in sat:
        assert {"place", "kind", "utilisation", "backlog_teu"} <= set(p)
    assert sum(p["backlog_teu"] for p in sat) > 1000
    s = res.summary.set_index("route")
    assert "KZ_AKU" in s.loc["middle_corridor", "saturated_places"]
    assert s.loc["middle_corridor", "queued_teu"] > 1000
    assert s.loc["northern", "saturated_places"] == ""
    # backlog_teu is right: TEU booked after warm-up and not delivered at the horizon
    c = res.consignments
    for route, row in s.iterrows():
        sel = c[(c["route"] == route) & c["in_stats"] & ~c["delivered"]]
        assert row["backlog_teu"] == pytest.approx(float(sel["teu"].sum()))
    assert res.info["backlog_teu"] == pytest.approx(float(s["backlog_teu"].sum()))


def test_baseline_is_not_saturated() -> None:
    scn, _ = load_scenario("baseline_2024")
    data = scn.model_dump()
    data["horizon_d"], data["warmup_d"] = SAT_HORIZON_D, 7.0
    res = run_scenario(scenario_from_dict(data, source="baseline_2024"))
    assert res.info["saturated"] == [], res.info["saturated"]


def test_saturation_reported_in_all_outputs(tmp_path: Path) -> None:
    out = tmp_path / "sat"
    p = subprocess.run([*CLI, "run", "saturation_demo", "--out", str(out), "--quiet",
                        "--horizon-days", str(SAT_HORIZON_D)],
                       capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr
    info = _verify_checksums(out)
    assert any(x["place"] == "KZ_AKU" and x["backlog_teu"] > 0 for x in info["saturated"])
    assert info["backlog_teu"] > 0
    with (out / "summary.csv").open(encoding="utf-8") as fh:
        rows = {r["route"]: r for r in csv.DictReader(fh)}
    assert float(rows["middle_corridor"]["backlog_teu"]) > 0
    assert "KZ_AKU" in rows["middle_corridor"]["saturated_places"]
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Saturation: queued and in transit" in html and "Aktau" in html


# ------------------------------------------------------------------------------ invariants
def _tampered(res: RunResult) -> RunResult:
    """The run's records (what every table is built from) with 5 h of waiting added to
    one stage of a delivered consignment, as an engine bug would."""
    trace = copy.copy(res.trace)
    rec = trace.records = copy.deepcopy(res.trace.records)
    cid = int(np.flatnonzero(~np.isnan(rec.delivered_h))[0])
    rec.wait[0, rec.first_row[cid] + 1] += 5.0
    return res.replace(trace=trace)


def test_invariants_hold_and_catch_tampering() -> None:
    res = _sat_run()
    check_invariants(res)
    with pytest.raises(InternalError) as exc:
        check_invariants(_tampered(res))
    msg = str(exc.value)
    assert "please report" in msg and "waiting + moving != transit" in msg
    assert "saturation_demo" in msg and str(res.scenario.seed) in msg
    assert exc.value.exit_code == 70


def test_invariants_catch_lost_teu_and_overfull_vehicles() -> None:
    res = _sat_run()
    bad = res.replace(info={**res.info, "teu_delivered": res.info["teu_delivered"] + 2})
    with pytest.raises(InternalError, match=r"TEU not conserved.*please report"):
        check_invariants(bad)
    bad = res.replace(vehicles=res.vehicles.copy())
    bad.vehicles.loc[bad.vehicles.index[0], "load_teu"] = 1e6
    with pytest.raises(InternalError, match="above its capacity"):
        check_invariants(bad)
    bad = res.replace(facilities=res.facilities.copy())
    bad.facilities.loc[bad.facilities.index[0], "utilisation"] = 1.5
    with pytest.raises(InternalError, match="above capacity"):
        check_invariants(bad)


def _tampered_records(res: RunResult, change: Any) -> RunResult:
    trace = copy.copy(res.trace)
    rec = trace.records = copy.deepcopy(res.trace.records)
    change(rec, int(np.flatnonzero(~np.isnan(rec.delivered_h))[0]))
    return res.replace(trace=trace)


@pytest.mark.parametrize(("change", "message"), [
    (lambda rec, i: (rec.t_in.__setitem__(rec.first_row[i] + 2, rec.t_in[rec.first_row[i] + 2] + 1.0),
                     rec.t_out.__setitem__(rec.first_row[i] + 2, rec.t_out[rec.first_row[i] + 2] + 1.0)),
     "does not start when the previous one ends"),
    (lambda rec, i: rec.delivered_h.__setitem__(i, rec.delivered_h[i] + 3.0),
     "last stage does not end at delivery"),
    (lambda rec, i: rec.t_out.__setitem__(rec.first_row[i] + 1, rec.t_in[rec.first_row[i] + 1] - 2.0),
     "clock not monotone"),
])
def test_invariants_catch_broken_stage_chains(change: Any, message: str) -> None:
    res = _sat_run()
    with pytest.raises(InternalError, match=message):
        check_invariants(_tampered_records(res, change))


def test_memory_estimate_in_the_cap_message_counts_stages(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rail consignments (many stages) need more memory than port-to-port sea ones; the
    refusal message's estimate says so."""
    import re

    scn, _ = load_scenario("baseline_2024")
    monkeypatch.setenv("CORRIDORSIM_MAX_CONSIGNMENTS", "1000")

    def gb(rows: list[dict[str, Any]]) -> float:
        data = {**scn.model_dump(), "name": "big", "demand": rows}
        with pytest.raises(Exception, match="GB of memory") as exc:
            run_scenario(scenario_from_dict(data))
        return float(re.search(r"≈ ([\d.,]+) GB", str(exc.value)).group(1).replace(",", ""))

    sea = gb([{"route": "suez", "origin": "CN_SHA", "destination": "NL_RTM",
               "teu_per_week": 200_000}])
    rail = gb([{"route": "northern", "teu_per_week": 200_000},
               {"route": "middle_corridor", "teu_per_week": 1}])
    assert rail > 2 * sea > 0


def test_a_run_without_consignments_finishes_and_writes(tmp_path: Path) -> None:
    """Demand too small to book a single container in the horizon: the run, its checks and
    the written tables all cope with zero consignments."""
    from corridorsim.outputs import write_run

    scn, _ = load_scenario("baseline_2024")
    data = {**scn.model_dump(), "horizon_d": 10, "warmup_d": 0,
            "demand": [{"route": "northern", "teu_per_week": 0.0}]}
    res = run_scenario(scenario_from_dict(data))
    assert res.info["consignments"] == 0
    write_run(res, tmp_path / "run")
    assert (tmp_path / "run" / "legs.parquet").exists()
