"""One merchant's stack: the flows of docs/deploy.md wired together from one MerchantConfig."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Stack, Tags
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.bundling import dependency_layer_code, encoder_layer_code, library_layer_code
from infra.flows import grants
from infra.flows.answering import Answering
from infra.flows.api import protect
from infra.flows.handoff import Handoff
from infra.flows.intake import Intake
from infra.flows.knowledge import Knowledge
from infra.flows.lambdas import RUNTIME, Runtime
from infra.flows.monitoring import Monitoring
from infra.flows.search import Search
from infra.flows.state import State
from kefu import resources
from kefu.deploy_config import MerchantConfig
from kefu.platform import registry


class KefuStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: MerchantConfig,
        skip_bundling: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            scope, construct_id, description=f"kefu AI customer service for shop {config.shop_id}", **kwargs
        )
        self.config = config
        for key, value in {"kefu:shop": config.shop_id, **config.tags}.items():
            Tags.of(self).add(key, value)

        self.state = State(self, "State", config=config)
        layers: list[lambda_.ILayerVersion] = [
            lambda_.LayerVersion(
                self,
                "DependenciesLayer",
                code=dependency_layer_code(skip_bundling),
                compatible_runtimes=[RUNTIME],
                compatible_architectures=[lambda_.Architecture.ARM_64],
                description="kefu third-party dependencies (pip, manylinux arm64, cp312)",
            ),
            lambda_.LayerVersion(
                self,
                "KefuLayer",
                code=library_layer_code(),
                compatible_runtimes=[RUNTIME],
                compatible_architectures=[lambda_.Architecture.ARM_64],
                description="the kefu library",
            ),
            lambda_.LayerVersion(
                self,
                "EncoderLayer",
                code=encoder_layer_code(skip_bundling),
                compatible_runtimes=[RUNTIME],
                compatible_architectures=[lambda_.Architecture.ARM_64],
                description="sentence encoder bge-small-zh-v1.5 (int8 ONNX, MIT) at /opt/kefu-models",
            ),
        ]
        runtime = Runtime(config=config, layers=layers, environment=self._base_environment())

        self.answering = Answering(self, "Answering", state=self.state, runtime=runtime)
        self.knowledge = Knowledge(self, "Knowledge", state=self.state, runtime=runtime)
        self.intake = Intake(self, "Intake", state=self.state, answering=self.answering, runtime=runtime)
        self.handoff = Handoff(self, "Handoff", state=self.state, intake=self.intake, runtime=runtime)
        functions = [
            self.answering.responder,
            self.knowledge.ingest,
            self.intake.webhook,
            self.handoff.agent_api_function,
            self.handoff.sla_monitor,
        ]
        for function in functions:
            # Every function gets every name settings.from_env reads; permissions stay per function.
            function.add_environment(
                {
                    resources.KNOWLEDGE_BUCKET.env_var: self.knowledge.bucket.bucket_name,
                    **self._queue_environment(),
                }
            )
        self.knowledge.grant_read(self.answering.responder)
        # The console's suggested replies come from the learned knowledge; the SLA monitor reads shop hours there.
        self.knowledge.grant_read(self.handoff.agent_api_function)
        # Approving a candidate publishes a new snapshot version (learning/publish.py).
        self.knowledge.grant_write(self.handoff.agent_api_function)
        self.knowledge.grant_read(self.handoff.sla_monitor)
        if config.models.uses_bedrock:
            models = []
            if config.models.composer.value == "bedrock":
                models.append(config.models.bedrock_text_model)
            if config.models.embedder.value == "bedrock":
                models.append(config.models.bedrock_embedding_model)
            grants.bedrock_invoke(self.answering.responder.role, self, models)
            if config.models.embedder.value == "bedrock":
                grants.bedrock_invoke(
                    self.knowledge.ingest.role, self, [config.models.bedrock_embedding_model]
                )
        self.web_acl = protect(self, config, [self.intake.api, self.handoff.api])
        self.search = Search(
            self,
            "Search",
            config=config,
            state=self.state,
            readers=[self.answering.responder],
            writers=[self.knowledge.ingest, self.handoff.agent_api_function],
        )
        for function in functions:
            function.add_environment(self.search.environment)
        self.monitoring = Monitoring(
            self, "Monitoring", config=config, state=self.state, intake=self.intake, answering=self.answering
        )

        CfnOutput(self, "WebhookUrl", value=self.intake.api.url_for_path(registry.route_of(config.platform)))
        CfnOutput(self, "KnowledgeBucketName", value=self.knowledge.bucket.bucket_name)
        CfnOutput(
            self,
            "BundlePrefix",
            value=f"s3://{self.knowledge.bucket.bucket_name}/shops/{config.shop_id}/bundle/",
        )
        CfnOutput(self, "PlatformSecretArn", value=self.state.platform_secret.secret_arn)
        CfnOutput(self, "AlarmTopicArn", value=self.monitoring.topic.topic_arn)

    def _base_environment(self) -> dict[str, str]:
        config = self.config
        env = {
            "KEFU_SHOP_ID": config.shop_id,
            "KEFU_KNOWLEDGE_PREFIX": "shops",
            "KEFU_PLATFORM": config.platform,
            "KEFU_PLATFORM_SECRET_ARN": self.state.platform_secret.secret_arn,
            "KEFU_PLATFORM_CLIENT_ID": config.platform_client_id,
            "KEFU_PLATFORM_API_URL": config.platform_api_url,
            "KEFU_COMPOSER": config.models.composer.value,
            "KEFU_EMBEDDER": config.models.embedder.value,
            "KEFU_BEDROCK_TEXT_MODEL": config.models.bedrock_text_model,
            "KEFU_BEDROCK_EMBEDDING_MODEL": config.models.bedrock_embedding_model,
            "KEFU_TURN_TTL_DAYS": str(config.retention.conversation_ttl_days),
            "KEFU_LEDGER_TTL_DAYS": str(config.retention.ledger_ttl_days),
            "KEFU_HANDOFF_TTL_DAYS": str(config.retention.handoff_ttl_days),
            "KEFU_HANDOFF_SLA_MINUTES": str(config.alarms.handoff_sla_minutes),
        }
        if config.answer_threshold is not None:
            env["KEFU_ANSWER_THRESHOLD"] = str(config.answer_threshold)
        for spec in resources.TABLES:
            env[spec.env_var] = self.state.table(spec).table_name
        return env

    def _queue_environment(self) -> dict[str, str]:
        env: dict[str, str] = {}
        for spec in resources.QUEUES:
            env[spec.env_var] = self.answering.queues[spec.logical_id].queue_url
            if spec.dlq_env_var:
                env[spec.dlq_env_var] = self.answering.dead_letter_queues[spec.logical_id].queue_url
        return env
