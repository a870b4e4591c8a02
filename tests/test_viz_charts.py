"""The report's charts keep their legends inside the figure."""

from __future__ import annotations

import pytest

from corridorsim.result import RunResult
from corridorsim.run import run_scenario
from corridorsim.scenario.load import load_scenario, scenario_from_dict
from corridorsim.viz import charts
from corridorsim.viz.over_time import _axis
from corridorsim.viz.report import _labels, _styles
from corridorsim.viz.report_data import instance_keys
from corridorsim.viz.time_charts import transit_by_week_chart


@pytest.fixture(scope="module")
def res() -> RunResult:
    """baseline_2024, 60 days: two O/D pairs, so route labels name their pair."""
    scn, _ = load_scenario("baseline_2024")
    return run_scenario(scenario_from_dict({**scn.model_dump(mode="json"), "horizon_d": 60.0}))


def test_transit_by_week_legend_fits_the_figure(res: RunResult) -> None:
    labels, colours = _labels(res)
    ts = res.extra_tables["timeseries.csv"]
    ts = ts.assign(route_key=instance_keys(res, ts))
    fig = transit_by_week_chart(ts, _axis(res), res.info.get("windows") or [], colours, labels,
                                _styles(res))
    charts.to_svg(fig, "t")  # lays the figure out
    legend = fig.axes[0].get_legend()
    assert max(len(t.get_text()) for t in legend.get_texts()) > 45  # "Family · O → D"
    box = legend.get_window_extent()
    page = fig.bbox
    assert box.x0 >= page.x0 and box.x1 <= page.x1
    assert fig.axes[0].get_position().width > 0.8  # the plot keeps the figure's width
