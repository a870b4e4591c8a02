"""The report (of a replication run), compare.html (run folders and paired scenarios) and
sweep_report.html in headless Chromium with the network blocked: no console errors and no
horizontal scrolling at 1400 px. Screenshots go to ``test-artifacts/``.

The browser set-up is tests/browserkit.py's; a missing browser is a failure, as for the map.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browserkit import ARTIFACTS, Page, launch

from corridorsim.analysis.compare import compare_runs, compare_scenarios
from corridorsim.experiments import run_replications
from corridorsim.outputs import write_run
from corridorsim.run import run_scenario
from corridorsim.scenario.load import load_scenario
from corridorsim.viz import write_map, write_report

pytestmark = pytest.mark.browser

WIDTH = 1400

SWEEP = """
name: pages_sweep
base: baseline_2024
seed: 20240101
replications: 1
horizon_d: 40
warmup_d: 10
grid:
  services.caspian_feeder.fleet: [4, 5]
lhs:
  samples: 2
  seed: 1
  ranges:
    demand[3].teu_per_week: [3000, 9000]
"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launch()



def _check(browser: Any, path: Path, shot: str) -> Any:
    """Open ``path``; assert no console error and no horizontal scroll; screenshot it."""
    pg = Page(browser, width=WIDTH, height=900)
    page = pg.open(path)
    width = page.evaluate("document.documentElement.scrollWidth")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / shot), full_page=True)
    assert pg.errors == [], pg.errors
    assert width <= WIDTH, f"{path.name} scrolls sideways at {WIDTH} px ({width} px wide)"
    return page


@pytest.fixture(scope="module")
def base() -> Any:
    scn, _ = load_scenario("baseline_2024")
    return scn.model_copy(update={"horizon_d": 45.0, "warmup_d": 10.0})


@pytest.fixture(scope="module")
def runs(base: Any, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    out = tmp_path_factory.mktemp("pages")
    folders = []
    for name, seed in (("a", 1), ("b", 2)):
        res = run_scenario(base.model_copy(update={"seed": seed}))
        write_run(res, out / name, extras=[write_map, write_report])
        folders.append(out / name)
    return folders[0], folders[1]


def test_replication_report(browser: Any, base: Any, tmp_path: Path) -> None:
    res = run_replications(base, replications=2, quiet=True)
    (path,) = write_report(res, tmp_path)
    page = _check(browser, path, "report_replications.png")
    assert "Replication run" in page.locator("p.replication").inner_text()
    assert page.locator("table.kpi .ci").count() > 0  # intervals under the means
    assert "(mean of 2)" in page.locator(".kpis").inner_text()


def test_compare_runs_page(browser: Any, runs: tuple[Path, Path], tmp_path: Path) -> None:
    _, paths = compare_runs(*runs, out=tmp_path)
    page = _check(browser, next(p for p in paths if p.name == "compare.html"),
                  "compare_runs.png")
    text = page.locator("body").inner_text()
    assert "Waiting by cause" in text and "What differs between the runs" in text
    assert "Middle Corridor" in text


def test_compare_scenarios_page(browser: Any, base: Any, tmp_path: Path) -> None:
    b = base.model_copy(update={"warmup_d": 12.0})
    _, paths = compare_scenarios(base, b, replications=2, quiet=True, out=tmp_path)
    page = _check(browser, next(p for p in paths if p.name == "compare.html"),
                  "compare_scenarios.png")
    text = page.locator("body").inner_text()
    assert "warmup_d" in text and "Waiting by cause" in text


def test_sweep_page(browser: Any, tmp_path: Path) -> None:
    from corridorsim.experiments.sweep import run_sweep, write_sweep
    from corridorsim.experiments.sweep_spec import load_sweep

    (tmp_path / "s.yaml").write_text(SWEEP, encoding="utf-8")
    spec = load_sweep(tmp_path / "s.yaml")
    res = run_sweep(spec, tmp_path / "store", quiet=True)
    write_sweep(res, tmp_path)
    page = _check(browser, tmp_path / "sweep_report.html", "sweep_report.png")
    assert "Latin-hypercube" in page.locator("body").inner_text()
    assert page.locator("svg").count() == 2
