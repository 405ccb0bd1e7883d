"""The AWS resources the agent uses, defined once.

The CDK stack (infra/) and the local AWS emulation (kefu_dev.local.emulator) both
build their tables, queues and bucket from these specs, so names, keys,
indexes and redrive settings cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class IndexSpec:
    name: str
    partition_key: str
    sort_key: str | None = None


@dataclass(frozen=True)
class TableSpec:
    logical_id: str
    env_var: str
    partition_key: str
    sort_key: str | None = None
    indexes: tuple[IndexSpec, ...] = ()
    ttl_attribute: str | None = None

    def attribute_names(self) -> list[str]:
        names = [self.partition_key] + ([self.sort_key] if self.sort_key else [])
        for index in self.indexes:
            names += [index.partition_key] + ([index.sort_key] if index.sort_key else [])
        return list(dict.fromkeys(names))


@dataclass(frozen=True)
class QueueSpec:
    logical_id: str
    env_var: str
    fifo: bool = True
    visibility_timeout_s: int = 60
    retention_s: int = 4 * 24 * 3600
    max_receive_count: int = 5
    dlq_logical_id: str | None = None
    dlq_env_var: str | None = None
    content_based_deduplication: bool = False


@dataclass(frozen=True)
class BucketSpec:
    logical_id: str
    env_var: str


# Conversation state and turns: pk = "<shop>#<buyer>", sk = "STATE" | "TURN#<iso time>#<message id>".
CONVERSATIONS = TableSpec(
    logical_id="Conversations",
    env_var="KEFU_CONVERSATIONS_TABLE",
    partition_key="pk",
    sort_key="sk",
    ttl_attribute="expires_at",
)

# One record per accepted platform message: the exactly-once ledger (decided → sent).
MESSAGE_LEDGER = TableSpec(
    logical_id="MessageLedger",
    env_var="KEFU_LEDGER_TABLE",
    partition_key="pk",
    ttl_attribute="expires_at",
)

# Handoffs waiting for, or held by, a human agent. pk = shop id, sk = handoff id.
# The status index lists one shop's queue in priority then age order.
AGENT_QUEUE = TableSpec(
    logical_id="AgentQueue",
    env_var="KEFU_AGENT_QUEUE_TABLE",
    partition_key="shop_id",
    sort_key="handoff_id",
    indexes=(IndexSpec(name="by_status", partition_key="shop_status", sort_key="rank"),),
    ttl_attribute="expires_at",
)

# The learning loop (docs/learning-loop.md): pk = shop id, sk = "CAND#<id>" (candidates from agents' replies)
# | "TAUGHT#<item id>" (approved knowledge, applied again after every re-learning).
LEARNING = TableSpec(
    logical_id="Learning",
    env_var="KEFU_LEARNING_TABLE",
    partition_key="shop_id",
    sort_key="sk",
)

# One record per decided buyer message and per agent reply (ids and timings, no text): the dashboard's data.
# pk = "<shop>#<yyyy-mm-dd>" (the shop's own day), sk = "<iso time>#<kind>#<message id>".
ACTIVITY = TableSpec(
    logical_id="Activity",
    env_var="KEFU_ACTIVITY_TABLE",
    partition_key="pk",
    sort_key="sk",
    ttl_attribute="expires_at",
)

INBOUND_QUEUE = QueueSpec(
    logical_id="InboundQueue",
    env_var="KEFU_INBOUND_QUEUE_URL",
    fifo=True,
    visibility_timeout_s=60,
    max_receive_count=5,
    dlq_logical_id="InboundDeadLetterQueue",
    dlq_env_var="KEFU_INBOUND_DLQ_URL",
)

KNOWLEDGE_BUCKET = BucketSpec(logical_id="KnowledgeBucket", env_var="KEFU_KNOWLEDGE_BUCKET")

TABLES: tuple[TableSpec, ...] = (CONVERSATIONS, MESSAGE_LEDGER, AGENT_QUEUE, LEARNING, ACTIVITY)
QUEUES: tuple[QueueSpec, ...] = (INBOUND_QUEUE,)
BUCKETS: tuple[BucketSpec, ...] = (KNOWLEDGE_BUCKET,)

# Lambda event source mapping for the responder (mirrored by the local poller).
RESPONDER_BATCH_SIZE = 10


@dataclass(frozen=True)
class FunctionSpec:
    """One Lambda function as both the stack and the local runtime run it: ``functions/<name>/app.py``."""

    name: str
    memory_mb: int
    timeout_s: int
    description: str
    handler: str = "app.lambda_handler"  # <module in the function folder>.<attribute>, as Lambda resolves it
    reserved_concurrency: int | None = None

    @property
    def module(self) -> str:
        return self.handler.rpartition(".")[0]

    @property
    def attribute(self) -> str:
        return self.handler.rpartition(".")[2]


FUNCTIONS: dict[str, FunctionSpec] = {
    spec.name: spec
    for spec in (
        # The platform expects a fast 200; the work happens behind SQS.
        FunctionSpec("webhook", 512, 10, "verify, validate, dedupe and enqueue platform messages"),
        # Memory, timeout and the cost guard are the merchant's to tune (deploy_config.ResponderConfig).
        FunctionSpec("responder", 1024, 30, "understand, retrieve, decide, reply or hand off", reserved_concurrency=10),
        FunctionSpec("agent_api", 512, 15, "agent queue, replies, resolve / give back; console files"),
        FunctionSpec("sla_monitor", 256, 30, "counts handoffs waiting past the SLA", reserved_concurrency=1),
        # Learning a bundle (segmentation, embeddings, clustering) is CPU bound.
        FunctionSpec("knowledge_ingest", 2048, 600, "learn an uploaded shop bundle and publish its index"),
    )
}


@dataclass(frozen=True)
class LocalNames:
    """Physical names in the local emulation: prefixed so two runtimes never collide."""

    prefix: str = "kefu"
    extra: dict[str, str] = field(default_factory=dict)

    def table(self, spec: TableSpec) -> str:
        return f"{self.prefix}-{spec.logical_id}"

    def queue(self, spec: QueueSpec) -> str:
        return f"{self.prefix}-{spec.logical_id}" + (".fifo" if spec.fifo else "")

    def dlq(self, spec: QueueSpec) -> str:
        return f"{self.prefix}-{spec.dlq_logical_id}" + (".fifo" if spec.fifo else "")

    def bucket(self, spec: BucketSpec) -> str:
        return f"{self.prefix}-{spec.logical_id}".lower()
