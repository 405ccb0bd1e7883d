"""The composition root: the one place where each deployed function's edges are chosen from the settings.

The pure parts (reception.brain, handoff rules and workspace, retrieval) take protocols; this module gives them
DynamoDB tables, the platform client, the knowledge cache and the composer.
"""

from __future__ import annotations

from dataclasses import dataclass

from kefu.adapters.aws import AwsClients
from kefu.answering.outgoing import OutgoingFilter, default_words
from kefu.handoff.context import Searchable
from kefu.handoff.workspace import Workspace
from kefu.intake.secrets import platform_secret
from kefu.knowledge.backends import remote_retriever_for
from kefu.learning.insights import ShopInsights
from kefu.learning.publish import SnapshotPublisher
from kefu.learning.review import KnowledgeReview
from kefu.models.shop import CannedReplyTemplate
from kefu.platform import registry
from kefu.platform.base import Platform, PlatformDeps
from kefu.platform.client import PlatformClient
from kefu.reception.brain import ShopBrain
from kefu.reception.knowledge_cache import s3_brain_cache
from kefu.reception.service import ReceptionService
from kefu.settings import ComposerKind, SearchBackend, Settings
from kefu.store.activity import ActivityStore
from kefu.store.agent_queue import AgentQueue
from kefu.store.conversations import ConversationStore
from kefu.store.learning import LearningStore
from kefu.store.ledger import MessageLedger


def build_platform(settings: Settings, aws: AwsClients | None = None) -> Platform:
    """The deployment's platform adapter (``KEFU_PLATFORM``, from the registry)."""
    aws = aws or AwsClients(settings)
    table = aws.table
    return registry.build(settings.platform, PlatformDeps(settings, secret=lambda: platform_secret(settings),
                                                          state_table=lambda: table(settings.ledger_table)))


def build_reception(settings: Settings) -> ReceptionService:
    aws = AwsClients(settings)
    platform = build_platform(settings, aws)
    composer = None
    if settings.composer == ComposerKind.BEDROCK:
        import boto3

        from kefu.answering.bedrock_composer import BedrockComposer

        composer = BedrockComposer(boto3.client("bedrock-runtime", region_name=settings.region),
                                   settings.bedrock_text_model, platform=platform.wording)
    return ReceptionService(
        conversations=ConversationStore(aws.table(settings.conversations_table), settings.turn_ttl_days),
        ledger=MessageLedger(aws.table(settings.ledger_table)),
        agent_queue=AgentQueue(aws.table(settings.agent_queue_table)),
        platform=platform,
        brain_for=s3_brain_cache(aws.s3, settings.knowledge_bucket, settings.shop_id,
                                 settings.snapshot_refresh_s, settings.answer_threshold, composer,
                                 remote_retriever_for(settings)),
        lease_s=settings.ledger_lease_s,
        activity=ActivityStore(aws.table(settings.activity_table), settings.activity_ttl_days),
        outgoing=OutgoingFilter(default_words(settings.platform)),
    )


class BrainKnowledge:
    """The shop's brain (settings + learned index) seen as ShopKnowledge."""

    def __init__(self, brain: ShopBrain) -> None:
        self._brain = brain

    @property
    def sla_minutes(self) -> int:
        return self._brain.shop.sla_minutes

    @property
    def index(self) -> Searchable | None:
        return self._brain.knowledge

    @property
    def handoff_keywords(self) -> list[str]:
        return self._brain.shop.handoff_keywords

    @property
    def canned_replies(self) -> list[CannedReplyTemplate]:
        return self._brain.shop.canned_replies


@dataclass(frozen=True)
class AgentServices:
    """What the agents' API serves: the queue's workspace, the knowledge review, the dashboard."""

    workspace: Workspace
    review: KnowledgeReview
    insights: ShopInsights


def build_agent_services(settings: Settings, platform: PlatformClient | None = None) -> AgentServices:
    """Over the deployment's tables, platform and learned knowledge (the responder's own snapshot).

    ``platform``: the platform client (the settings' platform adapter when None; tests pass a recorder)."""
    aws = AwsClients(settings)
    brains = s3_brain_cache(aws.s3, settings.knowledge_bucket, settings.shop_id, settings.snapshot_refresh_s,
                            settings.answer_threshold)
    queue = AgentQueue(aws.table(settings.agent_queue_table))
    conversations = ConversationStore(aws.table(settings.conversations_table), settings.turn_ttl_days)
    learning = LearningStore(aws.table(settings.learning_table))
    activity = ActivityStore(aws.table(settings.activity_table), settings.activity_ttl_days)
    index = None
    if settings.search_backend == SearchBackend.OPENSEARCH:
        from kefu.knowledge.ingest import opensearch_publisher

        index = opensearch_publisher(settings)
    publish = SnapshotPublisher(aws.s3, settings.knowledge_bucket, settings.shop_id,
                                lambda: learning.taught(settings.shop_id), settings.knowledge_prefix, index)
    review = KnowledgeReview(settings.shop_id, learning, queue, conversations,
                             index=lambda: brains(settings.shop_id).knowledge, publish=publish)

    def shop() -> tuple[str, dict[str, str]]:
        brain = brains(settings.shop_id)
        return brain.shop.timezone, {item.source: item.title for item in brain.knowledge.items()}

    workspace = Workspace(
        shop_id=settings.shop_id,
        queue=queue,
        conversations=conversations,
        platform=platform or build_platform(settings, aws),
        knowledge=lambda: BrainKnowledge(brains(settings.shop_id)),
        on_reply=review.take_reply,
        activity=activity,
    )
    return AgentServices(workspace, review, ShopInsights(settings.shop_id, activity, learning, shop))


def build_workspace(settings: Settings) -> Workspace:
    return build_agent_services(settings).workspace
