"""The agents' workspace: what the console's buttons do. Stores and the platform are injected.

One deployment serves one shop, so the shop id is fixed at construction.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol

from pydantic import BaseModel

from kefu.handoff.context import ContextPackage, Searchable, TicketView, build_context
from kefu.learning.activity import agent_reply_activity
from kefu.models.conversation import Mode, Role, Turn
from kefu.models.handoff import ActionKind, HandoffStatus, HandoffTicket
from kefu.models.shop import CannedReplyTemplate, Order
from kefu.platform.client import PlatformClient, PlatformError
from kefu.store.activity import ActivityStore
from kefu.store.agent_queue import AgentQueue, AlreadyClaimed, NotYourTicket, TicketClosed
from kefu.store.conversations import ConversationStore

logger = logging.getLogger(__name__)
DEFAULT_SLA_MINUTES = 3


class ShopKnowledge(Protocol):
    """What the workspace needs of the shop's brain: its SLA and its index (for suggestions)."""

    @property
    def sla_minutes(self) -> int: ...

    @property
    def index(self) -> Searchable | None: ...

    @property
    def handoff_keywords(self) -> list[str]: ...

    @property
    def canned_replies(self) -> list[CannedReplyTemplate]: ...


class QueueView(BaseModel):
    waiting: list[TicketView]
    claimed: list[TicketView]
    sla_minutes: int
    now: datetime


class ReplyResult(BaseModel):
    handoff_id: str
    client_msg_id: str
    sent_at: datetime
    duplicate: bool = False


def agent_message_id(handoff_id: str, agent_id: str, ref: str) -> str:
    """Deterministic: a retried send of the same reply carries the same id, which the platform dedupes on."""
    digest = hashlib.sha256(f"{handoff_id}|{agent_id}|{ref}".encode()).hexdigest()[:24]
    return f"ag-{digest}"


class Workspace:
    def __init__(
        self,
        shop_id: str,
        queue: AgentQueue,
        conversations: ConversationStore,
        platform: PlatformClient,
        knowledge: Callable[[], ShopKnowledge | None] = lambda: None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        on_reply: Callable[[HandoffTicket, list[Turn], str], object] | None = None,
        activity: ActivityStore | None = None,
    ) -> None:
        self._activity = activity
        self.shop_id = shop_id
        self._on_reply = on_reply
        self._queue = queue
        self._conversations = conversations
        self._platform = platform
        self._knowledge = knowledge
        self._clock = clock

    # --- reading ---------------------------------------------------------------------------------------

    def queue_view(self) -> QueueView:
        now, sla = self._clock(), self._sla_minutes()
        waiting = self._queue.list_status(self.shop_id, HandoffStatus.WAITING)
        claimed = self._queue.list_status(self.shop_id, HandoffStatus.CLAIMED)
        # Claimed ones: longest held first is less useful than newest claim last; keep claim order.
        claimed.sort(key=lambda t: t.claimed_at or t.enqueued_at)
        return QueueView(
            waiting=[TicketView.of(t, now, sla) for t in waiting],
            claimed=[TicketView.of(t, now, sla) for t in claimed],
            sla_minutes=sla,
            now=now,
        )

    def open(self, handoff_id: str) -> ContextPackage:
        ticket = self._queue.get(self.shop_id, handoff_id)
        state = self._conversations.load_state(self.shop_id, ticket.buyer_id)
        transcript = self._conversations.transcript(self.shop_id, ticket.buyer_id)
        knowledge = self._shop_knowledge()
        return build_context(
            ticket,
            transcript,
            state.mode,
            self._order(ticket.buyer_id),
            knowledge.index if knowledge else None,
            self._clock(),
            knowledge.sla_minutes if knowledge else DEFAULT_SLA_MINUTES,
            knowledge.handoff_keywords if knowledge else (),
            canned=knowledge.canned_replies if knowledge else (),
        )

    # --- actions ---------------------------------------------------------------------------------------

    def claim(self, handoff_id: str, agent_id: str) -> TicketView:
        """Exactly one agent wins; the same agent claiming again (a double click) gets its ticket back."""
        try:
            ticket = self._queue.claim(self.shop_id, handoff_id, agent_id, self._clock())
        except AlreadyClaimed as taken:
            if taken.ticket is None or taken.ticket.claimed_by != agent_id:
                raise
            ticket = taken.ticket
        return self._view(ticket)

    def reply(self, handoff_id: str, agent_id: str, text: str, client_ref: str | None = None) -> ReplyResult:
        ticket = self._queue.get(self.shop_id, handoff_id)
        self._require_held(ticket, agent_id)
        transcript = self._conversations.transcript(self.shop_id, ticket.buyer_id)
        agent_turns = [t for t in transcript if t.role == Role.AGENT]
        ref = client_ref or f"{len(agent_turns)}:{text}"
        client_msg_id = agent_message_id(handoff_id, agent_id, ref)
        now = self._clock()
        duplicate = any(t.message_id == client_msg_id for t in agent_turns)
        # Send first: a failure leaves no trace of a reply the buyer never got; the platform dedupes retries.
        self._platform.send_message(self.shop_id, ticket.buyer_id, text, client_msg_id)
        if not duplicate:
            self._conversations.append_turn(
                self.shop_id, ticket.buyer_id,
                Turn(role=Role.AGENT, text=text, at=now, message_id=client_msg_id),
            )
            self._queue.record_reply(self.shop_id, handoff_id, agent_id, client_msg_id, now)
            transcript.append(Turn(role=Role.AGENT, text=text, at=now, message_id=client_msg_id))
            if self._activity is not None:  # the dashboard's 3-minute reply rate
                self._activity.put(agent_reply_activity(self.shop_id, ticket.buyer_id, handoff_id, client_msg_id,
                                                        now))
        self._learn(ticket, transcript, agent_id)
        return ReplyResult(handoff_id=handoff_id, client_msg_id=client_msg_id, sent_at=now,
                           duplicate=duplicate)

    def resolve(self, handoff_id: str, agent_id: str) -> TicketView:
        return self._close(handoff_id, agent_id, HandoffStatus.RESOLVED, ActionKind.RESOLVE)

    def give_back(self, handoff_id: str, agent_id: str) -> TicketView:
        return self._close(handoff_id, agent_id, HandoffStatus.RETURNED, ActionKind.GIVE_BACK)

    # --- internals -----------------------------------------------------------------------------------

    def _close(self, handoff_id: str, agent_id: str, status: HandoffStatus, kind: ActionKind) -> TicketView:
        """Close the ticket, then hand the conversation back to the bot.

        A repeated call by the same agent (the first one died between the two writes) repeats the
        mode change instead of failing, so the bot can never stay muted behind a closed ticket.
        """
        close = self._queue.resolve if status == HandoffStatus.RESOLVED else self._queue.give_back
        try:
            ticket = close(self.shop_id, handoff_id, agent_id, self._clock())
        except TicketClosed as closed:
            ticket = closed.ticket  # type: ignore[assignment]
            last = ticket.actions[-1] if ticket and ticket.actions else None
            if ticket is None or ticket.status != status or last is None or last.action != kind \
                    or last.agent_id != agent_id:
                raise
        self._conversations.set_mode(self.shop_id, ticket.buyer_id, Mode.BOT)
        return self._view(ticket)

    def _learn(self, ticket: HandoffTicket, transcript: list[Turn], agent_id: str) -> None:
        """The reply as candidate knowledge (learning/). It went out already: a failure here is logged, and the
        agent's next reply (or a retried send, which comes here again) tries once more."""
        if self._on_reply is None:
            return
        try:
            self._on_reply(ticket, transcript, agent_id)
        except Exception:
            logger.warning("candidate knowledge from a reply failed", exc_info=True)

    @staticmethod
    def _require_held(ticket: HandoffTicket, agent_id: str) -> None:
        if ticket.status == HandoffStatus.CLAIMED and ticket.claimed_by == agent_id:
            return
        if ticket.status == HandoffStatus.CLAIMED:
            raise NotYourTicket(f"handoff {ticket.handoff_id!r} is held by another agent", ticket)
        if ticket.status == HandoffStatus.WAITING:
            raise TicketClosed(f"handoff {ticket.handoff_id!r} must be claimed first", ticket)
        raise TicketClosed(f"handoff {ticket.handoff_id!r} is {ticket.status.value}", ticket)

    def _order(self, buyer_id: str) -> Order | None:
        try:
            return self._platform.latest_order(self.shop_id, buyer_id)
        except PlatformError as error:  # the package is still useful without the order
            logger.warning("order look-up failed", extra={"code": str(error.code)})
            return None

    def _shop_knowledge(self) -> ShopKnowledge | None:
        try:
            return self._knowledge()
        except Exception:  # no learned snapshot yet: no suggestions, default SLA
            logger.warning("shop knowledge unavailable", exc_info=True)
            return None

    def _sla_minutes(self) -> int:
        knowledge = self._shop_knowledge()
        return knowledge.sla_minutes if knowledge else DEFAULT_SLA_MINUTES

    def _view(self, ticket: HandoffTicket) -> TicketView:
        return TicketView.of(ticket, self._clock(), self._sla_minutes())
