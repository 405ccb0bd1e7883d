"""WeCom 微信客服 (WeChat Customer Service): a merchant-side customer-service message API with encrypted
callbacks in and messages out (kf.weixin.qq.com, qyapi.weixin.qq.com/cgi-bin/kf/...), the second adapter."""

from __future__ import annotations

from kefu.platform.base import Platform, PlatformDeps, PlatformSpec, PlatformWording, Route

WORDING = PlatformWording(
    display_name="微信",
    # The chat is in WeChat itself: 微信 is the platform here; other shops and apps are off-platform.
    forbidden_words=("淘宝", "天猫", "京东", "抖音", "闲鱼", "拼多多"),
    off_platform=(r"淘宝", r"京东", r"抖音", r"闲鱼", r"拼多多"),
)


def _build(deps: PlatformDeps) -> Platform:
    from kefu.platform.wecom_kf.adapter import build

    return build(deps)


SPEC = PlatformSpec(name="wecom_kf", title="WeCom 微信客服", wording=WORDING,
                    routes=(Route("wecom_kf", ("GET", "POST")),), build=_build,
                    default_api_url="https://qyapi.weixin.qq.com")
