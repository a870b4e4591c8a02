"""The command line starts light: importing it loads neither pandas, geopandas nor SimPy."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("geopandas", "pandas", "pyarrow", "shapely", "simpy", "folium", "dask", "distributed")


def test_cli_import_is_light() -> None:
    code = ("import sys, corridorsim, corridorsim.cli; "
            f"print(' '.join(m for m in {HEAVY!r} if m in sys.modules))")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=60, check=True)
    assert p.stdout.split() == []
    help_ = subprocess.run([sys.executable, "-m", "corridorsim.cli", "--help"],
                           capture_output=True, text=True, timeout=60)
    assert help_.returncode == 0, help_.stderr
    assert "Commands:" in help_.stdout and "sweep" in help_.stdout


def test_package_names_load_on_first_use() -> None:
    code = ("import sys, corridorsim; assert 'pandas' not in sys.modules; "
            "from corridorsim import run_scenario, Scenario, load_network; "
            "import corridorsim.run; assert run_scenario is corridorsim.run.run_scenario; "
            "print(sorted(set(corridorsim.__all__) - set(dir(corridorsim))))")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=120)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "[]"
