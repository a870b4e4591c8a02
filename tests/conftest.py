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
#: deliver); ``{name}`` and the Northern corridor's ``{nt}`` TEU/week to fill in
SMALL_SCENARIO = """\
extends: baseline_2024
name: {name}
horizon_d: 40
warmup_d: 3
routes: [middle_corridor, northern]
demand:
  - route: middle_corridor
    teu_per_week: 200
  - route: northern
    teu_per_week: {nt}
"""

#: a sweep over two Caspian feeder fleets of ``small.yaml`` (``{name}``, ``{reps}``)
TWO_FLEETS_SWEEP = """\
name: {name}
base: small.yaml
replications: {reps}
grid:
  services.caspian_feeder.fleet: [3, 8]
"""


@pytest.fixture(scope="session")
def small_scenario_text() -> str:
    """:data:`SMALL_SCENARIO` as ``small`` with 300 TEU/week on the Northern corridor."""
    return SMALL_SCENARIO.format(name="small", nt=300)


@pytest.fixture(scope="session")
def small_scenario_template() -> str:
    """:data:`SMALL_SCENARIO` with its ``{name}`` and ``{nt}`` to fill in."""
    return SMALL_SCENARIO


@pytest.fixture(scope="session")
def two_fleets_sweep() -> str:
    """:data:`TWO_FLEETS_SWEEP` with its ``{name}`` and ``{reps}`` to fill in."""
    return TWO_FLEETS_SWEEP


@pytest.fixture(scope="session")
def routes(network):
    from corridorsim.routing.options import resolve_routes

    return resolve_routes(network)
