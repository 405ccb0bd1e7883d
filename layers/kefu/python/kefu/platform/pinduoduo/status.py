"""Pinduoduo's order statuses → the nine neutral ones.

``pdd.order.information.get`` answers ``order_status`` 1 (待发货), 2 (已发货，待签收), 3 (已签收); the bundle's
orders.json and the local simulator already use the neutral names, which pass through unchanged.
"""

from __future__ import annotations

from kefu.models.shop import OrderStatus
from kefu.platform.base import neutral_status

PDD_STATUSES: dict[str, OrderStatus] = {
    "1": "待发货",
    "2": "已发货",
    "3": "交易成功",
    "已发货待签收": "已发货",
    "已签收": "交易成功",
    "待成团": "待成团",
}


def pdd_status(raw: object) -> OrderStatus:
    return neutral_status(raw, PDD_STATUSES, "Pinduoduo")
