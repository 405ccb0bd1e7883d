"""WeCom 微信客服 as a ``Platform``: encrypted callbacks in, sync_msg pulls, send_msg replies, no orders.

The callback (``GET|POST /webhook/wecom_kf``) is verified and decrypted with the Token and EncodingAESKey set
in the WeCom admin console; a POST is only a ``kf_msg_or_event`` notice with a short-lived Token, so the
messages are then pulled with sync_msg from the account's stored cursor. Each message keeps WeCom's msgid as
its message id, so the queue's and the ledger's de-duplication apply when a pull repeats.

The platform secret is a JSON object: ``{"token", "encoding_aes_key", "corp_secret"}``; the CorpID is
``KEFU_PLATFORM_CLIENT_ID`` and the API base ``KEFU_PLATFORM_API_URL`` (https://qyapi.weixin.qq.com).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kefu.models.messages import BuyerMessage
from kefu.models.shop import Order, OrderStatus
from kefu.platform.base import IntakeError, PlatformBase, PlatformDeps, PushedMessages
from kefu.platform.client import PlatformError
from kefu.platform.signing import within_window
from kefu.platform.wecom_kf import WORDING
from kefu.platform.wecom_kf.client import WecomKfClient
from kefu.platform.wecom_kf.crypto import CryptoError, ReceiverMismatch, WecomCrypto
from kefu.platform.wecom_kf.messages import parse_xml, split_buyer, to_buyer_message
from kefu.store.cursors import CursorStore

NOTICE_EVENT = "kf_msg_or_event"
MAX_PAGES = 20  # 20 000 records per notice at most; the next notice goes on from the stored cursor

# 视频号小店 / 微信小店 order status codes (for an order source attached later; WeCom itself has no order API).
WECHAT_SHOP_STATUSES: dict[str, OrderStatus] = {
    "10": "待付款",
    "13": "待成团",  # 凑单买凑团中
    "20": "待发货",
    "21": "部分发货",
    "30": "已发货",
    "100": "交易成功",
    "200": "交易关闭",
    "250": "订单取消",
}


class WecomSecret(BaseModel):
    model_config = ConfigDict(extra="ignore")

    token: str = Field(min_length=1, max_length=32)
    encoding_aes_key: str = Field(min_length=43, max_length=43)
    corp_secret: str = ""


def parse_secret(secret: str) -> WecomSecret:
    try:
        return WecomSecret.model_validate_json(secret)
    except ValidationError:
        raise ValueError('the WeCom platform secret is JSON: {"token", "encoding_aes_key", "corp_secret"}') from None


@dataclass
class Sync:
    client: WecomKfClient
    cursors: CursorStore


class WecomKfPlatform(PlatformBase):
    name = "wecom_kf"
    wording = WORDING
    statuses = WECHAT_SHOP_STATUSES
    plain_ack: str | None = "success"  # what WeCom's callback expects back; the pull's outcome is not its business

    def __init__(self, corp_id: str, sync: Callable[[], Sync]) -> None:
        self.corp_id = corp_id
        self._make_sync = sync

    @cached_property
    def sync(self) -> Sync:
        return self._make_sync()

    def _crypto(self, secret: str) -> WecomCrypto:
        try:
            parsed = parse_secret(secret)
            return WecomCrypto(parsed.token, parsed.encoding_aes_key, self.corp_id)
        except ValueError:  # this deployment has no WeCom Token / EncodingAESKey: nothing can be verified
            raise IntakeError(401, "not_configured", "this deployment is not set up for WeCom callbacks") from None

    def _open(self, crypto: WecomCrypto, query: Mapping[str, str], encrypted: str, now: float,
              window_s: int) -> bytes:
        msg_signature = query.get("msg_signature", "")
        timestamp = query.get("timestamp", "")
        if not msg_signature:
            raise IntakeError(401, "unsigned", "missing msg_signature")
        if not within_window(timestamp, now, window_s):
            raise IntakeError(401, "stale_request", f"timestamp missing or outside the {window_s // 60}-minute window")
        if not encrypted:
            raise IntakeError(400, "invalid_message", "nothing encrypted in the request")
        if not crypto.check(msg_signature, timestamp, query.get("nonce", ""), encrypted):
            raise IntakeError(401, "invalid_signature", "msg_signature does not match; check the Token")
        try:
            return crypto.decrypt(encrypted)
        except ReceiverMismatch:
            raise IntakeError(401, "wrong_receiver", "encrypted for another CorpID") from None
        except CryptoError:
            raise IntakeError(400, "undecryptable", "cannot decrypt; check the EncodingAESKey") from None

    def handshake(self, query: Mapping[str, str], secret: str, now: float, window_s: int) -> str:
        """URL verification: the decrypted echostr, as plain text."""
        plain = self._open(self._crypto(secret), query, query.get("echostr", ""), now, window_s)
        try:
            return plain.decode("utf-8")
        except UnicodeDecodeError:
            raise IntakeError(400, "undecryptable", "echostr is not UTF-8") from None

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
        query = query or {}
        if not query.get("msg_signature"):  # before parsing anything: an unsigned request is a 401
            raise IntakeError(401, "unsigned", "missing msg_signature")
        envelope = parse_xml(body)
        notice = parse_xml(self._open(self._crypto(secret), query, envelope.get("Encrypt", ""), now, window_s))
        if notice.get("Event") != NOTICE_EVENT or not notice.get("OpenKfId"):
            return PushedMessages()  # another event of the account: nothing to pull
        return self.pull(shop_id, notice["OpenKfId"], notice.get("Token") or None)

    def pull(self, shop_id: str, open_kfid: str, token: str | None) -> PushedMessages:
        """Every record after the stored cursor; the cursor moves once the messages are queued (``on_queued``)."""
        sync = self.sync
        start = sync.cursors.get(open_kfid)
        cursor = start
        messages = PushedMessages()
        try:
            for _ in range(MAX_PAGES):
                page = sync.client.sync_msg(cursor, token, open_kfid)
                for record in page.messages:
                    message = to_buyer_message(record, shop_id)
                    if message is not None:
                        messages.append(message)
                    else:
                        messages.skipped += 1
                cursor = page.next_cursor or cursor
                if not page.has_more:
                    break
        except PlatformError as error:
            raise IntakeError(503, "platform_unavailable", f"sync_msg failed ({error.code}); WeCom retries") from None
        if cursor and cursor != start:
            final = cursor
            messages.on_queued = lambda: sync.cursors.advance(open_kfid, start, final)
        return messages

    def send_reply(self, shop_id: str, buyer_id: str, text: str, client_msg_id: str) -> None:
        open_kfid, external_userid = split_buyer(buyer_id)
        self.sync.client.send_text(open_kfid, external_userid, text, client_msg_id)

    def latest_order(self, shop_id: str, buyer_id: str) -> Order | None:
        return None  # WeCom's customer-service API has no orders


def build(deps: PlatformDeps) -> WecomKfPlatform:
    settings = deps.settings

    def sync() -> Sync:
        if deps.state_table is None:
            raise RuntimeError("the WeCom adapter keeps its sync cursor in the ledger table; none was given")
        client = WecomKfClient(settings.platform_api_url, settings.platform_client_id,
                               parse_secret(deps.secret()).corp_secret)
        return Sync(client, CursorStore(deps.state_table(), settings.shop_id, "wecom_kf"))

    return WecomKfPlatform(settings.platform_client_id, sync)


def secret_json(token: str, encoding_aes_key: str, corp_secret: str) -> str:
    """The platform secret as the adapter reads it (what goes into Secrets Manager)."""
    return json.dumps({"token": token, "encoding_aes_key": encoding_aes_key, "corp_secret": corp_secret})
