"""The shop's canned replies with the buyer's order filled in, ready for an agent to send.

Pure. Placeholders are filled by name with a regular expression, never with ``str.format``: a merchant's
text may hold other braces (an emoticon, a stray ``{``) that must reach the agent as written.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from pydantic import BaseModel

from kefu.models.shop import CannedReplyTemplate, Order

PLACEHOLDERS = ("物流公司", "单号", "订单号", "订单状态", "商品")
# Full-width braces too: a Chinese input method types ｛｝ for the same keys.
_PLACEHOLDER = re.compile(r"[{｛](" + "|".join(PLACEHOLDERS) + r")[}｝]")


class CannedReply(BaseModel):
    title: str
    text: str


def order_values(order: Order | None) -> dict[str, str]:
    """The placeholder values an order gives; a value the order does not have is left out."""
    if order is None:
        return {}
    logistics = order.logistics
    values = {
        "订单号": order.order_sn,
        "订单状态": order.status,
        "物流公司": logistics.company if logistics else "",
        "单号": logistics.tracking_no if logistics else "",
        "商品": goods_label(order),
    }
    return {name: value.strip() for name, value in values.items() if value and value.strip()}


def goods_label(order: Order) -> str:
    """The goods as a buyer knows them: the name when the platform sent one, with the spec bought."""
    name = getattr(order, "goods_name", None)  # an extra field of the platform's order record
    parts = [part.strip() for part in (name if isinstance(name, str) else "", order.spec or "") if part]
    return " ".join(part for part in parts if part)


def fill(text: str, values: Mapping[str, str]) -> str:
    """Known placeholders with a value are replaced; the rest stay as written so the agent sees the gap."""
    return _PLACEHOLDER.sub(lambda match: values.get(match.group(1)) or match.group(0), text)


def canned_replies(templates: Sequence[CannedReplyTemplate], order: Order | None) -> list[CannedReply]:
    values = order_values(order)
    return [CannedReply(title=template.title, text=fill(template.text, values)) for template in templates]
