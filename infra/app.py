"""The CDK app: ``npx cdk synth -c merchant=hair-dye-demo`` (see docs/deploy.md).

Context keys: ``merchant`` (a name in infra/merchants/ or a path to a JSON file), ``merchantConfig``
(the JSON inline), ``kefu:skipLayerBundling`` (placeholder dependency layer; never deploy that),
``kefu:nag`` (false turns the cdk-nag AwsSolutions checks off; on by default).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for path in (ROOT, ROOT / "layers" / "kefu" / "python"):  # `python infra/app.py` works without an install
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from aws_cdk import App, Environment, Validations  # noqa: E402

from infra.bundling import SKIP_BUNDLING_CONTEXT  # noqa: E402
from infra.config import MerchantConfig, MerchantConfigError, config_from_context  # noqa: E402
from infra.stack import KefuStack  # noqa: E402


def _flag(value: object, default: bool) -> bool:
    if value is None:
        return default
    return str(value).lower() in ("1", "true", "yes")


def build_app(app: App, config: MerchantConfig) -> KefuStack:
    stack = KefuStack(
        app,
        config.stack_name,
        config=config,
        skip_bundling=_flag(app.node.try_get_context(SKIP_BUNDLING_CONTEXT), False),
        env=Environment(account=config.account, region=config.region),
    )
    if _flag(app.node.try_get_context("kefu:nag"), True):
        from cdk_nag import AwsSolutionsChecks

        Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return stack


def main() -> int:
    app = App()
    try:
        config = config_from_context(
            app.node.try_get_context("merchant"), app.node.try_get_context("merchantConfig")
        )
    except MerchantConfigError as error:
        print(f"kefu: invalid merchant config {error.source}:", file=sys.stderr)
        for problem in error.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 2
    build_app(app, config)
    app.synth()
    return 0


if __name__ == "__main__":
    sys.exit(main())
