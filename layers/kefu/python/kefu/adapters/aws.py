"""boto3 clients built once per process from the settings (the local emulation or real AWS)."""

from __future__ import annotations

from functools import cached_property
from typing import Any

import boto3
from botocore.config import Config

from kefu.settings import Settings

# Short timeouts and standard retries: a Lambda should fail fast and let SQS retry.
_BOTO_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 4},
    connect_timeout=2,
    read_timeout=5,
    max_pool_connections=32,
)


class AwsClients:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def _kwargs(self, endpoint_url: str | None = None) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"region_name": self.settings.region, "config": _BOTO_CONFIG}
        if endpoint_url or self.settings.aws_endpoint_url:
            kwargs["endpoint_url"] = endpoint_url or self.settings.aws_endpoint_url
        return kwargs

    @cached_property
    def dynamodb(self) -> Any:
        return boto3.resource("dynamodb", **self._kwargs(self.settings.aws_dynamodb_endpoint_url))

    @cached_property
    def dynamodb_client(self) -> Any:
        return boto3.client("dynamodb", **self._kwargs(self.settings.aws_dynamodb_endpoint_url))

    @cached_property
    def sqs(self) -> Any:
        return boto3.client("sqs", **self._kwargs(self.settings.aws_sqs_endpoint_url))

    @cached_property
    def s3(self) -> Any:
        return boto3.client("s3", **self._kwargs())

    def table(self, name: str) -> Any:
        return self.dynamodb.Table(name)
