"""The ``kefu`` command line. Each command lives in its own module with a ``register(subparsers)``."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# Modules that contribute commands; each defines register(subparsers) -> None.
COMMAND_MODULES: tuple[str, ...] = (
    "kefu_dev.cli.deploy",
    "kefu_dev.cli.evaluation",
    "kefu_dev.cli.knowledge",
    "kefu_dev.cli.runtime",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kefu",
        description="kefu: AI customer-service agent for Chinese e-commerce shops (Pinduoduo first).",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        result = args.handler(args)
    except KeyboardInterrupt:
        return 130
    except UserFacingError as error:
        print(f"kefu {args.command}: {error}", file=sys.stderr)
        return 2
    return int(result or 0)


class UserFacingError(Exception):
    """An error whose message tells the user what to do; printed without a traceback."""


if __name__ == "__main__":
    sys.exit(main())
