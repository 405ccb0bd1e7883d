"""Answering: the inbound SQS FIFO queue (+ DLQ) from resources.QUEUES and the responder Lambda."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.flows import grants
from infra.flows.lambdas import KefuFunction, Runtime
from infra.flows.state import State
from kefu import resources


def build_queue(
    scope: Construct, spec: resources.QueueSpec, key: kms.IKey
) -> tuple[sqs.Queue, sqs.Queue | None]:
    encryption = {
        "encryption": sqs.QueueEncryption.KMS,
        "encryption_master_key": key,
        "data_key_reuse": Duration.minutes(15),  # fewer KMS calls: cost, and KMS request quotas
        "enforce_ssl": True,
    }
    dlq = None
    if spec.dlq_logical_id:
        dlq = sqs.Queue(
            scope,
            spec.dlq_logical_id,
            fifo=spec.fifo or None,
            retention_period=Duration.days(14),  # the longest: time to look at what failed
            **encryption,  # type: ignore[arg-type]
        )
    queue = sqs.Queue(
        scope,
        spec.logical_id,
        fifo=spec.fifo or None,
        content_based_deduplication=spec.content_based_deduplication or None,
        visibility_timeout=Duration.seconds(spec.visibility_timeout_s),
        retention_period=Duration.seconds(spec.retention_s),
        dead_letter_queue=sqs.DeadLetterQueue(queue=dlq, max_receive_count=spec.max_receive_count)
        if dlq
        else None,
        **encryption,  # type: ignore[arg-type]
    )
    return queue, dlq


class Answering(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, state: State, runtime: Runtime) -> None:
        super().__init__(scope, construct_id)
        config = runtime.config
        self.queues: dict[str, sqs.Queue] = {}
        self.dead_letter_queues: dict[str, sqs.Queue] = {}
        for spec in resources.QUEUES:
            queue, dlq = build_queue(self, spec, state.key)
            self.queues[spec.logical_id] = queue
            if dlq is not None:
                self.dead_letter_queues[spec.logical_id] = dlq
        self.inbound = self.queues[resources.INBOUND_QUEUE.logical_id]
        self.inbound_dlq = self.dead_letter_queues[resources.INBOUND_QUEUE.logical_id]

        self.responder = KefuFunction(
            self,
            "Responder",
            spec=resources.FUNCTIONS["responder"],
            runtime=runtime,
            memory_mb=config.responder.memory_mb,
            timeout_s=config.responder.timeout_s,
            # A cost guard (a flood cannot scale the bill) and back-pressure: messages wait in SQS.
            reserved_concurrency=config.responder.reserved_concurrency,
        )
        role = self.responder.role
        for table_spec in resources.TABLES:
            grants.table_access(role, state.table(table_spec), table_spec, write=True)
        grants.key_use(role, state.key, encrypt=True)
        grants.secret_read(role, state.platform_secret)
        self.responder.function.add_event_source(
            sources.SqsEventSource(
                self.inbound,
                batch_size=config.responder.batch_size,
                report_batch_item_failures=True,  # one bad message is retried alone, not its whole batch
            )
        )
