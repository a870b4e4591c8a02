"""Model validation: published observations, measurement from runs, calibration helpers."""

from corridorsim.validation.check import (
    CONDITIONS,
    ValidationResult,
    condition_scenario,
    run_check,
    share_passing,
)
from corridorsim.validation.observations import ObservationError, load_observations

__all__ = ["CONDITIONS", "ObservationError", "ValidationResult", "condition_scenario",
           "load_observations", "run_check", "share_passing"]
