"""Responder Lambda: one SQS FIFO batch in, one outcome per message, partial failures reported."""

from __future__ import annotations

import time
from typing import Any

from aws_lambda_powertools import Logger, Metrics, single_metric
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import SqsFifoPartialProcessor, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from kefu.init_phase import end_of_init
from kefu.models.decision import Action
from kefu.models.messages import QueuedMessage
from kefu.settings import get_settings
from kefu.wiring import build_reception

logger = Logger(service="kefu-responder")
metrics = Metrics(namespace="kefu", service="kefu-responder")
settings = get_settings()
metrics.set_default_dimensions(shop=settings.shop_id)
reception = build_reception(settings)
reception.preload(settings.shop_id)  # in the init phase: the first buyer does not wait for the knowledge
# skip_group_on_error: a failed message holds back only its own conversation, not the whole batch.
processor = SqsFifoPartialProcessor(skip_group_on_error=True)


def record_handler(record: SQSRecord) -> None:
    queued = QueuedMessage.model_validate_json(record.body)
    outcome = reception.handle(queued)
    if outcome.action == Action.ANSWER:
        metrics.add_metric(name="MessagesAnswered", unit=MetricUnit.Count, value=1)
    else:
        # Handoffs by reason feed the dashboard; a reason dimension needs its own EMF blob.
        with single_metric(name="Handoffs", unit=MetricUnit.Count, value=1, namespace="kefu",
                           default_dimensions={"shop": settings.shop_id}) as metric:
            metric.add_dimension(name="reason", value=outcome.handoff_reason.value if outcome.handoff_reason else "")
    latency_ms = (time.time() - queued.received_at.timestamp()) * 1000
    metrics.add_metric(name="ReplyLatencyMs", unit=MetricUnit.Milliseconds, value=latency_ms)
    logger.info(
        "handled",
        extra={
            "message_id": queued.message.message_id,
            "action": outcome.action.value,
            "reason": outcome.handoff_reason.value if outcome.handoff_reason else None,
            "confidence": outcome.confidence,
            "intent": outcome.intent,
        },
    )


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)


end_of_init()  # last: everything above is init
