"""Every platform kefu speaks, by name: the one list the webhook Lambda, the wiring, the infra routes, the
deployment config and the local runtime read. A new platform is a folder ``kefu/platform/<name>/`` with a
``SPEC`` and one line here."""

from __future__ import annotations

from kefu.platform import generic, pinduoduo, wecom_kf
from kefu.platform.base import Platform, PlatformDeps, PlatformSpec, PlatformWording, Route

PLATFORMS: dict[str, PlatformSpec] = {
    spec.name: spec
    for spec in (
        pinduoduo.SPEC,
        generic.SPEC,
        wecom_kf.SPEC,
    )
}
DEFAULT_PLATFORM = "pdd"


def names() -> tuple[str, ...]:
    return tuple(PLATFORMS)


def spec(name: str) -> PlatformSpec:
    try:
        return PLATFORMS[name]
    except KeyError:
        raise ValueError(f"unknown platform {name!r}; one of {', '.join(PLATFORMS)}") from None


def build(name: str, deps: PlatformDeps) -> Platform:
    return spec(name).build(deps)


def wording(name: str) -> PlatformWording:
    return spec(name).wording


def routes() -> list[tuple[Route, str]]:
    """Every webhook route with the platform it belongs to, in registry order."""
    return [(route, platform.name) for platform in PLATFORMS.values() for route in platform.routes]


def route_of(name: str) -> str:
    """The webhook path of a platform (its first route): what is registered with the platform."""
    return "/webhook/" + spec(name).routes[0].path
