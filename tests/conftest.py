from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from corridorsim.network import load_network


@pytest.fixture(scope="session")
def network():
    return load_network()


@pytest.fixture(scope="session")
def routes(network):
    from corridorsim.routing.options import resolve_routes

    return resolve_routes(network)
