"""The ``corridorsim`` command line: a thin shell over the library.

One module per command; :mod:`corridorsim.cli.options` holds the options several commands
share, the error wrapper and the signal handlers. Every
:class:`~corridorsim.errors.CorridorSimError` becomes a short red message and exit code 2
(``--debug`` shows the traceback); Ctrl-C exits 130 and SIGTERM 143, leaving either the
previous complete results or none.

Importing this package loads click and rich only: each command imports the simulation,
pandas and geopandas when it runs, so ``corridorsim --help`` answers at once.
"""

from __future__ import annotations

import os

# Before numpy is imported: numpy asks the kernel for transparent huge pages on every large
# array (madvise), and on a 2-core Debian machine (THP "madvise") the kernel time that costs
# on a big run outweighed the gain: benchmark_10m's run 10.4-10.75 s → 8.4-8.8 s, the whole
# command 17.8-18.3 s → 16.1 s (sys 6.6-7.4 s → 3.8-3.9 s); the full-year baseline_2024
# 4.3-4.7 s → 4.3 s. A value the user set wins.
os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")

import click

from corridorsim._version import __version__
from corridorsim.cli import (
    check_model,
    compare,
    new,
    nodes,
    routes,
    run,
    schema,
    sweep,
    validate,
)

__all__ = ["main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="corridorsim")
@click.option("--debug", is_flag=True, help="Show full tracebacks for errors.")
def main(debug: bool) -> None:
    """Simulate China–Europe container freight: Middle Corridor, Northern rail, Suez, Cape."""


main.add_command(run.command)
main.add_command(validate.command)
main.add_command(routes.command)
main.add_command(nodes.command)
main.add_command(compare.command)
main.add_command(new.command)
main.add_command(schema.command)
main.add_command(sweep.command)
main.add_command(check_model.command)
