"""Visual outputs of a run: ``map.html`` (folium), ``report.html`` and ``compare.html``.

All pages are single self-contained files that render without internet access.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from corridorsim.viz.compare_report import write_compare_report
    from corridorsim.viz.mapping import build_map, write_map
    from corridorsim.viz.report import write_report

# name → the module that defines it, imported on first use (so that importing one page's
# module does not import them all)
_LAZY = {"build_map": "mapping", "write_map": "mapping", "write_report": "report",
         "write_compare_report": "compare_report"}

__all__ = ["build_map", "write_compare_report", "write_map", "write_report"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(f"corridorsim.viz.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'corridorsim.viz' has no attribute {name!r}")
