"""corridorsim: discrete-event simulation of China–Europe container freight.

Compare the Middle Corridor (Kazakhstan–Caspian–Azerbaijan–Georgia/Türkiye), the Northern
rail corridor (Russia–Belarus) and deep-sea shipping via Suez and around the Cape: transit
time distributions, reliability, CO2e and cost per TEU.
"""

from corridorsim._version import __version__
from corridorsim.errors import (
    CorridorSimError,
    InternalError,
    NetworkError,
    OutputError,
    RouteError,
    ScenarioError,
)
from corridorsim.network import Network, load_network, validate_network
from corridorsim.routing import ROUTE_FAMILIES, Route, resolve_route, resolve_routes, route_table
from corridorsim.run import RunResult, run_scenario
from corridorsim.scenario import Scenario, load_scenario, scenario_from_dict

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
