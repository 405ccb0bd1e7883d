"""Pinduoduo as a ``Platform``: signed pushes in, replies and order look-ups through ``PddClient``."""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property

from kefu.models.shop import Order
from kefu.platform.base import PlatformBase, PlatformDeps
from kefu.platform.pinduoduo import WORDING
from kefu.platform.pinduoduo.client import PddClient
from kefu.platform.pinduoduo.intake import accept_pdd
from kefu.platform.pinduoduo.status import PDD_STATUSES


class PinduoduoPlatform(PlatformBase):
    name = "pdd"
    wording = WORDING
    accept_one = staticmethod(accept_pdd)
    statuses = PDD_STATUSES

    def __init__(self, client: Callable[[], PddClient]) -> None:
        self._make_client = client

    @cached_property
    def client(self) -> PddClient:
        return self._make_client()


    def send_reply(self, shop_id: str, buyer_id: str, text: str, client_msg_id: str) -> None:
        self.client.send_message(shop_id, buyer_id, text, client_msg_id)

    def latest_order(self, shop_id: str, buyer_id: str) -> Order | None:
        return self.client.latest_order(shop_id, buyer_id)


def build(deps: PlatformDeps) -> PinduoduoPlatform:
    settings = deps.settings
    return PinduoduoPlatform(lambda: PddClient(settings.platform_api_url, settings.platform_client_id, deps.secret()))
