"""Intake: the public webhook API, one route per platform route of ``kefu.platform.registry``, and its Lambda."""

from __future__ import annotations

from aws_cdk import aws_apigateway as apigateway
from constructs import Construct

from infra.flows import grants
from infra.flows.answering import Answering
from infra.flows.api import rest_api
from infra.flows.lambdas import KefuFunction, Runtime
from infra.flows.state import State
from infra.nag import acknowledge
from kefu import resources
from kefu.platform import registry

WEBHOOK_ROUTES = tuple(route for route, _ in registry.routes())


class Intake(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, state: State, answering: Answering, runtime: Runtime
    ) -> None:
        super().__init__(scope, construct_id)
        config = runtime.config
        self.webhook = KefuFunction(
            self,
            "Webhook",
            spec=resources.FUNCTIONS["webhook"],
            runtime=runtime,
        )
        role = self.webhook.role
        ledger = resources.MESSAGE_LEDGER
        grants.table_access(role, state.table(ledger), ledger, write=True)
        grants.queue_send(role, answering.inbound)
        grants.key_use(role, state.key, encrypt=True)
        grants.secret_read(role, state.platform_secret)

        self.api = rest_api(
            self,
            "Api",
            config=config,
            description=f"kefu {config.shop_id}: platform webhooks",
            rate=config.intake.throttle_rate_per_s,
            burst=config.intake.throttle_burst,
            account_logging_role=True,
        )
        integration = apigateway.LambdaIntegration(self.webhook.function, allow_test_invoke=False)
        webhook = self.api.root.add_resource("webhook")
        for route in WEBHOOK_ROUTES:
            resource: apigateway.IResource = webhook
            for part in route.path.split("/"):
                resource = resource.get_resource(part) or resource.add_resource(part)
            for verb in route.methods:
                method = resource.add_method(verb, integration)
                for rule in ("AwsSolutions-APIG4", "AwsSolutions-COG4"):
                    acknowledge(
                        method,
                        rule,
                        "Called by the e-commerce platform, which cannot hold AWS or Cognito credentials: "
                        "the handler verifies the platform signature and timestamp of every request.",
                    )
