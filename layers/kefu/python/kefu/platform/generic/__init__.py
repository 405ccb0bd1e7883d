"""The generic contract (docs/platform/generic-v1.openapi.yaml): any connector or another platform's bridge
speaks it; kefu does not know which platform is behind it, so the wording names none."""

from __future__ import annotations

from kefu.platform.base import Platform, PlatformDeps, PlatformSpec, PlatformWording, Route

WORDING = PlatformWording(
    display_name="",
    # The platform is unknown: every other app and shop counts as off-platform (the strictest list).
    forbidden_words=("微信", "weixin", "wechat", "加V", "加v", "加微", "v信", "vx", "wx", "淘宝", "天猫", "京东",
                     "抖音", "闲鱼", "拼多多"),
    off_platform=(r"微信", r"weixin", r"wechat", r"\bvx\b", r"v信", r"加v", r"淘宝", r"京东", r"抖音", r"闲鱼",
                  r"拼多多"),
)


def _build(deps: PlatformDeps) -> Platform:
    from kefu.platform.generic.adapter import build

    return build(deps)


# /webhook/hmac: the route of the same HMAC scheme before the contract was versioned, kept as an alias.
SPEC = PlatformSpec(name="generic", title="generic contract v1", wording=WORDING,
                    routes=(Route("generic/v1"), Route("hmac")), build=_build)
