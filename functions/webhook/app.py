"""Webhook Lambda: verify the platform's signature, validate, enqueue. Nothing else happens here."""

from __future__ import annotations

import base64
import time
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from kefu.adapters.aws import AwsClients
from kefu.init_phase import end_of_init
from kefu.intake.queue import InboundQueue
from kefu.intake.secrets import platform_secret
from kefu.intake.webhook import IntakeError, accept_hmac, accept_pdd, check_size, to_queued
from kefu.settings import get_settings

logger = Logger(service="kefu-webhook")
metrics = Metrics(namespace="kefu", service="kefu-webhook")
app = APIGatewayRestResolver()

settings = get_settings()
queue = InboundQueue(AwsClients(settings).sqs, settings.inbound_queue_url)


def _raw_body() -> bytes:
    event = app.current_event
    body = event.body or ""
    return base64.b64decode(body) if event.is_base64_encoded else body.encode("utf-8")


def _accept(verify: Any) -> Response:
    try:
        body = _raw_body()
        check_size(body, settings.max_body_bytes)
        message = verify(
            body,
            dict(app.current_event.headers or {}),
            platform_secret(settings),
            settings.shop_id,
            time.time(),
            settings.signature_window_s,
        )
    except IntakeError as error:
        metrics.add_metric(name="WebhookRejected", unit=MetricUnit.Count, value=1)
        logger.warning("webhook refused", extra={"status": error.status, "code": error.code})
        return Response(
            status_code=error.status,
            content_type=content_types.APPLICATION_JSON,
            body={"error": error.code, "message": error.message},
        )
    queue.send(to_queued(message))
    metrics.add_metric(name="MessagesAccepted", unit=MetricUnit.Count, value=1)
    logger.info("accepted", extra={"message_id": message.message_id, "type": message.type.value})
    return Response(
        status_code=200,
        content_type=content_types.APPLICATION_JSON,
        body={"accepted": True, "message_id": message.message_id},
    )


@app.post("/webhook/pdd")
def pdd_webhook() -> Response:
    return _accept(accept_pdd)


@app.post("/webhook/hmac")
def hmac_webhook() -> Response:
    return _accept(accept_hmac)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)


end_of_init()  # last: everything above is init
