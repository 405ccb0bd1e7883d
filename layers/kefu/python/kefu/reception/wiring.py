"""Builds the reception service from the settings: the one place where edges are chosen."""

from __future__ import annotations

from kefu.adapters.aws import AwsClients
from kefu.handoff.queue import AgentQueue
from kefu.intake.secrets import platform_secret
from kefu.knowledge.backends import remote_retriever_for
from kefu.platform.client import PddClient
from kefu.reception.knowledge_cache import s3_brain_cache
from kefu.reception.service import ReceptionService
from kefu.settings import ComposerKind, Settings
from kefu.store.conversations import ConversationStore
from kefu.store.ledger import MessageLedger


def build_reception(settings: Settings) -> ReceptionService:
    aws = AwsClients(settings)
    composer = None
    if settings.composer == ComposerKind.BEDROCK:
        import boto3

        from kefu.answering.bedrock_composer import BedrockComposer

        composer = BedrockComposer(boto3.client("bedrock-runtime", region_name=settings.region),
                                   settings.bedrock_text_model)
    platform = PddClient(settings.platform_api_url, settings.platform_client_id, platform_secret(settings))
    return ReceptionService(
        conversations=ConversationStore(aws.table(settings.conversations_table), settings.turn_ttl_days),
        ledger=MessageLedger(aws.table(settings.ledger_table)),
        agent_queue=AgentQueue(aws.table(settings.agent_queue_table)),
        platform=platform,
        brain_for=s3_brain_cache(aws.s3, settings.knowledge_bucket, settings.shop_id,
                                 settings.snapshot_refresh_s, settings.answer_threshold, composer,
                                 remote_retriever_for(settings)),
        lease_s=settings.ledger_lease_s,
    )
