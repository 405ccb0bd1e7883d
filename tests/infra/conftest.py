"""Synthesize each merchant stack once per session (cdk-nag AwsSolutions checks on)."""

from __future__ import annotations

import pytest
from infra_synth import Synth, merchant, synthesize


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    """The hair-dye demo: embedded index, offline composer, no WAF."""
    return synthesize(merchant("hair-dye-demo"), tmp_path_factory.mktemp("demo"))


@pytest.fixture(scope="session")
def tea(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    """The tea garden: OpenSearch Serverless NextGen, Bedrock composer + embedder, WAF, tracing."""
    return synthesize(merchant("tea-garden"), tmp_path_factory.mktemp("tea"))


@pytest.fixture(scope="session")
def domain(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    """Variant: a managed OpenSearch domain, a cross-region inference profile, optional MFA."""
    data = merchant("tea-garden")
    data["shop_id"] = "tea-domain"
    data["search"] = {"backend": "opensearch_domain", "domain_instance_count": 1}
    data["models"] = {**data["models"], "bedrock_text_model": "us.anthropic.claude-3-5-haiku-20241022-v1:0"}
    data["console"] = {"mfa": "optional"}
    data["tracing"] = False
    return synthesize(data, tmp_path_factory.mktemp("domain"))


@pytest.fixture(scope="session")
def classic(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    """Variant: a classic (always-on) OpenSearch Serverless collection."""
    data = merchant("tea-garden")
    data["shop_id"] = "tea-classic"
    data["search"] = {"backend": "opensearch_serverless", "serverless_generation": "classic"}
    data["intake"] = {"waf": False}
    return synthesize(data, tmp_path_factory.mktemp("classic"))


@pytest.fixture(scope="session")
def wecom(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    """Variant: a WeCom 微信客服 shop (the platform's default API URL, its CorpID as the client id)."""
    data = merchant("hair-dye-demo")
    data["shop_id"] = "hair-dye-wecom"
    data["platform"] = "wecom_kf"
    data["platform_client_id"] = "wwsimcorp0001"
    data.pop("platform_api_url", None)
    return synthesize(data, tmp_path_factory.mktemp("wecom"))
