"""``fsp-sync``: the service and its tools. Each domain adds its own sub-commands."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from sync.auth import cli as accounts_cli
from sync.database import cli as database_cli
from sync import server_cli
from sync.notify import cli as mail_cli
from sync.schools import cli as schools_cli
from sync.schools import seed_cli
from sync.sweep import cli as sweep_cli
from sync.weather import cli as weather_cli

# Each entry adds one top-level command: ``add_commands(subparsers)`` registers parsers whose
# ``handler`` default takes the parsed arguments and returns the exit status.
COMMAND_GROUPS = [weather_cli, database_cli, schools_cli, accounts_cli, server_cli, seed_cli, sweep_cli, mail_cli]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fsp-sync",
        description="Flight Schedule Pro Dispatcher: the sync service and its tools.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for group in COMMAND_GROUPS:
        group.add_commands(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    return args.handler(args, parser)


if __name__ == "__main__":
    sys.exit(main())
