"""Visual outputs of a run: ``map.html`` (folium), ``report.html`` and ``compare.html``.

All pages are single self-contained files that render without internet access.
"""

from collections.abc import Callable
from importlib import import_module
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from corridorsim.result import RunResult
    from corridorsim.viz.compare_report import write_compare_report
    from corridorsim.viz.mapping import build_map, write_map
    from corridorsim.viz.report import write_report

# name → the module that defines it, imported on first use (so that importing one page's
# module does not import them all)
_LAZY = {"build_map": "mapping", "write_map": "mapping", "write_report": "report",
         "write_compare_report": "compare_report"}
#: the run's page writers, handed out before their module is imported: a run asks for them
#: before it simulates, and their libraries (matplotlib ~25 MB, folium) are then imported
#: only when the page is drawn, not during the simulation and the Parquet encoding
_DEFERRED = {"write_map": ("folium", "branca", "jinja2"), "write_report": ("matplotlib",)}

__all__ = ["build_map", "write_compare_report", "write_map", "write_report"]


def _require(name: str) -> None:
    """Raise ImportError now if a library the page writer ``name`` needs is not installed,
    as importing its module would."""
    for package in _DEFERRED[name]:
        if find_spec(package) is None:
            raise ImportError(f"No module named '{package}'", name=package)


def _deferred(name: str) -> Callable[["RunResult", Path], list[Path]]:
    """``name`` (a page writer) importing its module when called (:func:`_require` now)."""
    _require(name)

    def write(res: "RunResult", out: Path) -> list[Path]:
        writer: Callable[[RunResult, Path], list[Path]] = getattr(
            import_module(f"corridorsim.viz.{_LAZY[name]}"), name)
        return writer(res, out)

    write.__name__ = write.__qualname__ = name
    write.__doc__ = f"corridorsim.viz.{_LAZY[name]}.{name}, imported when first called."
    return write


def __getattr__(name: str) -> Any:
    if name in _DEFERRED:
        return _deferred(name)
    if name in _LAZY:
        return getattr(import_module(f"corridorsim.viz.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'corridorsim.viz' has no attribute {name!r}")
