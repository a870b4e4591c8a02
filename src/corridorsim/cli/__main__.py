"""``python -m corridorsim.cli``: the same as the ``corridorsim`` command."""

from corridorsim.cli import main

main()
