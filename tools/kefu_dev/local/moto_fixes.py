"""The one place where the local AWS emulation is corrected, each fix with the gap it closes.

Checked against moto 5.2 (server mode), and fine as is:
- FIFO: messages of a group come in order, and a group with a message in flight
  (received, not deleted, not yet visible again) is not delivered to another
  receive call;
- redrive: a message whose receive count has reached ``maxReceiveCount`` moves to
  the dead-letter queue on the next receive attempt, as in SQS.

Gaps:
1. Long polling spins. While a queue holds visible messages that cannot be
   delivered (their FIFO group is in flight), ``ReceiveMessage`` with
   ``WaitTimeSeconds`` busy-loops for the whole wait (measured: 2.4 s of CPU in a
   3 s poll). The emulation runs inside the local runtime's process, so that spin
   starves the handlers on a 2-core machine. Fixed below: the wait sleeps until a
   message is sent to the queue, re-checking every 0.1 s (deletes and visibility
   expiries do not notify moto's condition).
2. Conditional writes are not atomic. moto's server handles each request in its own
   thread and checks a ConditionExpression, then applies the write, without a lock:
   20 agents claiming the same 100 handoffs at once gave 1–2 items with two winners
   per run. DynamoDB serialises writes to one item, and both the agent queue's claim
   and the exactly-once ledger rely on that. Fixed below: the backend's write calls
   are serialised (a lock per process; the emulation is one process).
3. FIFO order breaks after a redelivery. moto keeps a received message in its "pending"
   set until a receive call walks past it after its visibility expired, and treats the
   group as in flight while any pending message of it is left. When a failed batch
   makes a group's messages m0, m1, m2 visible again together, the walk drops m0 and
   m1 from "pending" but still sees the group busy (m2 pending), and delivers m2 first:
   the buyer got the answer to the third message before the first (found by the fault
   tests). SQS delivers a group in order. Fixed below: messages visible again leave the
   pending set before each receive and each long-poll re-check.
   3b. moto's long poll also reads which FIFO groups are in flight once, when the poll starts:
   after its wait it delivered a group's next message while another receive (the poller has
   several threads) held the previous one, and the buyer got two answers in the wrong order (1 of
   15,274 messages in a 5-minute burst). Fixed below: the long poll is ours, each pass a fresh
   moto receive.
4. SQS slows down as the queue grows. Every SendMessage reads all of the queue's
   attributes, which counts visible, in-flight and delayed messages one by one, and each
   message's check asks moto's clock, which builds two datetimes (and re-imports
   datetime.UTC) per call: with 1,000 messages waiting, one send cost ~100 ms of CPU, so a
   promotion burst that built a backlog made every later message dearer and the local
   runtime collapsed (measured: 25 msg/s offered → 7 msg/s handled). Fixed below: the SQS
   models read the clock with time.time() (the same instant; measured 17x less CPU per
   queue operation with 2,000 messages waiting, 2.6x with 100).
   Still, moto computes all of a queue's attributes, each of the three message counts a
   walk over every message, to read one setting: four times per SendMessage (for
   ContentBasedDeduplication) and 1 + 2 x names times per GetQueueAttributes. Under a
   burst's backlog that was half of the emulation's CPU (profiled at 4,000 waiting) and
   the responder starved. Fixed below: a send reads only that setting, and one
   GetQueueAttributes computes the attributes once.
5. Every request lists moto's package folder. To route a request to a service, moto's
   server asks whether the host is a moto module by listing its package directory and
   stat-ing each entry, under a lock that serialises all requests: about 10% of the CPU of
   a DynamoDB call (measured 3.4 → 3.1 ms per call, client and server). Fixed below: the
   list is read once (the installed package does not change while we run).
   Likewise every request listed its handler class's methods (inspect.getmembers) to check that
   the action exists: ~3% of the emulation's CPU; read once per class now.
6. Messages vanish under load. moto's DeleteMessage rebuilds the queue's message list and
   assigns it back without a lock, while SendMessage appends to the list under one: a send
   landing between the rebuild and the assignment is lost. The 5-minute 50 msg/s burst lost
   4 of 14,952 accepted messages this way; with a short thread switch interval, 2 senders
   and 2 consumers lost 116 of 3,000. Concurrent receives also walked the in-flight set
   while another request changed it. Fixed below: every operation on a queue's messages
   holds that queue's own lock (a Condition: a long poll's wait releases it), and a delete
   removes its message in one pass.
   A send also woke every long poll waiting on the queue (notify_all): with the poller's six threads
   waiting, each message set six receives walking the queue at the moment the webhook waited for
   its send to return. A send now wakes one waiting receive; the others still re-check every 0.1 s.
7. A transaction copies whole tables. To roll back a failed TransactWriteItems, moto deep-copies
   every table the transaction touches before it starts: the cost of one message's transaction
   grew with every conversation and ledger entry stored (the responder writes one per message).
   Fixed below: only the items the transaction touches are backed up, and restored if it fails.
8. Not fixed, and harmless here: moto deduplicates a FIFO send only against the
   messages still in the queue, while SQS remembers a deduplication id for 5
   minutes even after the message was deleted. A platform retry that arrives after
   the first copy was consumed is enqueued again locally; the responder's ledger
   still sends one reply only (the integration tests prove it).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

_RECHECK_S = 0.1
_applied = False
# The moto releases these patches were written against and checked with (pyproject.toml pins the same range):
# they replace moto internals, which a minor release may rename.
SUPPORTED_MOTO = ((5, 2), (5, 3))


class UnsupportedMoto(RuntimeError):
    pass


def check_version(version: str) -> None:
    """Refuse a moto outside the range the patches were written for, saying what to do."""
    parts = tuple(int(p) for p in version.split(".")[:2] if p.isdigit())
    low, high = SUPPORTED_MOTO
    if not low <= parts < high:
        raise UnsupportedMoto(
            f"moto {version} is installed; kefu's local emulation patches moto {low[0]}.{low[1]}.x internals "
            f"(kefu/local/moto_fixes.py). Reinstall with 'make env' (pyproject pins the range), or re-check each "
            f"patch against this moto before widening SUPPORTED_MOTO."
        )


def apply() -> None:
    """Idempotent; affects moto running in this process (kefu_dev.local.emulator.MotoServer)."""
    global _applied
    if _applied:
        return
    import moto

    check_version(moto.__version__)
    from moto.sqs.models import Queue

    def wait_for_messages(self: Any, timeout: int) -> None:
        # A send notifies the condition (immediate wake-up); anything else is seen on the next re-check.
        with self._messages_lock:
            self._messages_lock.wait(timeout=min(float(timeout), _RECHECK_S))
            _forget_visible(self)

    Queue.wait_for_messages = wait_for_messages  # type: ignore[method-assign]
    _fast_sqs_clock()
    _queue_attributes_once()
    _moto_modules_once()
    _response_methods_once()
    _fifo_order_after_redelivery()
    _serialise_queue_operations()  # last: the outermost wrapper, so the fixes above run under the lock
    _one_waiter_per_send()
    _transactions_back_up_their_items()
    _serialise_dynamodb_writes()  # after it: a transaction's backup and writes happen under the lock
    _applied = True


def _serialise_dynamodb_writes() -> None:
    from moto.dynamodb.models import DynamoDBBackend

    lock = threading.RLock()

    def serialised(original: Callable[..., Any]) -> Callable[..., Any]:
        def write(self: Any, *args: Any, **kwargs: Any) -> Any:
            with lock:
                return original(self, *args, **kwargs)

        write._kefu_atomic = True  # type: ignore[attr-defined]
        return write

    for name in ("put_item", "update_item", "delete_item", "transact_write_items", "batch_write_item"):
        original = getattr(DynamoDBBackend, name)
        if not getattr(original, "_kefu_atomic", False):
            setattr(DynamoDBBackend, name, serialised(original))


class _WakeOne(threading.Condition):
    """A queue's condition whose notify_all (moto calls it on every send) wakes one waiting receive."""

    def notify_all(self) -> None:
        self.notify(1)


def _one_waiter_per_send() -> None:
    from moto.sqs.models import Queue

    original = Queue.__init__
    if getattr(original, "_kefu_wake_one", False):
        return

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        self._messages_lock = _WakeOne()

    init._kefu_wake_one = True  # type: ignore[attr-defined]
    Queue.__init__ = init  # type: ignore[method-assign]


def _transactions_back_up_their_items() -> None:
    import copy

    from moto.dynamodb import models
    from moto.dynamodb.models.table import Table

    class _TablesUncopied:
        """``copy`` as moto's transact_write_items sees it: the table "backup" is the table itself."""

        @staticmethod
        def deepcopy(value: Any, memo: Any = None) -> Any:
            return value if isinstance(value, Table) else copy.deepcopy(value, memo)

    # moto's module uses copy only here and in update_item (items, unaffected)
    models.copy = _TablesUncopied  # type: ignore[assignment]
    original = models.DynamoDBBackend.transact_write_items
    if getattr(original, "_kefu_item_backups", False):
        return

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> Any:
        backups: list[tuple[Any, Any, Any, Any]] = []
        for entry in transact_items:
            try:
                _, op = next(iter(entry.items()))
                table = self.tables[op["TableName"]]
                keys = op.get("Key") or {
                    name: op["Item"][name] for name in (table.hash_key_attr, table.range_key_attr) if name
                }
                hash_key, range_key = self.get_keys_value(table, keys)
            except Exception:  # a malformed entry fails in moto's own validation below
                continue
            backups.append((table, hash_key, range_key, copy.deepcopy(table.get_item(hash_key, range_key))))
        try:
            return original(self, transact_items)
        except Exception:
            for table, hash_key, range_key, item in reversed(backups):
                if item is None:
                    table.delete_item(hash_key, range_key)
                elif range_key is not None:
                    table.items[hash_key][range_key] = item
                else:
                    table.items[hash_key] = item
            raise

    transact_write_items._kefu_item_backups = True  # type: ignore[attr-defined]
    models.DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]


def _response_methods_once() -> None:
    import functools

    from moto.core import responses

    if getattr(responses.method_names_from_class, "_kefu_once", False):
        return
    cached = functools.cache(responses.method_names_from_class)  # classes do not change while we run
    cached._kefu_once = True  # type: ignore[attr-defined]
    responses.method_names_from_class = cached


def _forget_visible(queue: Any) -> None:
    """Messages whose visibility expired are no longer in flight (gap 3)."""
    for message in [m for m in queue.pending_messages if m.visible]:
        queue.pending_messages.discard(message)


def _fifo_order_after_redelivery() -> None:
    from moto.sqs.models import SQSBackend

    original = SQSBackend.receive_message
    if getattr(original, "_kefu_fifo", False):
        return

    def receive_message(self: Any, queue_name: str, count: int, wait_seconds_timeout: int, visibility_timeout: int,
                        message_attribute_names: list[str] | None = None) -> Any:
        import time

        queue = self.get_queue(queue_name)
        deadline = time.time() + (wait_seconds_timeout or 0)
        while True:
            _forget_visible(queue)
            # One pass of moto's receive, never its own long poll: that one reads the FIFO groups in flight
            # once, when it starts, and after its wait delivered a group's next message while another
            # receive held the previous one (gap 3b).
            result = original(self, queue_name, count, 0, visibility_timeout, message_attribute_names)
            if result or time.time() >= deadline:
                return result
            queue.wait_for_messages(1)

    receive_message._kefu_fifo = True  # type: ignore[attr-defined]
    SQSBackend.receive_message = receive_message  # type: ignore[method-assign]


def _fast_sqs_clock() -> None:
    """moto's unix_time() is (utcnow - epoch) in seconds: time.time(), without two datetimes (gap 4)."""
    import time

    from moto.sqs import models

    if getattr(models.unix_time, "_kefu_fast", False):
        return
    slow_seconds, slow_millis = models.unix_time, models.unix_time_millis

    def unix_time(dt: Any = None) -> float:
        return time.time() if dt is None else float(slow_seconds(dt))

    def unix_time_millis(dt: Any = None) -> float:
        return time.time() * 1000.0 if dt is None else float(slow_millis(dt))

    unix_time._kefu_fast = True  # type: ignore[attr-defined]
    models.unix_time = unix_time
    models.unix_time_millis = unix_time_millis


def _moto_modules_once() -> None:
    from moto import backends

    if getattr(backends.list_of_moto_modules, "_kefu_once", False):
        return
    modules = tuple(backends.list_of_moto_modules())

    def list_of_moto_modules() -> tuple[str, ...]:
        return modules

    list_of_moto_modules._kefu_once = True  # type: ignore[attr-defined]
    backends.list_of_moto_modules = list_of_moto_modules


_sqs_call = threading.local()


def _queue_attributes_once() -> None:
    """Gap 4: no O(messages) attribute walks where a send needs one setting, nor repeated within one call."""
    from moto.sqs.models import Queue, SQSBackend

    full = Queue.attributes.fget  # type: ignore[attr-defined]
    if getattr(full, "_kefu_once", False):
        return

    def attributes(self: Any) -> dict[str, Any]:
        if getattr(_sqs_call, "sending", False):  # what the send path reads, nothing else
            deduplicate = str(bool(getattr(self, "content_based_deduplication", False))).lower()
            return {"ContentBasedDeduplication": deduplicate} if self.fifo_queue else {}
        cache: dict[int, dict[str, Any]] | None = getattr(_sqs_call, "cache", None)
        if cache is None:
            return dict(full(self))
        if id(self) not in cache:
            cache[id(self)] = full(self)
        return cache[id(self)]

    attributes._kefu_once = True  # type: ignore[attr-defined]
    Queue.attributes = property(attributes)  # type: ignore[assignment, method-assign]

    def within(name: str, value: Any, original: Callable[..., Any]) -> Callable[..., Any]:
        def call(self: Any, *args: Any, **kwargs: Any) -> Any:
            before = getattr(_sqs_call, name, None)
            setattr(_sqs_call, name, value() if callable(value) else value)
            try:
                return original(self, *args, **kwargs)
            finally:
                setattr(_sqs_call, name, before)

        return call

    SQSBackend.send_message = within("sending", True, SQSBackend.send_message)  # type: ignore[method-assign]
    SQSBackend.get_queue_attributes = within(  # type: ignore[method-assign]
        "cache", dict, SQSBackend.get_queue_attributes
    )


_QUEUE_OPERATIONS = (
    "send_message", "send_message_batch", "receive_message", "delete_message", "delete_message_batch",
    "change_message_visibility", "change_message_visibility_batch", "purge_queue",
)


def _serialise_queue_operations() -> None:
    """Gap 6: one queue's messages are changed by one request at a time."""
    from moto.sqs.exceptions import ReceiptHandleIsInvalid
    from moto.sqs.models import Queue, SQSBackend

    def locked(original: Callable[..., Any]) -> Callable[..., Any]:
        def call(self: Any, queue_name: str, *args: Any, **kwargs: Any) -> Any:
            with self.get_queue(queue_name)._messages_lock:
                return original(self, queue_name, *args, **kwargs)

        call._kefu_locked = True  # type: ignore[attr-defined]
        return call

    for name in _QUEUE_OPERATIONS:
        original = getattr(SQSBackend, name)
        if not getattr(original, "_kefu_locked", False):
            setattr(SQSBackend, name, locked(original))

    def delete_message(self: Any, receipt_handle: str) -> None:
        with self._messages_lock:
            if receipt_handle in self.deleted_messages:
                return  # already deleted: SQS accepts it again
            for index, message in enumerate(self._messages):
                if message.had_receipt_handle(receipt_handle):
                    self.pending_messages.discard(message)
                    self.deleted_messages.update(message.all_receipt_handles)
                    del self._messages[index]
                    return
        raise ReceiptHandleIsInvalid()

    Queue.delete_message = delete_message  # type: ignore[method-assign]
