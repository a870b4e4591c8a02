"""Closure calendars: time windows in which an element is closed or scaled."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Calendar:
    """Sorted windows ``(start_h, end_h, cause, capacity_factor, speed_factor)``."""

    windows: list[tuple[float, float, str, float, float]] = field(default_factory=list)

    def add(self, start_h: float, end_h: float, cause: str, capacity: float = 0.0,
            speed: float = 1.0) -> None:
        self.windows.append((start_h, end_h, cause, capacity, speed))
        self.windows.sort()

    def blocked(self, t: float) -> tuple[float, str] | None:
        """If closed at ``t``: (time it reopens, cause); windows that chain are followed."""
        reopen, cause, hit = t, "", False
        changed = True
        while changed:
            changed = False
            for start, end, c, cap, _ in self.windows:
                if cap == 0.0 and start <= reopen < end:
                    reopen, changed, hit = end, True, True
                    cause = cause or c
        return (reopen, cause) if hit else None

    def factors(self, t: float) -> tuple[float, float]:
        """Product of capacity and speed factors of open windows active at ``t``."""
        cap, spd = 1.0, 1.0
        for start, end, _, c, s in self.windows:
            if start <= t < end:
                if c > 0:
                    cap *= c
                spd *= s
        return cap, spd

    def merged(self, other: Calendar) -> Calendar:
        out = Calendar(list(self.windows))
        for w in other.windows:
            out.add(*w)
        return out
