"""WeCom callback XML and sync_msg records → kefu's ``BuyerMessage``.

Only what a buyer sent (``origin`` 3) becomes a message: the shop's own agents' messages (5), system messages
(4) and events are not buyer messages. Text, image and video map to kefu's types, a 视频号小店 product card
to a goods card and an order card to an order card; voice, file, location, link, mini-program and menu
messages are skipped (kefu has no type for them; the count is returned so the webhook can log it).
The buyer id is ``<open_kfid>:<external_userid>``: the reply must go out through the account it came to.
"""

from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as ElementTree
from datetime import UTC, datetime
from typing import Any

from kefu.models.messages import MAX_TEXT_CHARS, SAFE_ID, BuyerMessage
from kefu.platform.base import IntakeError, parse_message

BUYER_ORIGIN = 3
_SAFE = re.compile(SAFE_ID)
_MAX_XML_BYTES = 64 * 1024


def parse_xml(raw: bytes | str) -> dict[str, str]:
    """The child elements of a flat ``<xml>`` document; 400 when it is not one. No DTDs, no entities."""
    data = raw.encode() if isinstance(raw, str) else raw
    if len(data) > _MAX_XML_BYTES:
        raise IntakeError(413, "payload_too_large", "the XML document is too large")
    if re.search(rb"<!(?!\[CDATA\[)", data):  # DOCTYPE / ENTITY declarations; CDATA sections are fine
        raise IntakeError(400, "invalid_xml", "declarations are not accepted")
    try:
        root = ElementTree.fromstring(data)
    except (ElementTree.ParseError, ValueError):
        raise IntakeError(400, "invalid_xml", "body is not a well-formed XML document") from None
    return {child.tag: (child.text or "").strip() for child in root}


def buyer_id(open_kfid: str, external_userid: str) -> str:
    return f"{open_kfid}:{external_userid}"


def split_buyer(buyer: str) -> tuple[str, str]:
    """(open_kfid, external_userid) of a buyer id made by ``buyer_id``."""
    open_kfid, separator, external_userid = buyer.partition(":")
    if not separator or not open_kfid or not external_userid:
        raise ValueError("not a WeCom buyer id (<open_kfid>:<external_userid>)")
    return open_kfid, external_userid


def _safe(value: str) -> str:
    return value if _SAFE.match(value) else "wx-" + hashlib.sha256(value.encode()).hexdigest()[:40]


def to_buyer_message(record: dict[str, Any], shop_id: str) -> BuyerMessage | None:
    """One sync_msg record as a buyer message, or None when it is not one kefu takes."""
    if record.get("origin") != BUYER_ORIGIN:
        return None
    kind = record.get("msgtype")
    base: dict[str, Any] = {
        "shop_id": shop_id,
        "buyer_id": buyer_id(str(record.get("open_kfid", "")), str(record.get("external_userid", ""))),
        "message_id": _safe(str(record.get("msgid", ""))),
    }
    if isinstance(record.get("send_time"), int):
        base["sent_at"] = datetime.fromtimestamp(record["send_time"], UTC)
    if kind == "text":
        content = str((record.get("text") or {}).get("content") or "").strip()
        if not content:
            return None
        data = base | {"type": "text", "text": content[:MAX_TEXT_CHARS]}
    elif kind in ("image", "video"):
        data = base | {"type": kind}
    elif kind == "channels_shop_product":
        product = record.get("channels_shop_product") or {}
        data = base | {"type": "goods_card", "goods_id": _safe(str(product.get("product_id", ""))),
                       "goods_name": str(product.get("title") or "")[:200] or None}
    elif kind == "channels_shop_order":
        order = record.get("channels_shop_order") or {}
        data = base | {"type": "order_card", "order_sn": _safe(str(order.get("order_id", "")))}
    else:
        return None
    try:
        return parse_message(data, shop_id)
    except IntakeError:  # a record with ids outside the safe alphabet: not a message kefu can key
        return None
