"""The reception service: applies the brain's decision to the world, exactly once per platform message."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from kefu.answering.outgoing import OutgoingFilter
from kefu.learning.activity import message_activity
from kefu.models.conversation import Mode, Role, Turn
from kefu.models.decision import Outcome
from kefu.models.handoff import HandoffTicket
from kefu.models.learning import ActivityRecord
from kefu.models.messages import QueuedMessage
from kefu.models.shop import Order
from kefu.platform.client import PlatformClient
from kefu.reception.brain import ShopBrain
from kefu.store.activity import ActivityStore
from kefu.store.agent_queue import AgentQueue
from kefu.store.conversations import ConversationStore
from kefu.store.ledger import Effects, LedgerEntry, MessageLedger
from kefu.store.transaction import TransactionCanceled, WriteTransaction

log = logging.getLogger(__name__)


class MessageBusy(RuntimeError):
    """Another worker is applying this message right now; the queue will deliver it again."""


class ReceptionService:
    def __init__(
        self,
        conversations: ConversationStore,
        ledger: MessageLedger,
        agent_queue: AgentQueue,
        platform: PlatformClient,
        brain_for: Callable[[str], ShopBrain],
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        lease_s: float = 30.0,
        outgoing: OutgoingFilter | None = None,
        activity: ActivityStore | None = None,
    ) -> None:
        self._activity = activity
        self._outgoing = outgoing or OutgoingFilter()
        self._lease_s = lease_s
        self._conversations = conversations
        self._ledger = ledger
        self._queue = agent_queue
        self._platform = platform
        self._brain_for = brain_for
        self._clock = clock

    def preload(self, shop_id: str) -> bool:
        """Load the shop's knowledge now (a Lambda's init phase), not on the first buyer's message.

        False when it cannot be loaded yet (no knowledge published): the first message tries again.
        """
        try:
            self._brain_for(shop_id)
        except Exception:
            log.warning("knowledge for shop %s not loadable at start; loading on the first message", shop_id,
                        exc_info=True)
            return False
        return True

    def handle(self, queued: QueuedMessage) -> Outcome:
        """Decide, record, send, mark sent: each step safe to repeat after a crash or a redelivery.

        The decision lands in one transaction with everything it changes in DynamoDB (the transcript
        turns, the conversation state, the handoff ticket); only the reply to the platform is left
        outside, covered by the ledger's lease and ``sent`` mark and by the deterministic client message
        id the platform deduplicates on. The decision is made before the ledger is read: a first delivery
        (nearly every message) costs one transaction; a redelivery finds the earlier decision when the
        transaction is refused, and finishes that one, never its own.
        """
        message = queued.message
        effects = self._decide(queued)
        record = message_activity(queued, effects.outcome, effects.handoff, self._clock())
        if self._record(effects, message.message_id, record):
            entry = LedgerEntry(effects=effects, sent=False, leased=True)
        else:
            earlier = self._ledger.get(message.shop_id, message.message_id)
            if earlier is None:  # pragma: no cover - the ledger refused our decision, so one exists
                raise MessageBusy(f"message {message.message_id}: the earlier decision is not readable yet")
            entry = earlier
        if not entry.sent:
            if not entry.leased and not self._ledger.try_lease(message.shop_id, message.message_id, self._lease_s):
                raise MessageBusy(f"message {message.message_id} is being applied by another worker; retry later")
            self._send(entry.effects)
            self._ledger.mark_sent(message.shop_id, message.message_id)
        return entry.effects.outcome

    def _decide(self, queued: QueuedMessage) -> Effects:
        message = queued.message
        state = self._conversations.load_state(message.shop_id, message.buyer_id)
        order = self._order(message.shop_id, message.buyer_id, state.order_status)
        if order is not None:
            state.order_status, state.order_sn = order.status, order.order_sn
        elif state.order_status is None:
            state.order_status = "未下单"
        brain = self._brain_for(message.shop_id)
        reply = brain.respond(message, state, order, self._clock())
        outcome = reply.outcome
        if outcome.reply:  # no off-platform words in chat; filtered before the ledger stores what is sent
            outcome = outcome.model_copy(update={"reply": self._outgoing(outcome.reply, brain.shop.forbidden_words)})
        turns = [
            Turn(role=Role.BUYER, text=message.text, at=message.sent_at, message_id=message.message_id,
                 message_type=message.type.value, intent=outcome.intent)
        ]
        if outcome.reply:
            turns.append(Turn(role=Role.BOT, text=outcome.reply, at=self._clock(), message_id=message.message_id,
                              sources=outcome.sources))
        return Effects(outcome=outcome, state=reply.state, turns=turns,
                       handoff=reply.ticket.model_dump(mode="json") if reply.ticket else None)

    def _order(self, shop_id: str, buyer_id: str, cached_status: str | None) -> Order | None:
        """The buyer's newest order; looked up on every message so status changes are seen."""
        return self._platform.latest_order(shop_id, buyer_id)

    def _record(self, effects: Effects, message_id: str, activity: ActivityRecord | None = None) -> bool:
        """The decision and its DynamoDB effects, all or nothing; False when a decision exists already.

        A handoff's human mode is written only if no agent changed the mode since the state was loaded
        (see ``ConversationStore.save_state``); if one did, theirs stands and the rest is written.
        """
        state = effects.state
        for guarded in (True, False) if state.mode == Mode.HUMAN else (False,):
            transaction = WriteTransaction()
            decision = self._ledger.add_decision(transaction, state.shop_id, message_id, effects, self._lease_s)
            self._conversations.add_turns(transaction, state.shop_id, state.buyer_id, effects.turns)
            state_write = self._conversations.add_state(transaction, state, guarded=guarded)
            if effects.handoff:
                self._queue.add_ticket(transaction, HandoffTicket.model_validate(effects.handoff))
            if self._activity is not None and activity is not None:  # the dashboard's count, exactly once
                self._activity.add(transaction, activity)
            try:
                transaction.commit()
                return True
            except TransactionCanceled as canceled:
                if canceled.condition_failed(decision):
                    return False
                if not (guarded and canceled.condition_failed(state_write)):
                    raise
        raise AssertionError("unreachable: the unguarded transaction has no condition but the decision's")

    def _send(self, effects: Effects) -> None:
        """Idempotent: the platform deduplicates on the client message id derived from ours."""
        if effects.outcome.reply:
            state = effects.state
            self._platform.send_message(
                state.shop_id, state.buyer_id, effects.outcome.reply, client_msg_id=f"re-{effects.outcome.message_id}"
            )
