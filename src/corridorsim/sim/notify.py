"""A condition to wait on: SimPy's missing notify-all.

SimPy offers resources, containers and stores for things that are *taken*; a yard with room
or a queue with new cargo is a *condition* several processes may wait for at once. Each
waiter gets its own event, and :meth:`Signal.notify` wakes every one of them, so no wake-up
is lost however many wait; a woken process checks its condition again.
"""

from __future__ import annotations

import simpy

__all__ = ["Signal"]


class Signal:
    """Every process waiting when :meth:`notify` is called is woken (in the order they
    began to wait)."""

    def __init__(self, env: simpy.Environment) -> None:
        self.env = env
        self._waiting: list[simpy.Event] = []

    def wait(self) -> simpy.Event:
        """An event that succeeds at the next :meth:`notify`."""
        ev = self.env.event()
        self._waiting.append(ev)
        return ev

    def notify(self) -> None:
        waiting, self._waiting = self._waiting, []
        for ev in waiting:
            if not ev.triggered:
                ev.succeed()
