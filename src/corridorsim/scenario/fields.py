"""Bounds and field types shared by the scenario schema (:mod:`corridorsim.scenario.model`).

Absurd-magnitude guards: every number has bounds a planner could hit only by mistake. Units
live in the names, as in the schema's keys.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "MAX_D",
    "MAX_H",
    "MAX_TEU",
    "Factor",
    "FrozenModel",
    "Hours",
    "Lat",
    "Lon",
    "PosDays",
    "PosHours",
    "Share",
    "UsdPerTeuDay",
]

MAX_H = 24.0 * 3650  # ten years in hours
MAX_D = 3650.0
MAX_TEU = 1e9

Hours = Annotated[float, Field(ge=0, le=MAX_H, allow_inf_nan=False)]
PosHours = Annotated[float, Field(gt=0, le=MAX_H, allow_inf_nan=False)]
Share = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
Factor = Annotated[float, Field(ge=0, le=1000, allow_inf_nan=False)]
UsdPerTeuDay = Annotated[float, Field(ge=0, le=1e6, allow_inf_nan=False)]
PosDays = Annotated[float, Field(gt=0, le=MAX_D, allow_inf_nan=False)]
Lon = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)]
Lat = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]


class FrozenModel(BaseModel):
    """A schema section: immutable, and unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)
