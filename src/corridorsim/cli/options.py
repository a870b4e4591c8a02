"""What the commands share: their common options, the error wrapper and the signal handlers.

Every :class:`~corridorsim.errors.CorridorSimError` becomes a short red message and its exit
code (2); Ctrl-C exits 130 and SIGTERM 143. Options used by several commands are declared
here once; an option whose help text depends on the command takes it as an argument.
Importing this module loads click and rich only.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from types import FrameType
from typing import ParamSpec, TypeVar

import click
from rich.console import Console
from rich.text import Text

from corridorsim.errors import CorridorSimError

__all__ = [
    "WIDTH",
    "Terminated",
    "err_console",
    "force_option",
    "format_option",
    "handle_errors",
    "handle_signals",
    "on_sigterm",
    "out_option",
    "print_error",
    "print_warning",
    "quiet_option",
    "scheduler_option",
    "table_console",
    "workers_option",
]

P = ParamSpec("P")
R = TypeVar("R")
FC = TypeVar("FC", bound=Callable[..., object])

err_console = Console(stderr=True, highlight=False)

#: terminal tables are laid out to fit this many columns (``--wide``: no limit)
WIDTH = 80


def table_console(*, wide: bool = False) -> Console:
    """stdout for a table: a terminal's own width, at most :data:`WIDTH` columns unless
    ``wide``; :data:`WIDTH` when piped (``wide``: as wide as the table, up to 250)."""
    if wide:
        return Console(highlight=False, width=None if sys.stdout.isatty() else 250)
    width = Console().width if sys.stdout.isatty() else WIDTH
    return Console(highlight=False, width=min(width, WIDTH))


# ------------------------------------------------------------------------------ options
def out_option(help: str) -> Callable[[FC], FC]:
    """``--out PATH`` (a :class:`~pathlib.Path`); what it names depends on the command."""
    return click.option("--out", type=click.Path(path_type=Path), help=help)


def force_option(help: str) -> Callable[[FC], FC]:
    """``--force``; what it overwrites depends on the command."""
    return click.option("--force", is_flag=True, help=help)


quiet_option = click.option("--quiet", "-q", is_flag=True, help="Print only the output paths.")
format_option = click.option("--format", "fmt", type=click.Choice(["table", "csv"]),
                             default="table", show_default=True)
workers_option = click.option("--workers", type=click.IntRange(0, 256), default=0,
                              help="Processes to simulate in, this one included "
                                   "(0 or 1: this one only).")
scheduler_option = click.option("--scheduler",
                                help="Address of an existing Dask scheduler (tcp://HOST:PORT).")


# ------------------------------------------------------------------------------ signals
class Terminated(KeyboardInterrupt):
    """SIGTERM, turned into an exception so that clean-up runs."""


def on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise Terminated()


def handle_signals() -> None:
    """Ctrl-C (SIGINT) and SIGTERM stop a run cleanly, whatever the process inherited: a
    process started in the background of a script inherits SIGINT ignored, and a parent
    may leave both blocked."""
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, on_sigterm)


# ------------------------------------------------------------------------------ errors
def print_error(message: str, label: str = "error") -> None:
    """``error: message`` on stderr; the message is printed as it is, never read as rich
    markup (``pip install 'corridorsim[distributed]'`` stays intact)."""
    err_console.print(Text.assemble((f"{label}:", "bold red"), " ", message),
                      soft_wrap=True, highlight=False)


def print_warning(message: str) -> None:
    """``warning: message`` on stderr, printed as it is (no markup)."""
    err_console.print(Text.assemble(("warning:", "yellow"), " ", message),
                      soft_wrap=True, highlight=False)


def handle_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Run a command: our errors as one red line and their exit code (``--debug``: the
    traceback), a closed pipe as success, Ctrl-C as 130 and SIGTERM as 143."""
    @wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        debug = click.get_current_context().find_root().params.get("debug", False)
        try:
            return fn(*args, **kwargs)
        except CorridorSimError as exc:
            if debug:
                raise
            print_error(str(exc))
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
    return wrapper
