"""The platform seam: what kefu needs from an e-commerce or chat platform, and nothing platform-specific.

A platform adapter (one folder under ``kefu/platform/``, one entry in ``kefu/platform/registry.py``) turns an
inbound push into buyer messages (``verify_push``), sends a reply (``send_reply``), looks up the buyer's latest
order when the platform has an order API (``latest_order``, else None), maps the platform's order statuses to
the nine neutral ones (``map_status``) and carries the platform's wording: the name the system prompt uses, the
words its chat rules forbid and the markers of an answer that leads the buyer off the platform.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from pydantic import TypeAdapter, ValidationError

from kefu.models.messages import BuyerMessage
from kefu.models.shop import NO_ORDER, ORDER_STATUSES, Order, OrderStatus
from kefu.settings import Settings

_MESSAGE: TypeAdapter[BuyerMessage] = TypeAdapter(BuyerMessage)


class IntakeError(Exception):
    """A refused request: HTTP status, a stable error code, and a message that says what to fix.

    400 malformed, 401 unsigned / bad signature / stale, 403 wrong shop, 405 method, 413 too large.
    """

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


@dataclass(frozen=True)
class PlatformWording:
    """How the platform is named to the language model, and what the chat there must never say."""

    display_name: str  # "拼多多"; "" when the platform is not known (the generic contract)
    forbidden_words: tuple[str, ...] = ()  # added to kefu/data/forbidden_words.json (every platform's)
    off_platform: tuple[str, ...] = ()  # regex alternatives: a composed reply pointing there is refused

    def off_platform_pattern(self) -> re.Pattern[str]:
        return re.compile("|".join(self.off_platform) or r"(?!x)x", re.IGNORECASE)


@dataclass(frozen=True)
class Route:
    """One webhook route: ``/webhook/<path>`` with its HTTP methods."""

    path: str
    methods: tuple[str, ...] = ("POST",)


@dataclass(frozen=True)
class PushRequest:
    """An inbound HTTP request as the webhook sees it (no framework types)."""

    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)


class PushedMessages(list[BuyerMessage]):
    """What ``verify_push`` returns when the adapter has something to do once the messages are queued (move a
    sync cursor): the webhook calls ``on_queued`` after the last send. ``skipped``: records that were not
    buyer messages kefu takes (counted, never logged)."""

    on_queued: Callable[[], object] | None = None
    skipped: int = 0


@runtime_checkable
class Platform(Protocol):
    name: str
    wording: PlatformWording
    plain_ack: str | None  # the text/plain body a push is acknowledged with; None: kefu's JSON answer

    def verify_push(
        self,
        body: bytes,
        headers: Mapping[str, str] | None,
        secret: str,
        shop_id: str,
        now: float,
        window_s: int,
        *,
        query: Mapping[str, str] | None = None,
    ) -> list[BuyerMessage]:
        """The buyer messages of a push; raises ``IntakeError`` (400/401/403/413) when it must be refused."""
        ...

    def handshake(self, query: Mapping[str, str], secret: str, now: float, window_s: int) -> str:
        """The answer to the platform's URL verification (a GET); ``IntakeError(405)`` when it has none."""
        ...

    def send_reply(self, shop_id: str, buyer_id: str, text: str, client_msg_id: str) -> None:
        """Send one text reply; retried sends carry the same client_msg_id."""
        ...

    def send_message(self, shop_id: str, buyer_id: str, text: str, client_msg_id: str) -> None:
        """``send_reply`` under ``PlatformClient``'s name (the reception service and the workspace call it)."""
        ...

    def latest_order(self, shop_id: str, buyer_id: str) -> Order | None:
        """The buyer's newest order (None: 未下单, or the platform has no order API)."""
        ...

    def map_status(self, raw: object) -> OrderStatus:
        """The platform's order status → one of the nine neutral statuses."""
        ...


class PlatformBase:
    """What the adapters share: no URL verification, neutral statuses, ``send_message`` for ``PlatformClient``."""

    name: str = ""
    wording: PlatformWording = PlatformWording("")
    statuses: Mapping[str, OrderStatus] = {}
    plain_ack: str | None = None

    def verify_push(
        self,
        body: bytes,
        headers: Mapping[str, str] | None,
        secret: str,
        shop_id: str,
        now: float,
        window_s: int,
        *,
        query: Mapping[str, str] | None = None,
    ) -> list[BuyerMessage]:
        """One message per push: ``accept_one`` verifies and parses it (adapters whose pushes carry more override)."""
        return [self.accept_one(body, headers, secret, shop_id, now, window_s)]

    def accept_one(
        self, body: bytes, headers: Mapping[str, str] | None, secret: str, shop_id: str, now: float, window_s: int
    ) -> BuyerMessage:
        raise NotImplementedError

    def handshake(self, query: Mapping[str, str], secret: str, now: float, window_s: int) -> str:
        raise IntakeError(405, "method_not_allowed", f"the {self.name} webhook takes POST only")

    def map_status(self, raw: object) -> OrderStatus:
        return neutral_status(raw, self.statuses, self.name)

    def send_reply(self, shop_id: str, buyer_id: str, text: str, client_msg_id: str) -> None:
        raise NotImplementedError

    def send_message(self, shop_id: str, buyer_id: str, text: str, client_msg_id: str) -> None:
        """``PlatformClient``'s name for ``send_reply`` (what the reception service and the workspace call)."""
        self.send_reply(shop_id, buyer_id, text, client_msg_id)

    def order_from(self, record: Mapping[str, object]) -> Order | None:
        """An order record in the platform's shape with its status mapped; None for 未下单."""
        data = dict(record)
        data["status"] = self.map_status(data.get("status", data.get("order_status")))
        if data["status"] == NO_ORDER:
            return None
        return Order.model_validate(data)


def neutral_status(raw: object, statuses: Mapping[str, OrderStatus], platform: str) -> OrderStatus:
    """A neutral status as it is, a platform code mapped by ``statuses``; anything else is a ValueError: a status
    is never guessed (a wrong one would send a picture to the wrong side of the media rule)."""
    key = "" if raw is None else str(raw).strip()
    if key in ORDER_STATUSES:
        return key  # type: ignore[return-value]
    mapped = statuses.get(key) or statuses.get(key.lower())
    if mapped is None:
        raise ValueError(f"unknown {platform or 'platform'} order status {key!r}")
    return mapped


def headers_lower(headers: Mapping[str, str] | None) -> dict[str, str]:
    return {key.lower(): value for key, value in (headers or {}).items()}


def check_size(body: bytes, max_bytes: int) -> None:
    if len(body) > max_bytes:
        raise IntakeError(413, "payload_too_large", f"body is {len(body)} bytes; the limit is {max_bytes}")


def parse_message(data: object, shop_id: str) -> BuyerMessage:
    """A buyer message in kefu's own shape (``BuyerMessage``), for this shop; 400 / 403 otherwise."""
    try:
        message = _MESSAGE.validate_python(data)
    except ValidationError as error:
        fields = ", ".join(".".join(str(p) for p in e["loc"]) or "body" for e in error.errors()[:5])
        raise IntakeError(400, "invalid_message", f"message does not match the schema (fields: {fields})") from None
    if message.shop_id != shop_id:
        raise IntakeError(403, "wrong_shop", "this endpoint serves another shop; check the webhook URL")
    return message


@dataclass(frozen=True)
class PlatformDeps:
    """What an adapter is built from: the settings, the platform secret (read when first needed) and, for
    adapters that keep a little state of their own (WeCom's sync cursor), the ledger table."""

    settings: Settings
    secret: Callable[[], str]
    state_table: Callable[[], Any] | None = None


@dataclass(frozen=True)
class PlatformSpec:
    """One registry entry: the platform's name, wording and webhook routes, and how to build its adapter.

    ``build`` imports the adapter's module when called, so a deployment loads only its own platform's code."""

    name: str
    title: str  # in English, for docs and the CLI
    wording: PlatformWording
    routes: tuple[Route, ...]
    build: Callable[[PlatformDeps], Platform]
    default_api_url: str | None = None  # None: the merchant must give one (a connector's URL)
