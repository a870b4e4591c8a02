"""Where the report's charts become SVG: here, or in one spawned process beside the run.

Drawing a figure to SVG (matplotlib's layout and text metrics) is most of the report's
time, and on a two-core machine the second core is idle while the report is built. Inside
:func:`elsewhere` (``corridorsim run`` enters it before it simulates, so the renderer's
interpreter imports matplotlib meanwhile), :func:`svg` pickles each figure to that process
and returns a placeholder at once; :func:`with_svgs` puts the SVGs in their places when the
page is complete. The bytes are the same either way (a figure pickles whole; the SVG ids
come from the salt); outside :func:`elsewhere`, or if the renderer fails, figures are drawn
here. This module imports neither matplotlib nor pandas: the command line enters
:func:`elsewhere` before any page is drawn.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import pickle
import re
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import TYPE_CHECKING

from corridorsim.processes import spawn_pool, stop_pool

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["elsewhere", "svg", "with_svgs"]


class _Renderer:
    def __init__(self) -> None:
        self.pool: ProcessPoolExecutor = spawn_pool(1, warm=_warm)
        self.pool.submit(int)  # the process starts on the first task: now, not at the report
        self.jobs: dict[str, tuple[Future[str], Figure, str]] = {}
        self.count = itertools.count()

    def submit(self, fig: Figure, salt: str) -> str:
        token = f"<!--corridorsim-svg-{next(self.count)}-{salt}-->"
        self.jobs[token] = (self.pool.submit(_render_pickled, pickle.dumps(fig), salt),
                            fig, salt)
        return token


_renderer: _Renderer | None = None


@contextlib.contextmanager
def elsewhere() -> Iterator[None]:
    """Within: :func:`svg` renders in one spawned process (see the module docstring)."""
    global _renderer
    if _renderer is not None:  # already on: the outer context owns it
        yield
        return
    try:
        _renderer = _Renderer()
    except Exception:  # no process can be started here: the charts are drawn in this one
        yield
        return
    failed = True
    try:
        yield
        failed = False
    finally:
        pool, _renderer = _renderer.pool, None
        stop_pool(pool, now=failed)


def svg(fig: Figure, salt: str) -> str:
    """``fig`` as an ``<svg>`` element (ids unique by ``salt``), or a placeholder for it
    that :func:`with_svgs` replaces."""
    if _renderer is None:
        return render(fig, salt)
    try:
        return _renderer.submit(fig, salt)
    except Exception:  # the renderer is gone (BrokenProcessPool) or the figure won't pickle
        return render(fig, salt)


def with_svgs(html: str) -> str:
    """``html`` with every placeholder of :func:`svg` replaced by its SVG (waiting for the
    renderer; a figure it failed on is drawn here)."""
    if _renderer is None:
        return html
    jobs = {t: _renderer.jobs.pop(t) for t in list(_renderer.jobs) if t in html}
    for token, (fut, fig, salt) in jobs.items():
        try:
            text = fut.result()
        except Exception:  # the renderer died or could not unpickle: draw it here
            text = render(fig, salt)
        html = html.replace(token, text, 1)
    return html


def render(fig: Figure, salt: str) -> str:
    """Draw ``fig`` to SVG text (no XML prolog, no metadata), ids made unique by ``salt``.

    Figures are laid out by matplotlib's constrained layout (legends outside the axes
    included), so the page is drawn once: ``bbox_inches="tight"`` would draw it twice."""
    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": salt, "svg.fonttype": "none"}):
        fig.savefig(buf, format="svg")
    text = buf.getvalue()
    text = re.sub(r"<\?xml[^>]*\?>\s*", "", text)
    text = re.sub(r"<!DOCTYPE[^>]*>\s*", "", text)
    text = re.sub(r"<metadata>.*?</metadata>\s*", "", text, flags=re.S)
    return text.strip()


def _render_pickled(blob: bytes, salt: str) -> str:
    fig: Figure = pickle.loads(blob)
    return render(fig, salt)


def _warm() -> None:
    """The renderer's start: matplotlib imported and its fonts loaded before any figure."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(1, 1))
    fig.text(0.5, 0.5, "0")
    render(fig, "warm")
