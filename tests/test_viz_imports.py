"""A run asks for its page writers before it simulates; their libraries are imported only
when a page is drawn, and a missing one is still reported when the writer is asked for."""

from __future__ import annotations

import subprocess
import sys
from importlib.machinery import ModuleSpec

import pytest

import corridorsim.viz as viz


def test_asking_for_the_writers_imports_no_plotting_library() -> None:
    code = ("import sys; from corridorsim.viz import write_map, write_report; "
            "print(write_map.__name__, write_report.__name__, "
            "sorted(m for m in ('matplotlib', 'folium') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["write_map", "write_report", "[]"]


@pytest.mark.parametrize(("writer", "package"), [("write_report", "matplotlib"),
                                                 ("write_map", "folium")])
def test_a_missing_library_fails_when_the_writer_is_asked_for(
        monkeypatch: pytest.MonkeyPatch, writer: str, package: str) -> None:
    def spec(name: str) -> ModuleSpec | None:
        return None if name == package else ModuleSpec(name, None)

    monkeypatch.setattr(viz, "find_spec", spec)
    with pytest.raises(ImportError, match=package):
        getattr(viz, writer)
