"""Visual outputs of a run: ``map.html`` (folium), ``report.html`` and ``compare.html``.

All pages are single self-contained files that render without internet access.
"""

from corridorsim.viz.compare_report import write_compare_report
from corridorsim.viz.mapping import build_map, write_map
from corridorsim.viz.report import write_report

__all__ = ["build_map", "write_compare_report", "write_map", "write_report"]
