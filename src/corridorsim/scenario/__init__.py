"""Scenario files: schema, defaults with sources, loading with precise errors."""

from corridorsim.scenario.load import load_scenario, scenario_from_dict, shipped_scenarios
from corridorsim.scenario.model import Scenario

__all__ = ["Scenario", "load_scenario", "scenario_from_dict", "shipped_scenarios"]
