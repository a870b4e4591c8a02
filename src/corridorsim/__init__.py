"""corridorsim: discrete-event simulation of China–Europe container freight.

Compare the Middle Corridor (Kazakhstan–Caspian–Azerbaijan–Georgia/Türkiye), the Northern
rail corridor (Russia–Belarus) and deep-sea shipping via Suez and around the Cape: transit
time distributions, reliability, CO2e and cost per TEU.

The names below are imported on first use, so ``import corridorsim`` (and the command
line's ``corridorsim --help``) does not load pandas, geopandas or SimPy.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

from corridorsim._version import __version__
from corridorsim.errors import (
    CorridorSimError,
    InternalError,
    NetworkError,
    OutputError,
    RouteError,
    ScenarioError,
)

if TYPE_CHECKING:
    from corridorsim.network import Network, load_network, validate_network
    from corridorsim.result import RunResult
    from corridorsim.routing import ROUTE_FAMILIES, Route, resolve_route
    from corridorsim.routing.options import resolve_routes
    from corridorsim.routing.tables import route_table
    from corridorsim.run import run_scenario
    from corridorsim.scenario import Scenario, load_scenario, scenario_from_dict

# name → the module that defines it, imported on first access
_LAZY = {
    "Network": "corridorsim.network",
    "load_network": "corridorsim.network",
    "validate_network": "corridorsim.network",
    "resolve_routes": "corridorsim.routing.options",
    "route_table": "corridorsim.routing.tables",
    "ROUTE_FAMILIES": "corridorsim.routing",
    "Route": "corridorsim.routing",
    "resolve_route": "corridorsim.routing",
    "RunResult": "corridorsim.result",
    "run_scenario": "corridorsim.run",
    "Scenario": "corridorsim.scenario",
    "load_scenario": "corridorsim.scenario",
    "scenario_from_dict": "corridorsim.scenario",
}

__all__ = [
    "ROUTE_FAMILIES",
    "CorridorSimError",
    "InternalError",
    "Network",
    "NetworkError",
    "OutputError",
    "Route",
    "RouteError",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "__version__",
    "load_network",
    "load_scenario",
    "resolve_route",
    "resolve_routes",
    "route_table",
    "run_scenario",
    "scenario_from_dict",
    "validate_network",
]


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'corridorsim' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
