from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from corridorsim.network import load_network


@pytest.fixture(scope="session")
def network():
    return load_network()


#: a short two-route scenario for the experiments tests (40 days: quick, yet both routes
#: deliver)
SMALL_SCENARIO = """\
extends: baseline_2024
name: small
horizon_d: 40
warmup_d: 3
routes: [middle_corridor, northern]
demand:
  - route: middle_corridor
    teu_per_week: 200
  - route: northern
    teu_per_week: 300
"""


@pytest.fixture(scope="session")
def small_scenario_text() -> str:
    """:data:`SMALL_SCENARIO`, for tests that write it next to sweep files."""
    return SMALL_SCENARIO


@pytest.fixture(scope="session")
def routes(network):
    from corridorsim.routing.options import resolve_routes

    return resolve_routes(network)
