"""``kefu deploy-config``: validate a merchant's deployment config before ``cdk deploy``."""

from __future__ import annotations

import argparse
import json
import sys

from kefu.deploy_config import MerchantConfigError, load_merchant_config


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "deploy-config",
        help="validate a merchant deployment config (infra/merchants/*.json)",
        description="Validate a merchant config; prints one line per invalid field and exits 2 if any.",
    )
    parser.add_argument("path", nargs="+", help="merchant config JSON file(s)")
    parser.add_argument("--show", action="store_true", help="print the config with all defaults filled in")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    failed = False
    for path in args.path:
        try:
            config = load_merchant_config(path)
        except MerchantConfigError as error:
            failed = True
            print(f"{error.source}: invalid", file=sys.stderr)
            for problem in error.problems:
                print(f"  - {problem}", file=sys.stderr)
            continue
        print(
            f"{path}: ok (stack {config.stack_name}, region {config.region}, "
            f"search {config.search.backend.value}, composer {config.models.composer.value})"
        )
        if args.show:
            print(json.dumps(config.model_dump(mode="json"), indent=2, ensure_ascii=False))
    return 2 if failed else 0
