"""A merchant's deployment configuration: what ``cdk deploy`` builds for one shop.

The CDK app (infra/) reads it from cdk context or a JSON file; ``kefu deploy-config``
validates it. It lives in the library (pydantic only, no CDK import) so the CLI works
without the CDK installed.
"""

from __future__ import annotations

import json
import re
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from kefu.platform import registry
from kefu.resources import FUNCTIONS, INBOUND_QUEUE, RESPONDER_BATCH_SIZE
from kefu.settings import ComposerKind, EmbedderKind

# CloudWatch Logs accepts only these retention periods (days).
LOG_RETENTION_DAYS = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
)  # fmt: skip
# Geography prefixes of Bedrock cross-region inference profiles ("us.anthropic...", "global.anthropic...").
INFERENCE_PROFILE_PREFIXES = ("us.", "eu.", "apac.", "jp.", "au.", "ca.", "us-gov.", "global.")
_REGION = re.compile(r"^(cn|us|eu|ap|sa|ca|me|af|il|mx)(-gov)?-[a-z]+-\d$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class SearchKind(StrEnum):
    EMBEDDED = "embedded"  # index snapshot in S3, loaded by the Lambdas: no idle cost at all
    OPENSEARCH_SERVERLESS = "opensearch_serverless"  # vector collection (NextGen scales to zero)
    OPENSEARCH_DOMAIN = "opensearch_domain"  # managed domain: a fixed hourly instance cost


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SearchConfig(_Strict):
    backend: SearchKind = SearchKind.EMBEDDED
    # OpenSearch Serverless: "nextgen" collection group (min OCU 0 → scales to zero) or "classic".
    serverless_generation: Literal["nextgen", "classic"] = "nextgen"
    max_search_ocu: int = Field(default=2, ge=1, le=16)
    max_indexing_ocu: int = Field(default=2, ge=1, le=16)
    standby_replicas: bool = Field(default=False, description="doubles the OCU floor; off for small shops")
    # Managed domain.
    domain_instance_type: str = Field(default="t3.small.search", pattern=r"^[a-z0-9]+\.[a-z0-9]+\.search$")
    domain_instance_count: int = Field(default=1, ge=1, le=10)
    domain_volume_gb: int = Field(default=10, ge=10, le=1024)


class ModelsConfig(_Strict):
    composer: ComposerKind = ComposerKind.OFFLINE
    embedder: EmbedderKind = EmbedderKind.OFFLINE
    bedrock_text_model: str = "anthropic.claude-3-haiku-20240307-v1:0"
    bedrock_embedding_model: str = "amazon.titan-embed-text-v2:0"

    @property
    def uses_bedrock(self) -> bool:
        return ComposerKind.BEDROCK in (self.composer, self.embedder)


class RetentionConfig(_Strict):
    log_days: int = 30
    conversation_ttl_days: int = Field(default=90, ge=1, le=3650, description="TTL of conversation turns")
    ledger_ttl_days: int = Field(default=7, ge=1, le=365, description="TTL of the exactly-once ledger")
    handoff_ttl_days: int = Field(default=30, ge=1, le=3650, description="TTL of closed handoffs")
    retain_data_on_delete: bool = Field(
        default=True, description="keep tables/bucket/user pool on stack delete"
    )

    @field_validator("log_days")
    @classmethod
    def _allowed_retention(cls, value: int) -> int:
        if value not in LOG_RETENTION_DAYS:
            raise ValueError(f"CloudWatch Logs accepts only {', '.join(map(str, LOG_RETENTION_DAYS))}")
        return value


class IntakeConfig(_Strict):
    throttle_rate_per_s: float = Field(default=50, gt=0, le=10_000)
    throttle_burst: int = Field(default=100, ge=1, le=5_000)
    waf: bool = Field(default=False, description="AWS WAF web ACL with a per-IP rate rule (about $6/month)")
    # Per source IP; the platform's few gateway IPs carry every webhook, so keep it far above peak traffic.
    waf_rate_limit_per_5min: int = Field(default=20_000, ge=100)


class ResponderConfig(_Strict):
    reserved_concurrency: int = Field(
        default=FUNCTIONS["responder"].reserved_concurrency or 10, ge=1, le=1000,
        description="cost guard and FIFO back-pressure",
    )
    batch_size: int = Field(default=RESPONDER_BATCH_SIZE, ge=1, le=10)  # FIFO event sources take at most 10
    memory_mb: int = Field(default=FUNCTIONS["responder"].memory_mb, ge=256, le=10_240)
    # Lambda requires the queue's visibility timeout to be at least the function timeout.
    timeout_s: int = Field(default=FUNCTIONS["responder"].timeout_s, ge=3, le=INBOUND_QUEUE.visibility_timeout_s)


class AlarmConfig(_Strict):
    email: str | None = Field(
        default=None, description="subscribed to the alarm topic; None = no subscription"
    )
    reply_latency_p95_ms: int = Field(default=5_000, ge=100)
    oldest_message_age_s: int = Field(default=300, ge=30)
    webhook_4xx_per_5min: int = Field(default=50, ge=1)
    responder_errors_per_5min: int = Field(default=1, ge=1)
    bedrock_throttles_per_5min: int = Field(default=5, ge=1)
    handoff_sla_minutes: int = Field(default=3, ge=1, le=1440, description="what 'waiting past SLA' means")

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is not None and not _EMAIL.match(value):
            raise ValueError("not an e-mail address")
        return value


class AgentConsoleConfig(_Strict):
    mfa: Literal["required", "optional"] = "required"
    # Console users are created by the merchant (no self sign-up); these get an invitation e-mail.
    initial_agents: tuple[str, ...] = ()


class MerchantConfig(_Strict):
    """One merchant = one stack. Unknown keys are rejected so typos surface before a deploy."""

    shop_id: str = Field(
        pattern=r"^[a-z][a-z0-9-]{2,26}$",
        description="lower-case letters, digits, '-'; 3-27 chars (it prefixes AWS resource names)",
    )
    shop_name: str = ""
    platform: str = Field(default="pdd", description="a platform of kefu.platform.registry")
    platform_client_id: str = Field(default="", description="the platform app's client id (not secret)")
    platform_api_url: str = Field(
        default="", description="the platform's API (or the connector's URL); empty: the platform's default")
    account: str | None = Field(default=None, pattern=r"^\d{12}$")
    region: str
    search: SearchConfig = Field(default_factory=SearchConfig)
    models: ModelsConfig = Field(default_factory=ModelsConfig)
    retention: RetentionConfig = Field(default_factory=RetentionConfig)
    intake: IntakeConfig = Field(default_factory=IntakeConfig)
    responder: ResponderConfig = Field(default_factory=ResponderConfig)
    alarms: AlarmConfig = Field(default_factory=AlarmConfig)
    console: AgentConsoleConfig = Field(default_factory=AgentConsoleConfig)
    answer_threshold: float | None = Field(
        default=None, ge=0, le=1, description="answer-or-hand-off bar; None keeps the ranker's calibrated one")
    tracing: bool = Field(default=False, description="X-Ray active tracing (costs beyond the free tier)")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    tags: dict[str, str] = Field(default_factory=dict)

    @field_validator("platform")
    @classmethod
    def _platform(cls, value: str) -> str:
        if value == "hmac":  # the generic contract's route before it was versioned
            return "generic"
        registry.spec(value)  # ValueError: unknown platform, with the registered ones
        return value

    @model_validator(mode="after")
    def _api_url(self) -> MerchantConfig:
        if not self.platform_api_url:
            default = registry.spec(self.platform).default_api_url
            if default is None:
                raise ValueError(f"platform_api_url: the {self.platform} platform needs one (the connector's URL)")
            object.__setattr__(self, "platform_api_url", default)
        if not self.platform_api_url.startswith("https://"):
            raise ValueError("platform_api_url must be an https:// URL")
        return self

    @field_validator("region")
    @classmethod
    def _region(cls, value: str) -> str:
        if not _REGION.match(value):
            raise ValueError("not an AWS region name (e.g. cn-north-1, cn-northwest-1, us-east-1)")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> MerchantConfig:
        if self.region.startswith("cn-"):
            # Checked against the CloudFormation resource catalogue of cn-north-1 / cn-northwest-1.
            raise ValueError(
                "the AWS China regions lack Cognito user pools (agent console sign-in) and Amazon Bedrock; "
                "deploy to a region that has them, e.g. ap-east-1 (Hong Kong) or ap-southeast-1"
            )
        return self

    @property
    def stack_name(self) -> str:
        return f"Kefu-{self.shop_id}"


class MerchantConfigError(ValueError):
    """The config file is missing, not JSON, or invalid; ``problems`` has one line per field."""

    def __init__(self, source: str, problems: list[str]) -> None:
        super().__init__(f"{source}: " + "; ".join(problems))
        self.source = source
        self.problems = problems


def _field_path(location: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in location) or "(config)"


def parse_merchant_config(data: Any, source: str = "config") -> MerchantConfig:
    try:
        return MerchantConfig.model_validate(data)
    except ValidationError as error:
        problems = [f"{_field_path(e['loc'])}: {e['msg']}" for e in error.errors()]
        raise MerchantConfigError(source, problems) from None


def load_merchant_config(path: str | Path) -> MerchantConfig:
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise MerchantConfigError(str(path), ["file not found"]) from None
    except json.JSONDecodeError as error:
        raise MerchantConfigError(str(path), [f"not JSON: {error}"]) from None
    return parse_merchant_config(data, str(path))
