"""The webhook API has one method per route of the platform registry, and the deployment speaks its platform."""

from __future__ import annotations

from typing import Any

import pytest
from infra_synth import Synth, merchant

from kefu.deploy_config import MerchantConfigError, parse_merchant_config
from kefu.platform import registry


def _paths(synth: Synth) -> set[tuple[str, str]]:
    """(HTTP method, /path) of every API Gateway method of the webhook API."""
    resources: dict[str, Any] = synth.json["Resources"]
    parts = {rid: r["Properties"] for rid, r in resources.items() if r["Type"] == "AWS::ApiGateway::Resource"}

    def path(ref: Any) -> str:
        if not isinstance(ref, dict) or "Ref" not in ref or ref["Ref"] not in parts:
            return ""
        props = parts[ref["Ref"]]
        return path(props["ParentId"]) + "/" + props["PathPart"]

    return {
        (r["Properties"]["HttpMethod"], path(r["Properties"]["ResourceId"]))
        for r in resources.values()
        if r["Type"] == "AWS::ApiGateway::Method" and path(r["Properties"]["ResourceId"]).startswith("/webhook/")
    }


@pytest.mark.parametrize("name", ["demo", "wecom"])
def test_one_method_per_registered_route(name: str, request: pytest.FixtureRequest) -> None:
    synth: Synth = request.getfixturevalue(name)
    expected = {(method, f"/webhook/{route.path}") for route, _ in registry.routes() for method in route.methods}
    assert _paths(synth) == expected
    assert ("GET", "/webhook/wecom_kf") in expected and ("POST", "/webhook/generic/v1") in expected


def _env(synth: Synth, service: str) -> dict[str, str]:
    for resource in synth.template.find_resources("AWS::Lambda::Function").values():
        env = resource["Properties"].get("Environment", {}).get("Variables", {})
        if env.get("POWERTOOLS_SERVICE_NAME") == service:
            return dict(env)
    raise AssertionError(service)


def test_the_functions_speak_the_configured_platform(demo: Synth, wecom: Synth) -> None:
    for service in ("kefu-webhook", "kefu-responder"):
        assert _env(demo, service)["KEFU_PLATFORM"] == "pdd"
        assert _env(wecom, service)["KEFU_PLATFORM"] == "wecom_kf"
        assert _env(wecom, service)["KEFU_PLATFORM_API_URL"] == "https://qyapi.weixin.qq.com"
    assert wecom.nag_failure is None, wecom.nag_failure
    [output] = [o for key, o in wecom.json["Outputs"].items() if key.startswith("WebhookUrl")]
    assert "/webhook/wecom_kf" in str(output["Value"])


def test_deploy_config_platform_is_validated_against_the_registry() -> None:
    base = merchant("hair-dye-demo")
    for name in registry.names():
        data = base | {"platform": name, "platform_api_url": "https://connector.example.com"}
        assert parse_merchant_config(data).platform == name
    connector = {"platform_api_url": "https://connector.example.com"}
    assert parse_merchant_config(base | connector | {"platform": "hmac"}).platform == "generic"  # the old name
    with pytest.raises(MerchantConfigError, match="unknown platform 'taobao'"):
        parse_merchant_config(base | {"platform": "taobao"})
    generic = {k: v for k, v in base.items() if k != "platform_api_url"} | {"platform": "generic"}
    with pytest.raises(MerchantConfigError, match="connector's URL"):
        parse_merchant_config(generic)
    with pytest.raises(MerchantConfigError, match="https"):
        parse_merchant_config(base | {"platform_api_url": "http://plain.example.com"})
