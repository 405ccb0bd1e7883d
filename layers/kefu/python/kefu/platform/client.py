"""What the reception service and the agents' workspace need of a platform: ``PlatformClient``.

Every adapter (``kefu/platform/<name>/``) offers it; ``PlatformError`` is how any of them fails.
"""

from __future__ import annotations

from typing import Protocol

from kefu.models.shop import Order


class PlatformError(RuntimeError):
    """The platform answered with its error envelope (``error_response``), an HTTP error, or not at all."""

    def __init__(
        self,
        code: int | str,
        message: str,
        retryable: bool,
        *,
        sub_code: str | None = None,
        sub_msg: str | None = None,
        request_id: str | None = None,
        http_status: int | None = None,
    ) -> None:
        detail = f" ({sub_code}: {sub_msg})" if sub_code or sub_msg else ""
        super().__init__(f"platform error {code}: {message}{detail}")
        self.code = code
        self.message = message
        self.retryable = retryable
        self.sub_code = sub_code
        self.sub_msg = sub_msg
        self.request_id = request_id
        self.http_status = http_status


class PlatformClient(Protocol):
    def latest_order(self, shop_id: str, buyer_id: str) -> Order | None:
        """The buyer's newest order with the shop (None: 未下单)."""
        ...

    def send_message(self, shop_id: str, buyer_id: str, text: str, client_msg_id: str) -> None:
        """Send a chat message; the platform deduplicates on client_msg_id."""
        ...
