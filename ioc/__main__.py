"""``python -m ioc`` runs the ``ioc`` command."""

from ioc.cli import main

main()
