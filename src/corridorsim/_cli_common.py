"""Shared pieces of the command line: the error wrapper and the SIGTERM handler.

Every :class:`~corridorsim.errors.CorridorSimError` becomes a short red message and its exit
code (2); Ctrl-C exits 130 and SIGTERM 143. Command modules import from here, not from
:mod:`corridorsim.cli`, so there is no import cycle.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import click
from rich.console import Console

from corridorsim.errors import CorridorSimError

__all__ = ["Terminated", "err_console", "handle_errors", "handle_signals", "on_sigterm"]

F = TypeVar("F", bound=Callable[..., Any])
err_console = Console(stderr=True, highlight=False)


class Terminated(KeyboardInterrupt):
    """SIGTERM, turned into an exception so that clean-up runs."""


def on_sigterm(signum: int, frame: Any) -> None:
    raise Terminated()


def handle_signals() -> None:
    """Ctrl-C (SIGINT) and SIGTERM stop a run cleanly, whatever the process inherited: a
    process started in the background of a script inherits SIGINT ignored, and a parent
    may leave both blocked."""
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, on_sigterm)


def handle_errors(fn: F) -> F:
    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        debug = click.get_current_context().find_root().params.get("debug", False)
        try:
            return fn(*args, **kwargs)
        except CorridorSimError as exc:
            if debug:
                raise
            err_console.print(f"[bold red]error:[/] {exc}", markup=True, soft_wrap=True)
            sys.exit(exc.exit_code)
        except BrokenPipeError:  # `corridorsim routes | head`: the reader has gone
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            sys.exit(0)
        except Terminated:
            err_console.print("[red]terminated[/]: no partial results were left behind")
            sys.exit(143)
        except KeyboardInterrupt:
            err_console.print("[red]interrupted[/]: no partial results were left behind")
            sys.exit(130)
    return wrapper  # type: ignore[return-value]
