"""What the webhook does with a verified push, free of any HTTP framework and of any platform.

Verifying and parsing belong to the platform adapters (``kefu/platform/<name>/``, chosen by route through
``kefu.platform.registry``); the refusal type and the size check are the seam's (``kefu.platform.base``).
"""

from __future__ import annotations

from datetime import UTC, datetime

from kefu.models.messages import BuyerMessage, QueuedMessage
from kefu.platform.base import IntakeError, check_size

__all__ = ["IntakeError", "check_size", "to_queued"]


def to_queued(message: BuyerMessage) -> QueuedMessage:
    return QueuedMessage(message=message, received_at=datetime.now(UTC))
