"""The brain answering from a real OpenSearch node: the demo shop learned, published, and asked."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from opensearchpy import OpenSearch

from kefu.encoder.bge import shared_encoder
from kefu.knowledge.learn import learn_bundle
from kefu.knowledge.opensearch_index import OpenSearchIndex, OpenSearchIndexWriter
from kefu.models.conversation import ConversationState
from kefu.models.decision import Action, HandoffReason
from kefu.models.messages import TextMessage
from kefu.reception.knowledge_cache import brain_from_snapshot

DEMO = Path(__file__).resolve().parents[2] / "examples" / "shops" / "hair-dye"
NOON = datetime(2026, 11, 25, 4, 0, tzinfo=UTC)


@pytest.mark.opensearch
def test_brain_answers_from_the_opensearch_backend(os_client: OpenSearch) -> None:
    snapshot = learn_bundle(DEMO).snapshot
    writer = OpenSearchIndexWriter(os_client, shared_encoder(), number_of_replicas=0)
    writer.publish(snapshot.shop_id, snapshot.version, snapshot.items, snapshot.vectors)
    assert writer.embedded_views == 0  # the snapshot's own vectors were indexed
    remote = OpenSearchIndex(os_client, snapshot.shop_id)
    brain = brain_from_snapshot(snapshot, remote=remote)

    def ask(text: str) -> tuple[Action, HandoffReason | None, str]:
        message = TextMessage(shop_id=snapshot.shop_id, buyer_id="u1", message_id=f"m-{abs(hash(text))}", text=text)
        reply = brain.respond(message, ConversationState(shop_id=snapshot.shop_id, buyer_id="u1"), None, NOON)
        return reply.outcome.action, reply.outcome.handoff_reason, reply.outcome.reply or ""

    action, _, text = ask("付款后几天发货呀")
    assert action == Action.ANSWER and "48小时" in text
    action, _, text = ask("一梳黑梳子有几个颜色")
    assert action == Action.ANSWER and "深棕色" in text
    action, reason, _ = ask("你们招代理吗 我想批发")
    assert action == Action.HANDOFF and reason == HandoffReason.LOW_CONFIDENCE
