"""The pages of ``corridorsim run`` as writers for :func:`corridorsim.outputs.write_run`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from corridorsim.viz import _deferred, _require

if TYPE_CHECKING:
    from corridorsim.result import RunResult
    from corridorsim.viz.report import ReportInTwoSteps

__all__ = ["run_page_writers"]


def run_page_writers() -> list[Callable[[RunResult, Path], list[Path]]]:
    """The map and the report, the report in two steps around the map: while the charts
    are rendered in a process of their own (:func:`corridorsim.viz.render.elsewhere`), the
    map is drawn. Raises ImportError now if a page's library is not installed; the pages'
    modules are imported when they are drawn."""
    write_map = _deferred("write_map")
    _require("write_report")
    steps: list[ReportInTwoSteps] = []

    def start(res: RunResult, out: Path) -> list[Path]:
        from corridorsim.viz.report import ReportInTwoSteps

        steps.append(ReportInTwoSteps())
        return steps[-1].start(res, out)

    def finish(res: RunResult, out: Path) -> list[Path]:
        return steps.pop().finish(res, out)

    start.__name__ = finish.__name__ = "write_report"  # the progress bar names report.html
    return [start, write_map, finish]
