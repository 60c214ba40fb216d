"""``python -m ioc.simulator [--port N] [--seed N] …``: serve the simulator until stopped."""

from __future__ import annotations

from ioc.simulator.arguments import parse_arguments
from ioc.simulator.runner import serve


def main(argv: list[str] | None = None) -> None:
    config, host, port = parse_arguments(argv)
    serve(config, host, port)


if __name__ == "__main__":
    main()
