"""Replay evaluation cases through the real reception pipeline.

Each case is a fresh conversation (its own buyer key), state lives in DynamoDB
(the local AWS emulation), the brain is learned from the shop bundle, and the
platform's order look-up answers with the case's order status.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path

from kefu.models.cases import EvalCase, ReplayRecord
from kefu.models.knowledge import KnowledgeSnapshot
from kefu.models.messages import BuyerMessage, ImageMessage, QueuedMessage, TextMessage, VideoMessage
from kefu.models.shop import NO_ORDER, Order
from kefu.reception.brain import ShopBrain
from kefu.reception.knowledge_cache import brain_from_snapshot
from kefu.reception.service import ReceptionService
from kefu.resources import AGENT_QUEUE, CONVERSATIONS, MESSAGE_LEDGER, LocalNames
from kefu.store.agent_queue import AgentQueue
from kefu.store.conversations import ConversationStore
from kefu.store.ledger import MessageLedger
from kefu_dev.local.emulator import MotoServer, create_resources

CASE_SEPARATOR = "~"


def load_cases(path: Path) -> list[EvalCase]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [EvalCase.model_validate_json(line) for line in lines if line.strip()]


def load_orders(shop_dir: Path) -> list[Order]:
    from pydantic import TypeAdapter

    path = shop_dir / "orders.json"
    if not path.exists():
        return []
    return TypeAdapter(list[Order]).validate_json(path.read_bytes())


class ReplayPlatform:
    """The platform's twin for replays: order look-ups with the case's status; replies recorded."""

    def __init__(self, orders: list[Order]) -> None:
        self._orders = orders
        self._status: dict[str, str | None] = {}
        self.sent: dict[str, list[str]] = {}

    def set_case(self, buyer_key: str, status: str | None) -> None:
        self._status[buyer_key] = status

    def latest_order(self, shop_id: str, buyer_id: str) -> Order | None:
        real_buyer = buyer_id.split(CASE_SEPARATOR, 1)[0]
        status = self._status.get(buyer_id)
        orders = sorted((o for o in self._orders if o.buyer_id == real_buyer), key=lambda o: o.created_at)
        if status == NO_ORDER:
            return None
        if not orders:
            return None if status is None else Order(order_sn="replay-0", buyer_id=real_buyer, status=status)  # type: ignore[arg-type]
        newest = orders[-1]
        return newest if status is None else newest.model_copy(update={"status": status})

    def send_message(self, shop_id: str, buyer_id: str, text: str, client_msg_id: str) -> None:
        self.sent.setdefault(client_msg_id, []).append(text)


def _message(shop_id: str, buyer_key: str, case: EvalCase, index: int) -> BuyerMessage:
    turn = case.turns[index]
    common = {"shop_id": shop_id, "buyer_id": buyer_key, "message_id": f"{case.id}-{index}",
              "goods_id": case.goods_id, "sent_at": datetime.now(UTC)}
    if turn.type == "image":
        return ImageMessage(**common)  # type: ignore[arg-type]
    if turn.type == "video":
        return VideoMessage(**common)  # type: ignore[arg-type]
    return TextMessage(text=turn.text or " ", **common)  # type: ignore[arg-type]


class Replayer:
    """Owns a local AWS emulation for the duration of a replay."""

    def __init__(self, snapshot: KnowledgeSnapshot, orders: list[Order], brain: ShopBrain | None = None) -> None:
        self.snapshot = snapshot
        self.brain = brain or brain_from_snapshot(snapshot)
        self.platform = ReplayPlatform(orders)
        self._server = MotoServer().start()
        names = LocalNames(prefix=f"replay{uuid.uuid4().hex[:8]}")
        local = create_resources(self._server.endpoint_url, names)
        from kefu_dev.local.emulator import client

        dynamodb = client("dynamodb", local.endpoint_url)
        import boto3

        resource = boto3.resource("dynamodb", endpoint_url=local.endpoint_url, region_name=dynamodb.meta.region_name)
        self.service = ReceptionService(
            conversations=ConversationStore(resource.Table(names.table(CONVERSATIONS))),
            ledger=MessageLedger(resource.Table(names.table(MESSAGE_LEDGER))),
            agent_queue=AgentQueue(resource.Table(names.table(AGENT_QUEUE))),
            platform=self.platform,
            brain_for=lambda shop_id: self.brain,
        )

    def close(self) -> None:
        self._server.stop()

    def run(self, cases: Iterable[EvalCase], progress: Callable[[int, int], None] | None = None) -> list[ReplayRecord]:
        cases = list(cases)
        records: list[ReplayRecord] = []
        total = sum(len(case.turns) for case in cases)
        for case in cases:
            buyer_key = f"{case.buyer_id}{CASE_SEPARATOR}{case.id}"
            self.platform.set_case(buyer_key, case.order_status)
            for index in range(len(case.turns)):
                message = _message(self.snapshot.shop_id, buyer_key, case, index)
                started = time.perf_counter()
                outcome = self.service.handle(QueuedMessage(message=message, received_at=datetime.now(UTC)))
                latency_ms = (time.perf_counter() - started) * 1000
                records.append(
                    ReplayRecord(
                        case_id=case.id,
                        turn=index,
                        action=outcome.action,
                        reply=outcome.reply,
                        handoff_reason=outcome.handoff_reason,
                        confidence=outcome.confidence,
                        sources=outcome.sources,
                        latency_ms=round(latency_ms, 2),
                        knowledge_version=outcome.knowledge_version,
                    )
                )
                if progress:
                    progress(len(records), total)
        return records
