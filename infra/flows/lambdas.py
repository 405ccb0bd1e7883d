"""One way to build every kefu Lambda: Python 3.12 on arm64, the layers, its own role and log group."""

from __future__ import annotations

from dataclasses import dataclass, field

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.bundling import REPO_ROOT
from infra.flows.state import log_retention
from infra.nag import acknowledge
from kefu.deploy_config import MerchantConfig
from kefu.resources import FunctionSpec

FUNCTIONS_DIR = REPO_ROOT / "functions"
RUNTIME = lambda_.Runtime.PYTHON_3_12
_PLACEHOLDER = (
    "def lambda_handler(event, context):\n"
    "    raise NotImplementedError('functions/{name}/app.py was missing when this stack was synthesized')\n"
)


@dataclass
class Runtime:
    """What every function shares: config, layers and the base environment (settings.from_env names)."""

    config: MerchantConfig
    layers: list[lambda_.ILayerVersion]
    environment: dict[str, str] = field(default_factory=dict)


def function_code(spec: FunctionSpec) -> tuple[lambda_.Code, str]:
    """The handler folder as the asset; an inline stand-in when it does not exist yet (synth still works)."""
    folder = FUNCTIONS_DIR / spec.name
    if (folder / f"{spec.module}.py").exists():
        return (
            lambda_.Code.from_asset(str(folder), exclude=["**/__pycache__", "**/*.pyc", "tests", "**/tests"]),
            spec.handler,
        )
    return lambda_.Code.from_inline(_PLACEHOLDER.format(name=spec.name)), "index.lambda_handler"


class KefuFunction(Construct):
    """A function with a role that starts empty: grants are added statement by statement."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        spec: FunctionSpec,
        runtime: Runtime,
        memory_mb: int | None = None,
        timeout_s: int | None = None,
        reserved_concurrency: int | None = None,
    ) -> None:
        """Memory, timeout, handler and description come from ``spec`` (kefu.resources.FUNCTIONS, which the local
        runtime reads too); ``memory_mb``/``timeout_s``/``reserved_concurrency`` are a merchant's overrides."""
        super().__init__(scope, construct_id)
        config = runtime.config
        name = spec.name
        self.service = f"kefu-{name.replace('_', '-')}"
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"{self.service} for shop {config.shop_id}",
        )
        self.log_group = logs.LogGroup(
            self,
            "Logs",
            retention=log_retention(config),
            removal_policy=RemovalPolicy.DESTROY,  # logs follow their retention; never block a stack delete
        )
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[self.log_group.log_group_arn],
            )
        )
        code, handler = function_code(spec)
        environment = {
            **runtime.environment,
            "POWERTOOLS_SERVICE_NAME": self.service,
            "POWERTOOLS_METRICS_NAMESPACE": "kefu",
            "POWERTOOLS_LOG_LEVEL": config.log_level,
            "POWERTOOLS_TRACE_DISABLED": "false" if config.tracing else "true",
        }
        self.function = lambda_.Function(
            self,
            "Function",
            description=f"kefu {config.shop_id}: {spec.description}",
            runtime=RUNTIME,
            architecture=lambda_.Architecture.ARM_64,
            handler=handler,
            code=code,
            layers=runtime.layers,
            role=self.role,
            log_group=self.log_group,
            memory_size=memory_mb or spec.memory_mb,
            timeout=Duration.seconds(timeout_s or spec.timeout_s),
            reserved_concurrent_executions=reserved_concurrency or spec.reserved_concurrency,
            environment=environment,
            tracing=lambda_.Tracing.ACTIVE if config.tracing else lambda_.Tracing.DISABLED,
        )
        acknowledge(
            self.function,
            "AwsSolutions-L1",
            "Python 3.12 is pinned on purpose: the dependency layer's wheels are built for cp312/arm64.",
        )
        if config.tracing:
            acknowledge(
                self.role,
                "AwsSolutions-IAM5[Resource::*]",
                "X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions.",
            )

    def add_environment(self, values: dict[str, str]) -> None:
        for key, value in values.items():
            self.function.add_environment(key, value)
