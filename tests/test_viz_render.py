"""The report's charts rendered in a process of their own (``corridorsim run``, issue #20):
the same page, byte for byte, whichever process drew them, and drawn here when the
renderer cannot."""

from __future__ import annotations

from pathlib import Path

import pytest

from corridorsim.result import RunResult
from corridorsim.run import run_scenario
from corridorsim.scenario.load import load_scenario, scenario_from_dict
from corridorsim.viz import render
from corridorsim.viz.pages import run_page_writers
from corridorsim.viz.report import _report_page, report_html


@pytest.fixture(scope="module")
def res() -> RunResult:
    scn, _ = load_scenario("baseline_2024")
    data = {**scn.model_dump(mode="json"), "horizon_d": 45.0}
    return run_scenario(scenario_from_dict(data))


@pytest.fixture(scope="module")
def drawn_here(res: RunResult) -> str:
    return report_html(res)


def test_charts_drawn_elsewhere_give_the_same_page(res: RunResult, drawn_here: str) -> None:
    assert drawn_here.count("<svg") >= 5
    with render.elsewhere():
        pending = _report_page(res)  # the charts went to the renderer: placeholders here
        assert pending.count("<!--corridorsim-svg-") >= 5
        beside = render.with_svgs(pending)
    assert "corridorsim-svg-" not in beside  # every placeholder filled
    assert beside == drawn_here


def test_report_in_two_steps_around_the_map(res: RunResult, drawn_here: str,
                                            tmp_path: Path) -> None:
    with render.elsewhere():
        writers = run_page_writers()
        assert [w.__name__ for w in writers] == ["write_report", "write_map", "write_report"]
        written = [p for w in writers for p in w(res, tmp_path)]
    assert sorted(p.name for p in written) == ["map.html", "report.html"]
    assert (tmp_path / "report.html").read_text(encoding="utf-8") == drawn_here


def test_a_dead_renderer_leaves_the_charts_to_this_process(res: RunResult,
                                                           drawn_here: str) -> None:
    with render.elsewhere():
        assert render._renderer is not None
        for proc in list(render._renderer.pool._processes.values()):  # type: ignore[union-attr]
            proc.kill()
            proc.join()
        html = report_html(res)
    assert html == drawn_here


def test_weather_note_names_places_and_their_sources() -> None:
    from types import SimpleNamespace

    from corridorsim.viz.over_time import storm_note

    shipped = SimpleNamespace(scenario=load_scenario("baseline_2025")[0])  # default weather

    windows = [{"cause": "weather", "target": "caspian", "label": "storm on the caspian"},
               {"cause": "weather", "target": "KZ_KUR", "place": "Kuryk port",
                "capacity_factor": 0.0},
               {"cause": "weather", "target": "KZ_KUR", "place": "Kuryk port",
                "capacity_factor": 0.0},
               {"cause": "weather", "target": "KZ_DOS", "place": "Dostyk",
                "capacity_factor": 0.45}]
    note = storm_note(shipped, windows)  # type: ignore[arg-type]
    assert "1 storm on the caspian (rate: S63 2025, assumed" in note
    assert "2 spells closing Kuryk port (rate: T-C3 2024, assumed" in note
    assert "1 spell slowing to 45% Dostyk (rate: T-C12 2024, assumed" in note
    assert "KZ_KUR" not in note and "source not given" not in note


def test_no_renderer_process_means_charts_drawn_here(res: RunResult, drawn_here: str,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import multiprocessing

    def cannot_start(*args: object, **kwargs: object) -> None:  # a sandbox without processes
        raise OSError("process creation is not permitted")

    monkeypatch.setattr(multiprocessing, "get_context", cannot_start)
    with render.elsewhere():
        assert render._renderer is None
        html = report_html(res)
    assert html == drawn_here
