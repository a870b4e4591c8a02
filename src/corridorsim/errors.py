"""Exceptions raised by corridorsim.

Every error a user can cause derives from :class:`CorridorSimError` and also from the
matching built-in, so ``except ValueError`` keeps working for library users. Messages say
where (file, line, field or feature id), what was found and what is allowed.
"""

from __future__ import annotations

__all__ = [
    "CorridorSimError",
    "InternalError",
    "NetworkError",
    "NotApplicable",
    "OutputError",
    "RouteError",
    "ScenarioError",
]


class CorridorSimError(Exception):
    """Base class of every error corridorsim raises on purpose."""

    exit_code = 2


class ScenarioError(CorridorSimError, ValueError):
    """A scenario file is unreadable or invalid."""


class NetworkError(CorridorSimError, ValueError):
    """The corridor geodata is broken (dangling link, bad CRS, bad geometry, ...)."""


class RouteError(CorridorSimError, ValueError):
    """A route family cannot be resolved on the network."""


class NotApplicable(RouteError):
    """A route family cannot serve an origin–destination pair (the message says why)."""


class OutputError(CorridorSimError, OSError):
    """Results cannot be written where asked (missing or read-only folder, lock held)."""


class InternalError(CorridorSimError, RuntimeError):
    """An invariant of the simulation was violated: a bug in corridorsim."""

    exit_code = 70
