"""The pages of ``corridorsim run`` as writers for :func:`corridorsim.outputs.write_run`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from corridorsim.viz import _deferred

if TYPE_CHECKING:
    from corridorsim.result import RunResult

__all__ = ["run_page_writers"]


def run_page_writers(*, charts_elsewhere: bool = False
                     ) -> list[Callable[[RunResult, Path], list[Path]]]:
    """The pages of ``corridorsim run`` as writers for :func:`corridorsim.outputs.write_run`:
    the map and the report; when the charts are rendered in a process of their own
    (:func:`corridorsim.viz.render.elsewhere`), the report in two steps around the map, so
    that the map is drawn while the charts are. Raises ImportError as the writers do."""
    write_map, write_report = _deferred("write_map"), _deferred("write_report")
    if not charts_elsewhere:
        return [write_map, write_report]
    steps: list[Any] = []

    def start(res: RunResult, out: Path) -> list[Path]:
        from corridorsim.viz.report import ReportInTwoSteps

        steps.append(ReportInTwoSteps())
        paths: list[Path] = steps[-1].start(res, out)
        return paths

    def finish(res: RunResult, out: Path) -> list[Path]:
        paths: list[Path] = steps.pop().finish(res, out)
        return paths

    start.__name__ = finish.__name__ = "write_report"  # the progress bar names report.html
    return [start, write_map, finish]
