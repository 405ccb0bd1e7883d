"""Knowledge ingest Lambda: an uploaded shop bundle is learned and published (kefu.knowledge.ingest)."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote_plus

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.data_classes import S3Event, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext

from kefu.adapters.aws import AwsClients
from kefu.knowledge.ingest import IngestError, ingest_bundle
from kefu.settings import get_settings
from kefu.store.learning import LearningStore

logger = Logger(service="kefu-knowledge-ingest")


@logger.inject_lambda_context
@event_source(data_class=S3Event)
def lambda_handler(event: S3Event, context: LambdaContext) -> dict[str, Any]:
    settings = get_settings()
    aws = AwsClients(settings)
    s3 = aws.s3
    learning = LearningStore(aws.table(settings.learning_table))
    results: list[dict[str, Any]] = []
    for record in event.records:
        # S3 notifications carry the key URL-encoded (spaces as '+').
        bucket, key = record.s3.bucket.name, unquote_plus(record.s3.get_object.key)
        if not record.event_name.startswith("ObjectCreated"):
            continue
        try:
            # Approved answers of the shop's agents survive every new bundle.
            outcome = ingest_bundle(s3, bucket, key, settings, taught=lambda: learning.taught(settings.shop_id))
        except IngestError as error:
            # A bad upload is the merchant's to fix: log and skip, do not retry forever.
            logger.warning("bundle refused", extra={"key": key, "reason": str(error)})
            results.append({"key": key, "status": "refused", "reason": str(error)})
            continue
        logger.info(
            "bundle learned",
            extra={
                "key": key,
                "version": outcome.version,
                "previous_version": outcome.previous_version,
                "items": outcome.items,
                "published": outcome.published,
                "changes": {
                    k: outcome.report["changes"][k] for k in ("added", "changed", "removed", "unchanged")
                },
            },
        )
        results.append(
            {
                "key": key,
                "status": "learned" if outcome.published else "unchanged",
                "version": outcome.version,
                "snapshot_key": outcome.snapshot_key,
                "items": outcome.items,
            }
        )
    return {"results": results}
