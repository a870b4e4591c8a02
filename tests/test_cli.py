"""The ``corridorsim`` command line, through click's CliRunner."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from corridorsim._version import __version__
from corridorsim.cli import main
from corridorsim.errors import ScenarioError

SHORT = ["--horizon-days", "30"]
BAD = "name: x\nhorizon_days: 40\ndemand:\n  - route: northern\n    teu_per_week: 10\n"


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def _listed_paths(res: Result) -> list[Path]:
    """The output files ``run`` lists on stdout, one per line after the summary table."""
    return [Path(line) for line in res.stdout.splitlines()
            if line.startswith(("/", ".")) and Path(line).suffix and " " not in line]


def _short_run(tmp_path_factory: pytest.TempPathFactory, name: str, seed: str) -> Path:
    out = tmp_path_factory.mktemp("runs") / name
    res = invoke("run", "baseline_2024", "--out", str(out), "--no-viz", "--seed", seed, *SHORT)
    assert res.exit_code == 0, res.output
    return out


@pytest.fixture(scope="module")
def run_a(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _short_run(tmp_path_factory, "a", "1")


@pytest.fixture(scope="module")
def run_b(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _short_run(tmp_path_factory, "b", "2")


# ------------------------------------------------------------------------------ run
def test_run_writes_listed_outputs(tmp_path: Path) -> None:
    out = tmp_path / "res"
    res = invoke("run", "baseline_2024", "--out", str(out), "--no-viz", *SHORT)
    assert res.exit_code == 0, res.output
    paths = _listed_paths(res)
    assert paths, res.output
    for p in paths:
        assert p.exists(), p
    assert (out / "run.json") in paths
    info = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert info["scenario"] == "baseline_2024"
    assert info["horizon_d"] == 30
    assert not any(p.suffix == ".html" for p in paths)  # --no-viz


def test_run_with_viz(tmp_path: Path) -> None:
    out = tmp_path / "viz"
    res = invoke("run", "baseline_2024", "--out", str(out), "--quiet", *SHORT)
    assert res.exit_code == 0, res.output
    paths = [Path(p) for p in res.stdout.splitlines() if p.strip()]
    assert out / "run.json" in paths
    for p in paths:
        assert p.exists(), p


def test_seed_changes_results(run_a: Path, run_b: Path) -> None:
    a = json.loads((run_a / "run.json").read_text(encoding="utf-8"))
    b = json.loads((run_b / "run.json").read_text(encoding="utf-8"))
    assert (a["seed"], b["seed"]) == (1, 2)
    assert a["teu_created"] != b["teu_created"] or (
        (run_a / "summary.csv").read_text() != (run_b / "summary.csv").read_text())


def test_run_refuses_another_scenarios_folder(tmp_path: Path, run_a: Path) -> None:
    out = tmp_path / "shared"
    assert invoke("run", "baseline_2024", "--out", str(out), "--no-viz", *SHORT).exit_code == 0
    res = invoke("run", "surge_2022", "--out", str(out), "--no-viz", *SHORT)
    assert res.exit_code == 2
    assert "baseline_2024" in res.output and "--force" in res.output
    assert "Traceback" not in res.output
    assert json.loads((out / "run.json").read_text())["scenario"] == "baseline_2024"
    res = invoke("run", "surge_2022", "--out", str(out), "--no-viz", "--force", *SHORT)
    assert res.exit_code == 0, res.output
    assert json.loads((out / "run.json").read_text())["scenario"] == "surge_2022"


@pytest.fixture
def no_simulation(monkeypatch: pytest.MonkeyPatch) -> None:
    import corridorsim.run

    def boom(*a: object, **k: object) -> None:
        raise AssertionError("simulated although the output folder is unusable")

    monkeypatch.setattr(corridorsim.run, "run_scenario", boom)


def test_run_missing_parent_fails_before_simulating(tmp_path: Path, no_simulation: None) -> None:
    out = tmp_path / "no" / "such" / "folder"
    res = invoke("run", "baseline_2024", "--out", str(out), "--no-viz", *SHORT)
    assert res.exit_code == 2, res.output
    assert "does not exist" in res.output
    assert "Traceback" not in res.output
    assert not out.exists()


def test_run_read_only_parent_fails_before_simulating(tmp_path: Path, no_simulation: None,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    if os.geteuid() == 0:  # root ignores permission bits: emulate a read-only folder
        real = os.access
        monkeypatch.setattr(os, "access", lambda p, mode, *a, **k: False
                            if Path(p).resolve() == ro.resolve() and mode & os.W_OK
                            else real(p, mode, *a, **k))
    try:
        res = invoke("run", "baseline_2024", "--out", str(ro / "out"), "--no-viz", *SHORT)
    finally:
        ro.chmod(0o755)
    assert res.exit_code == 2, res.output
    assert "not writable" in res.output
    assert not (ro / "out").exists()


# ------------------------------------------------------------------------------ validate
def test_validate_ok() -> None:
    res = invoke("validate", "eastbound_2025")
    assert res.exit_code == 0, res.output
    assert res.stdout.startswith("eastbound_2025: valid\n")
    assert "6 demand rows over 365 days" in res.stdout and "northern_mongolia" in res.stdout
    assert all(len(line) <= 80 for line in res.stdout.splitlines()), res.stdout


def test_validate_error(tmp_path: Path) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text(BAD, encoding="utf-8")
    res = invoke("validate", str(f))
    assert res.exit_code == 2
    assert f"{f}:2:" in res.output and "did you mean 'horizon_d'" in res.output
    assert "Traceback" not in res.output


# ------------------------------------------------------------------------------ routes
def test_routes_table() -> None:
    res = invoke("routes")
    assert res.exit_code == 0, res.output
    for fam in ("middle_corridor_turkey", "northern", "suez", "cape"):
        assert fam in res.stdout
    # readable at 80 columns: no line wider, each family's row holds its numbers
    assert max(len(line) for line in res.stdout.splitlines()) <= 100
    row = next(ln for ln in res.stdout.splitlines() if ln.startswith("northern "))
    assert len(row.split()) == 5  # route, km, rail, sea, days


def test_routes_csv(tmp_path: Path) -> None:
    res = invoke("routes", "--format", "csv")
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    needed = {"route", "origin", "destination", "total_km", "rail_km", "sea_km", "road_km",
              "countries", "chokepoints", "legs"}
    assert needed <= set(rows[0])
    by_route = {r["route"]: r for r in rows}
    assert {"middle_corridor", "northern", "suez", "cape"} <= set(by_route)
    assert "suez" in by_route["suez"]["chokepoints"]
    assert float(by_route["cape"]["total_km"]) > float(by_route["suez"]["total_km"])
    out = tmp_path / "routes.csv"
    res = invoke("routes", "--format", "csv", "--out", str(out))
    assert res.exit_code == 0 and out.exists()


# ------------------------------------------------------------------------------ compare
# compare.delta_table uses DataFrame.join(lsuffix=, rsuffix=), deprecated in pandas 3
# (Pandas4Warning); pyproject turns warnings from corridorsim into errors. Reported; to
# be fixed in compare.py.
@pytest.mark.filterwarnings("ignore:The 'lsuffix' and 'rsuffix' keywords:DeprecationWarning")
def test_compare(run_a: Path, run_b: Path, tmp_path: Path) -> None:
    res = invoke("compare", str(run_a), str(run_b), "--out", str(tmp_path / "cmp"))
    assert res.exit_code == 0, res.output
    assert "route" in res.stdout and "TEU delivered" in res.stdout  # 80 columns
    assert "Northern rail corridor" in res.stdout
    wide = invoke("compare", str(run_a), str(run_b), "--out", str(tmp_path / "cmp2"), "--wide")
    assert "teu_delivered_delta" in wide.stdout and "northern" in wide.stdout
    assert (tmp_path / "cmp" / "compare.csv").exists()


def test_compare_not_a_results_folder(run_a: Path, tmp_path: Path) -> None:
    res = invoke("compare", str(run_a), str(tmp_path))
    assert res.exit_code == 2
    assert "summary.csv" in res.output and "Traceback" not in res.output


# ------------------------------------------------------------------------------ new
def test_new(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    res = invoke("new", "my_study")
    assert res.exit_code == 0, res.output
    f = tmp_path / "my_study.yaml"
    assert f.exists()
    text = f.read_text(encoding="utf-8")
    assert "name: my_study" in text and "__NAME__" not in text
    res = invoke("validate", str(f))
    assert res.exit_code == 0, res.output
    res = invoke("new", "my_study")
    assert res.exit_code == 2 and "already exists" in res.output
    assert f.read_text(encoding="utf-8") == text
    assert invoke("new", "my_study", "--force").exit_code == 0


# ------------------------------------------------------------------------------ schema, version
def test_schema() -> None:
    res = invoke("schema")
    assert res.exit_code == 0
    schema = json.loads(res.stdout)
    assert "demand" in schema["properties"]
    # required unless the file extends another (an overlay: the base file gives them)
    assert "demand" in schema["then"]["required"]
    assert schema["if"] == {"not": {"required": ["extends"]}}


def test_version() -> None:
    res = invoke("--version")
    assert res.exit_code == 0
    assert __version__ in res.stdout


# ------------------------------------------------------------------------------ --debug
def test_debug_shows_traceback(tmp_path: Path) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text(BAD, encoding="utf-8")
    normal = invoke("validate", str(f))
    assert normal.exit_code == 2 and "Traceback" not in normal.output
    debug = invoke("--debug", "validate", str(f))
    assert isinstance(debug.exception, ScenarioError)  # re-raised, not swallowed
    # and in a real process the traceback is printed
    cmd = [sys.executable, "-m", "corridorsim.cli"]
    p = subprocess.run([*cmd, "--debug", "validate", str(f)], capture_output=True, text=True,
                       timeout=60)
    assert "Traceback" in p.stderr and "horizon_days" in p.stderr
    p = subprocess.run([*cmd, "validate", str(f)], capture_output=True, text=True, timeout=60)
    assert p.returncode == 2
    assert "Traceback" not in p.stderr and "horizon_days" in p.stderr


def test_run_default_folder_created_in_empty_directory(tmp_path, monkeypatch) -> None:
    """A first run from a fresh checkout: results/ does not exist yet (make demo)."""
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["run", "baseline_2024", "--horizon-days", "20",
                                       "--no-viz", "-q"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "results" / "baseline_2024" / "run.json").exists()


def test_run_output_fits_80_columns_and_explains_blanks(tmp_path: Path) -> None:
    """Piped: the summary, its caption and the 'open in a browser' hint fit 80 columns (the
    paths, one a line, are as long as the folder); a blank cell is explained."""
    out = tmp_path / "r"
    res = invoke("run", "baseline_2024", "--out", str(out), *SHORT)
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    text = [ln for ln in lines if str(out) not in ln]
    assert all(len(ln) <= 80 for ln in text), [ln for ln in text if len(ln) > 80]
    hint = lines.index("open in a browser (works offline):")
    assert [ln.strip() for ln in lines[hint + 1:]] == [str(out / "map.html"),
                                                       str(out / "report.html")]
    # the Cape cannot arrive within 30 days: its transit cells are blank, and the caption says why
    assert "–: nothing booked after the warm-up" in " ".join(res.stdout.split())


def test_scenario_warnings_use_the_overridden_horizon(tmp_path: Path) -> None:
    f = tmp_path / "late.yaml"
    f.write_text("extends: baseline_2024\nname: late\n"
                 "disruptions:\n  - {target: suez, start_d: 50, end_d: 60}\n", encoding="utf-8")
    res = invoke("run", str(f), "--out", str(tmp_path / "o"), "--no-viz", "-q", *SHORT)
    assert res.exit_code == 0, res.output
    msg = " ".join(res.output.split())
    assert f"{f}:4:" in msg and "after the run ends (horizon_d 30)" in msg, msg


def test_check_model_fits_80_columns_and_wide_shows_every_column(tmp_path: Path) -> None:
    """check-model's tables fit 80 columns piped (id, quantity, band, simulated, unit,
    result); --wide adds the observed value, residual, role and source."""
    args = ("check-model", "--only", "C03,C01", "--no-episodes", "--no-report")
    res = invoke(*args, "--out", str(tmp_path / "v"))
    assert res.exit_code == 0, res.output
    lines = [ln for ln in res.stdout.splitlines() if str(tmp_path) not in ln]
    assert all(len(ln) <= 80 for ln in lines), [ln for ln in lines if len(ln) > 80]
    assert "C03" in res.stdout and "S66 2016" not in res.stdout  # no source column
    wide = invoke(*args, "--wide", "--out", str(tmp_path / "w"))
    assert wide.exit_code == 0, wide.output
    assert "┃ residual" in wide.stdout and "S66 2016" in wide.stdout
