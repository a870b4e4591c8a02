"""Places and links a scenario adds to the shipped network (the ``network:`` section)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field

from corridorsim.scenario.fields import FrozenModel, Lat, Lon

__all__ = ["NetworkAdditions", "PlaceLink", "PlaceNode"]


class PlaceNode(FrozenModel):
    """A place a planner adds to the network (``network.nodes``)."""

    id: Annotated[str, Field(min_length=2, max_length=40, pattern=r"^[A-Z0-9_]+$")]
    name: Annotated[str, Field(min_length=1, max_length=100)]
    country: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    kind: Literal["terminal", "border", "gauge_change", "port", "hub", "chokepoint"] = "terminal"
    lon: Lon
    lat: Lat
    gauge_mm: Literal[1435, 1520] | None = None
    roles: tuple[str, ...] = ("od",)
    aliases: tuple[str, ...] = ()
    source: str = "scenario"


class PlaceLink(FrozenModel):
    """A link a planner adds (``network.links``); without ``geometry`` it is drawn as a
    straight line and flagged assumed on the map and in the report."""

    from_: Annotated[str, Field(alias="from", min_length=1)]
    to: Annotated[str, Field(min_length=1)]
    mode: Literal["rail", "sea", "road"] = "rail"
    gauge_mm: Literal[1435, 1520] | None = None
    traction: Literal["electric", "diesel"] | None = None
    sea_area: Literal["deep_sea", "caspian", "black_sea", "lake_van"] | None = None
    geometry: tuple[tuple[Lon, Lat], ...] | None = None
    source: str = "scenario"
    assumed: bool | None = None

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class NetworkAdditions(FrozenModel):
    """Places and links added to the shipped network for this scenario."""

    nodes: tuple[PlaceNode, ...] = ()
    links: tuple[PlaceLink, ...] = ()
