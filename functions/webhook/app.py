"""Webhook Lambda: verify the platform's signature, validate, enqueue. Nothing else happens here.

One route per platform route of the registry (``kefu.platform.registry``): ``POST /webhook/pdd``,
``POST /webhook/generic/v1`` (alias ``/webhook/hmac``), ``GET|POST /webhook/wecom_kf``.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from kefu.adapters.aws import AwsClients
from kefu.init_phase import end_of_init
from kefu.intake.queue import InboundQueue
from kefu.intake.secrets import platform_secret
from kefu.intake.webhook import IntakeError, check_size, to_queued
from kefu.platform import registry
from kefu.platform.base import Platform, PlatformDeps, PushedMessages
from kefu.settings import get_settings

logger = Logger(service="kefu-webhook")
metrics = Metrics(namespace="kefu", service="kefu-webhook")
app = APIGatewayRestResolver()

settings = get_settings()
aws = AwsClients(settings)
queue = InboundQueue(aws.sqs, settings.inbound_queue_url)
deps = PlatformDeps(settings, secret=lambda: platform_secret(settings),
                    state_table=lambda: aws.table(settings.ledger_table))
_adapters: dict[str, Platform] = {}


def adapter(name: str) -> Platform:
    if name not in _adapters:
        _adapters[name] = registry.build(name, deps)
    return _adapters[name]


def _raw_body() -> bytes:
    event = app.current_event
    body = event.body or ""
    return base64.b64decode(body) if event.is_base64_encoded else body.encode("utf-8")


def _refused(error: IntakeError) -> Response:
    metrics.add_metric(name="WebhookRejected", unit=MetricUnit.Count, value=1)
    logger.warning("webhook refused", extra={"status": error.status, "code": error.code})
    return Response(
        status_code=error.status,
        content_type=content_types.APPLICATION_JSON,
        body={"error": error.code, "message": error.message},
    )


def _accept(name: str) -> Response:
    platform = adapter(name)
    try:
        body = _raw_body()
        check_size(body, settings.max_body_bytes)
        messages = platform.verify_push(
            body,
            dict(app.current_event.headers or {}),
            platform_secret(settings),
            settings.shop_id,
            time.time(),
            settings.signature_window_s,
            query=dict(app.current_event.query_string_parameters or {}),
        )
    except IntakeError as error:
        return _refused(error)
    for message in messages:
        queue.send(to_queued(message))
        logger.info("accepted", extra={"message_id": message.message_id, "type": message.type.value})
    if isinstance(messages, PushedMessages) and messages.on_queued is not None:
        messages.on_queued()
    metrics.add_metric(name="MessagesAccepted", unit=MetricUnit.Count, value=len(messages))
    if platform.plain_ack is not None:
        return Response(status_code=200, content_type=content_types.TEXT_PLAIN, body=platform.plain_ack)
    answer: dict[str, Any] = {"accepted": True}
    if len(messages) == 1:
        answer["message_id"] = messages[0].message_id
    else:
        answer["message_ids"] = [message.message_id for message in messages]
    return Response(status_code=200, content_type=content_types.APPLICATION_JSON, body=answer)


def _handshake(name: str) -> Response:
    try:
        echo = adapter(name).handshake(dict(app.current_event.query_string_parameters or {}),
                                       platform_secret(settings), time.time(), settings.signature_window_s)
    except IntakeError as error:
        return _refused(error)
    return Response(status_code=200, content_type=content_types.TEXT_PLAIN, body=echo)


def _route(name: str, method: str) -> Callable[[], Response]:
    if method == "GET":
        return lambda: _handshake(name)
    return lambda: _accept(name)


for _path, _name in registry.routes():
    for _method in _path.methods:
        app.route(f"/webhook/{_path.path}", method=_method)(_route(_name, _method))


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)


end_of_init()  # last: everything above is init
