"""Pinduoduo (拼多多): its open platform publishes order, refund, logistics and goods calls but no buyer-chat
API, so the push route and the send call are the shapes a chat bridge speaks (see README, Platforms)."""

from __future__ import annotations

from kefu.platform.base import Platform, PlatformDeps, PlatformSpec, PlatformWording, Route

WORDING = PlatformWording(
    display_name="拼多多",
    # Other apps and shops, where Pinduoduo's chat rules forbid sending buyers.
    forbidden_words=("微信", "weixin", "wechat", "加V", "加v", "加我v", "加我微", "加微", "v信", "威信", "vx",
                     "wx", "淘宝", "天猫", "京东", "抖音", "闲鱼", "拼多多外"),
    off_platform=(r"微信", r"weixin", r"wechat", r"\bvx\b", r"v信", r"加v", r"淘宝", r"京东", r"抖音", r"闲鱼"),
)


def _build(deps: PlatformDeps) -> Platform:
    from kefu.platform.pinduoduo.adapter import build

    return build(deps)


SPEC = PlatformSpec(name="pdd", title="Pinduoduo", wording=WORDING, routes=(Route("pdd"),), build=_build,
                    default_api_url="https://gw-api.pinduoduo.com/api/router")
