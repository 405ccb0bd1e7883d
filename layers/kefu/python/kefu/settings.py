"""Settings, parsed once from the environment into a model.

The same variables are set by the CDK stack in AWS and by the local runtime.
"""

from __future__ import annotations

import os
from enum import StrEnum
from functools import lru_cache

from pydantic import BaseModel, Field

from kefu import resources


class SearchBackend(StrEnum):
    EMBEDDED = "embedded"  # snapshot in S3, loaded into the Lambda: zero idle cost
    OPENSEARCH = "opensearch"  # OpenSearch (Serverless or managed domain) k-NN + lexical


class ComposerKind(StrEnum):
    OFFLINE = "offline"  # quotes the retrieved knowledge
    BEDROCK = "bedrock"  # Converse API, grounded on the retrieved knowledge


class EmbedderKind(StrEnum):
    OFFLINE = "offline"
    BEDROCK = "bedrock"


class Settings(BaseModel):
    shop_id: str = "hair-dye-demo"
    region: str = "cn-north-1"
    aws_endpoint_url: str | None = Field(default=None, description="local AWS emulation; None in AWS")
    aws_sqs_endpoint_url: str | None = Field(default=None, description="local SQS emulation, when apart")
    aws_dynamodb_endpoint_url: str | None = Field(default=None, description="local DynamoDB engine, when apart")
    conversations_table: str = "kefu-Conversations"
    ledger_table: str = "kefu-MessageLedger"
    agent_queue_table: str = "kefu-AgentQueue"
    learning_table: str = "kefu-Learning"
    activity_table: str = "kefu-Activity"
    activity_ttl_days: int = 400
    inbound_queue_url: str = ""
    inbound_dlq_url: str = ""
    knowledge_bucket: str = "kefu-knowledgebucket"
    knowledge_prefix: str = "shops"
    platform: str = Field(default="pdd", description="the platform adapter (kefu.platform.registry)")
    platform_secret: str | None = Field(default=None, description="webhook/API secret (local only)")
    platform_secret_arn: str | None = Field(default=None, description="Secrets Manager ARN in AWS")
    platform_client_id: str = "kefu-local"
    platform_api_url: str = "http://127.0.0.1:8790/api/router"
    platform_transport: str = "http"
    signature_window_s: int = 600
    max_body_bytes: int = 64 * 1024
    search_backend: SearchBackend = SearchBackend.EMBEDDED
    opensearch_endpoint: str | None = None
    opensearch_service: str = "aoss"
    composer: ComposerKind = ComposerKind.OFFLINE
    embedder: EmbedderKind = EmbedderKind.OFFLINE
    bedrock_text_model: str = "anthropic.claude-3-haiku-20240307-v1:0"
    bedrock_embedding_model: str = "amazon.titan-embed-text-v2:0"
    agent_api_token: str | None = Field(default=None, description="local console token; Cognito in AWS")
    # None: the ranker's own calibrated threshold (kefu/data/models/ranker.json); a number overrides it.
    answer_threshold: float | None = None
    turn_ttl_days: int = 90
    snapshot_refresh_s: int = 60
    # How long a worker holds the right to apply a decided outcome; keep it below the queue's visibility
    # timeout (60 s), so a retry after a crash finds the lease expired.
    ledger_lease_s: float = 30.0

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        mapping = {
            "shop_id": "KEFU_SHOP_ID",
            "region": "AWS_REGION",
            "aws_endpoint_url": "KEFU_AWS_ENDPOINT_URL",
            "aws_sqs_endpoint_url": "KEFU_AWS_ENDPOINT_URL_SQS",
            "aws_dynamodb_endpoint_url": "KEFU_AWS_ENDPOINT_URL_DYNAMODB",
            "conversations_table": resources.CONVERSATIONS.env_var,
            "ledger_table": resources.MESSAGE_LEDGER.env_var,
            "agent_queue_table": resources.AGENT_QUEUE.env_var,
            "learning_table": resources.LEARNING.env_var,
            "activity_table": resources.ACTIVITY.env_var,
            "activity_ttl_days": "KEFU_ACTIVITY_TTL_DAYS",
            "inbound_queue_url": resources.INBOUND_QUEUE.env_var,
            "inbound_dlq_url": resources.INBOUND_QUEUE.dlq_env_var or "",
            "knowledge_bucket": resources.KNOWLEDGE_BUCKET.env_var,
            "knowledge_prefix": "KEFU_KNOWLEDGE_PREFIX",
            "platform": "KEFU_PLATFORM",
            "platform_secret": "KEFU_PLATFORM_SECRET",
            "platform_secret_arn": "KEFU_PLATFORM_SECRET_ARN",
            "platform_client_id": "KEFU_PLATFORM_CLIENT_ID",
            "platform_api_url": "KEFU_PLATFORM_API_URL",
            "platform_transport": "KEFU_PLATFORM_TRANSPORT",
            "signature_window_s": "KEFU_SIGNATURE_WINDOW_S",
            "max_body_bytes": "KEFU_MAX_BODY_BYTES",
            "search_backend": "KEFU_SEARCH_BACKEND",
            "opensearch_endpoint": "KEFU_OPENSEARCH_ENDPOINT",
            "opensearch_service": "KEFU_OPENSEARCH_SERVICE",
            "composer": "KEFU_COMPOSER",
            "embedder": "KEFU_EMBEDDER",
            "bedrock_text_model": "KEFU_BEDROCK_TEXT_MODEL",
            "bedrock_embedding_model": "KEFU_BEDROCK_EMBEDDING_MODEL",
            "agent_api_token": "KEFU_AGENT_API_TOKEN",
            "answer_threshold": "KEFU_ANSWER_THRESHOLD",
            "turn_ttl_days": "KEFU_TURN_TTL_DAYS",
            "snapshot_refresh_s": "KEFU_SNAPSHOT_REFRESH_S",
            "ledger_lease_s": "KEFU_LEDGER_LEASE_S",
        }
        values = {field: env[var] for field, var in mapping.items() if env.get(var)}
        return cls.model_validate(values)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings; parsed on first use (cold start), then reused."""
    return Settings.from_env()
