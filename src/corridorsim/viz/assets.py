"""Offline assets for the HTML outputs: Leaflet inlined from ``xstatic-leaflet``, colours.

Nothing here touches the network. Leaflet's stylesheet refers to a few PNG images by
relative URL; they are inlined as ``data:`` URIs so the map is a single self-contained file.
"""

from __future__ import annotations

import base64
import html
import math
import re
from functools import cache
from pathlib import Path
from typing import SupportsFloat, SupportsIndex

__all__ = [
    "ATTRIBUTION",
    "QUEUE_BINS",
    "WAIT_BINS",
    "as_float",
    "badge",
    "esc",
    "fmt",
    "jquery_js",
    "leaflet_css",
    "leaflet_js",
    "strip_external",
    "wait_colour",
]

ATTRIBUTION = (
    "© OpenStreetMap contributors (ODbL) · Natural Earth · searoute-py / Eurostat SeaRoute"
)

# (upper bound of the total wait per TEU passing a facility in hours, colour, legend label)
WAIT_BINS: tuple[tuple[float, str, str], ...] = (
    (6.0, "#1a9850", "< 6 h"),
    (24.0, "#a6d96a", "6–24 h"),
    (72.0, "#fdae61", "1–3 d"),
    (math.inf, "#d73027", "≥ 3 d"),
)

# (upper bound of the TEU queued at a facility in a week, colour, legend label): the time
# slider's scale (TEU at the facility and waiting for onward services, weekly mean)
QUEUE_BINS: tuple[tuple[float, str, str], ...] = (
    (100.0, "#1a9850", "< 100"),
    (500.0, "#a6d96a", "100–500"),
    (2000.0, "#fdae61", "500–2,000"),
    (math.inf, "#d73027", "≥ 2,000"),
)


def _leaflet_dir() -> Path:
    import xstatic.pkg.leaflet as xl

    return Path(xl.BASE_DIR)


@cache
def leaflet_js() -> str:
    """Leaflet's minified JavaScript, read from the installed ``xstatic-leaflet``."""
    text = (_leaflet_dir() / "leaflet.js").read_text(encoding="utf-8")
    # drop the source-map comment: it would make DevTools request a file that is not there
    return re.sub(r"//# sourceMappingURL=\S+", "", text)


@cache
def jquery_js() -> str:
    """jQuery (folium's popups use ``$``), read from the installed ``xstatic-jquery``."""
    import xstatic.pkg.jquery as xj

    text = (Path(xj.BASE_DIR) / "jquery.min.js").read_text(encoding="utf-8")
    return re.sub(r"//# sourceMappingURL=\S+", "", text)


@cache
def leaflet_css() -> str:
    """Leaflet's stylesheet with its images inlined as ``data:`` URIs."""
    base = _leaflet_dir()
    css = (base / "leaflet.css").read_text(encoding="utf-8")

    def inline(match: re.Match[str]) -> str:
        path = base / match.group(1)
        if not path.exists():
            return "none"
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        return f"url(data:image/png;base64,{data})"

    return re.sub(r"url\((images/[\w.-]+\.png)\)", inline, css)


_EXTERNAL = re.compile(
    r"<script[^>]*\bsrc=[\"']https?://[^>]*>\s*</script>|<link[^>]*\bhref=[\"']https?://[^>]*>",
    re.IGNORECASE,
)


def strip_external(page: str) -> str:
    """Remove any ``<script src=http…>`` or ``<link href=http…>`` left in ``page``."""
    return _EXTERNAL.sub("", page)


def wait_colour(mean_wait_h: float) -> str:
    """Colour of a facility marker by its total wait per TEU passing (hours)."""
    if not math.isfinite(mean_wait_h):
        return "#999999"
    for upper, colour, _ in WAIT_BINS:
        if mean_wait_h < upper:
            return colour
    return WAIT_BINS[-1][1]


def esc(value: object) -> str:
    """HTML-escape ``str(value)``."""
    return html.escape(str(value), quote=True)


def as_float(value: object) -> float | None:
    """``float(value)``, or None where that raises a TypeError or ValueError (None, text)."""
    if not isinstance(value, (SupportsFloat, SupportsIndex, str, bytes, bytearray)):
        return None  # float() would raise a TypeError
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def fmt(value: object, spec: str = ".1f", *, unit: str = "") -> str:
    """Format a number, or ``n/a`` when it is missing or not finite."""
    x = as_float(value)
    if x is None or not math.isfinite(x):
        return "n/a"
    return f"{x:{spec}}{unit}"


def badge(assumed: object) -> str:
    """A yellow ``assumed`` badge, or a quiet ``sourced`` label."""
    if bool(assumed) and str(assumed).lower() not in ("false", "0", "nan", "none"):
        return '<span class="badge assumed">assumed</span>'
    return '<span class="badge sourced">sourced</span>'
