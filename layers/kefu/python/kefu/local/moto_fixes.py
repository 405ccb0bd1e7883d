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
2. Not fixed, and harmless here: moto deduplicates a FIFO send only against the
   messages still in the queue, while SQS remembers a deduplication id for 5
   minutes even after the message was deleted. A platform retry that arrives after
   the first copy was consumed is enqueued again locally; the responder's ledger
   still sends one reply only (the integration tests prove it).
"""

from __future__ import annotations

from typing import Any

_RECHECK_S = 0.1
_applied = False


def apply() -> None:
    """Idempotent; affects moto running in this process (kefu.local.emulator.MotoServer)."""
    global _applied
    if _applied:
        return
    from moto.sqs.models import Queue

    def wait_for_messages(self: Any, timeout: int) -> None:
        # A send notifies the condition (immediate wake-up); anything else is seen on the next re-check.
        with self._messages_lock:
            self._messages_lock.wait(timeout=min(float(timeout), _RECHECK_S))

    Queue.wait_for_messages = wait_for_messages  # type: ignore[method-assign]
    _applied = True
