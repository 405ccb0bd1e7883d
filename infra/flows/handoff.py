"""Handoff: Cognito users (the human agents), the agent API (``/agent/...``), the console (``/console``).

The console's static files are served by the agent Lambda at ``/console`` on the same API, so
it needs no bucket, no CDN and no CORS; every ``/agent`` route requires a Cognito ID token.
"""

from __future__ import annotations

from aws_cdk import CfnOutput, Duration
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from constructs import Construct

from infra.flows import grants
from infra.flows.api import rest_api
from infra.flows.intake import Intake
from infra.flows.lambdas import KefuFunction, Runtime
from infra.flows.state import State, removal_policy
from infra.nag import acknowledge
from kefu import resources


class Handoff(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, state: State, intake: Intake, runtime: Runtime
    ) -> None:
        super().__init__(scope, construct_id)
        config = runtime.config
        mfa_required = config.console.mfa == "required"
        self.user_pool = cognito.UserPool(
            self,
            "Agents",
            user_pool_name=f"kefu-{config.shop_id}-agents",
            self_sign_up_enabled=False,  # the merchant invites its agents
            sign_in_aliases=cognito.SignInAliases(email=True),
            auto_verify=cognito.AutoVerifiedAttrs(email=True),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            mfa=cognito.Mfa.REQUIRED if mfa_required else cognito.Mfa.OPTIONAL,
            mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
            password_policy=cognito.PasswordPolicy(
                min_length=12,
                require_digits=True,
                require_lowercase=True,
                require_uppercase=True,
                require_symbols=True,
                temp_password_validity=Duration.days(3),
            ),
            removal_policy=removal_policy(config),
        )
        acknowledge(
            self.user_pool,
            "AwsSolutions-COG8",
            "Threat protection needs the Cognito Plus plan (per-user fee); a handful of invited agents "
            "with MFA and strong passwords is the chosen trade-off.",
        )
        if not mfa_required:
            acknowledge(self.user_pool, "AwsSolutions-COG2", "MFA set to optional by the merchant's config.")
        self.client = self.user_pool.add_client(
            "Console",
            user_pool_client_name="console",
            generate_secret=False,  # a browser app cannot keep a secret
            auth_flows=cognito.AuthFlow(user_srp=True),
            prevent_user_existence_errors=True,
            id_token_validity=Duration.hours(8),  # one agent shift
            access_token_validity=Duration.hours(8),
            refresh_token_validity=Duration.days(1),
        )
        for index, email in enumerate(config.console.initial_agents):
            cognito.CfnUserPoolUser(
                self,
                f"Agent{index}",
                user_pool_id=self.user_pool.user_pool_id,
                username=email,
                user_attributes=[cognito.CfnUserPoolUser.AttributeTypeProperty(name="email", value=email)],
                desired_delivery_mediums=["EMAIL"],
            )

        self.agent_api_function = KefuFunction(
            self,
            "AgentApi",
            spec=resources.FUNCTIONS["agent_api"],
            runtime=runtime,
        )
        self.agent_api_function.add_environment(
            {
                "KEFU_COGNITO_USER_POOL_ID": self.user_pool.user_pool_id,
                "KEFU_COGNITO_CLIENT_ID": self.client.user_pool_client_id,
            }
        )
        # Every 5 minutes: how many handoffs wait past the SLA (the HandoffsPastSla alarm's metric).
        self.sla_monitor = KefuFunction(
            self,
            "SlaMonitor",
            spec=resources.FUNCTIONS["sla_monitor"],
            runtime=runtime,
        )
        grants.table_access(self.sla_monitor.role, state.table(resources.AGENT_QUEUE), resources.AGENT_QUEUE,
                            write=False)
        grants.key_use(self.sla_monitor.role, state.key, encrypt=False)
        events.Rule(
            self,
            "SlaSchedule",
            description="kefu: measure handoffs past their SLA",
            schedule=events.Schedule.rate(Duration.minutes(5)),
            targets=[targets.LambdaFunction(self.sla_monitor.function, retry_attempts=0)],
        )

        role = self.agent_api_function.role
        for spec in (resources.AGENT_QUEUE, resources.CONVERSATIONS, resources.MESSAGE_LEDGER, resources.LEARNING,
                     resources.ACTIVITY):
            grants.table_access(role, state.table(spec), spec, write=True)
        grants.key_use(role, state.key, encrypt=True)
        grants.secret_read(role, state.platform_secret)  # the agent's reply goes out through the platform API

        self.api = rest_api(
            self,
            "Api",
            config=config,
            description=f"kefu {config.shop_id}: agent console and API",
            rate=20,
            burst=40,
            account_logging_role=False,
        )
        account = intake.api.node.try_find_child("Account")
        if account is not None:  # execution logging needs the account's CloudWatch role first
            self.api.deployment_stage.node.add_dependency(account)
        authorizer = apigateway.CognitoUserPoolsAuthorizer(
            self, "Authorizer", cognito_user_pools=[self.user_pool]
        )
        integration = apigateway.LambdaIntegration(self.agent_api_function.function, allow_test_invoke=False)
        agent = self.api.root.add_resource("agent")
        for resource in (agent, agent.add_resource("{proxy+}")):
            resource.add_method(
                "ANY",
                integration,
                authorizer=authorizer,
                authorization_type=apigateway.AuthorizationType.COGNITO,
            )
        console = self.api.root.add_resource("console")
        for resource in (console, console.add_resource("{proxy+}")):
            method = resource.add_method("GET", integration)
            for rule in ("AwsSolutions-APIG4", "AwsSolutions-COG4"):
                acknowledge(
                    method,
                    rule,
                    "Static console files (HTML/JS/CSS) are public by design; they hold no data and "
                    "every /agent data route requires a Cognito token.",
                )
        CfnOutput(self, "ConsoleUrl", value=self.api.url_for_path("/console"))
        CfnOutput(self, "UserPoolId", value=self.user_pool.user_pool_id)
        CfnOutput(self, "ConsoleClientId", value=self.client.user_pool_client_id)
