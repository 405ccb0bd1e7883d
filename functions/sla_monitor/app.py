"""SLA monitor Lambda (every 5 minutes): how many handoffs wait past the SLA, as the HandoffsPastSla metric."""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from kefu.adapters.aws import AwsClients
from kefu.handoff.sla import past_sla
from kefu.knowledge import snapshot as snapshots
from kefu.settings import get_settings
from kefu.store.agent_queue import AgentQueue

logger = Logger(service="kefu-sla-monitor")
metrics = Metrics(namespace="kefu", service="kefu-sla-monitor")
settings = get_settings()
aws = AwsClients(settings)
queue = AgentQueue(aws.table(settings.agent_queue_table))
metrics.set_default_dimensions(shop=settings.shop_id)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    learned = snapshots.load_current(aws.s3, settings.knowledge_bucket, settings.shop_id)
    if learned is None:
        logger.warning("no learned knowledge yet: upload the shop bundle; SLA not measured")
        return {"past_sla": 0}
    sla_minutes = int(os.environ.get("KEFU_HANDOFF_SLA_MINUTES") or learned.shop.sla_minutes)
    count = past_sla(queue, learned.shop, sla_minutes)
    metrics.add_metric(name="HandoffsPastSla", unit=MetricUnit.Count, value=count)
    logger.info("handoffs past SLA", extra={"past_sla": count, "sla_minutes": sla_minutes})
    return {"past_sla": count}
