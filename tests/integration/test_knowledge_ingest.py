"""functions/knowledge_ingest against the local AWS emulation: bundle upload → learned snapshot in S3."""

from __future__ import annotations

import importlib.util
import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from kefu_dev.local.emulator import LocalAws, client

from kefu import resources
from kefu.knowledge.ingest import IngestError, extract_archive
from kefu.knowledge.snapshot import load_current, pointer_key
from kefu.settings import get_settings

REPO = Path(__file__).resolve().parents[2]
SHOP_ID = "hair-dye-demo"


def _zip_bundle(shop: Path, top: str = "hair-dye", shop_id: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(shop.rglob("*")):
            if path.is_file() and path.name != "cases.jsonl":
                data = path.read_bytes()
                if shop_id and path.name == "shop.json":
                    record = json.loads(data)
                    record["shop_id"] = shop_id
                    data = json.dumps(record).encode()
                archive.writestr(f"{top}/{path.relative_to(shop).as_posix()}", data)
    return buffer.getvalue()


def _event(bucket: str, key: str, size: int) -> dict[str, Any]:
    """A real-shaped S3 ObjectCreated notification (as S3 sends it to Lambda)."""
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": "cn-north-1",
                "eventTime": "2025-11-21T08:00:00.000Z",
                "eventName": "ObjectCreated:Put",
                "userIdentity": {"principalId": "AWS:EXAMPLE"},
                "requestParameters": {"sourceIPAddress": "127.0.0.1"},
                "responseElements": {"x-amz-request-id": "REQ", "x-amz-id-2": "ID2"},
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "configurationId": "bundle-upload",
                    "bucket": {
                        "name": bucket,
                        "ownerIdentity": {"principalId": "EXAMPLE"},
                        "arn": f"arn:aws:s3:::{bucket}",
                    },
                    "object": {
                        "key": key.replace(" ", "+"),
                        "size": size,
                        "eTag": "etag",
                        "sequencer": "0A1B2C3D4E5F678901",
                    },
                },
            }
        ]
    }


class _Context:
    function_name = "knowledge_ingest"
    memory_limit_in_mb = 1024
    invoked_function_arn = "arn:aws:lambda:cn-north-1:000000000000:function:knowledge_ingest"
    aws_request_id = "test-request"


@pytest.fixture
def handler_module(local_aws: LocalAws, monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    for name, value in local_aws.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("KEFU_SHOP_ID", SHOP_ID)
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "kefu-knowledge-ingest")
    get_settings.cache_clear()
    spec = importlib.util.spec_from_file_location(
        "knowledge_ingest_app", REPO / "functions/knowledge_ingest/app.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    yield module
    get_settings.cache_clear()


def _upload(local_aws: LocalAws, key: str, body: bytes) -> tuple[Any, str]:
    s3 = client("s3", local_aws.endpoint_url)
    bucket = local_aws.names.bucket(resources.KNOWLEDGE_BUCKET)
    s3.put_object(Bucket=bucket, Key=key, Body=body)
    return s3, bucket


def test_uploaded_bundle_is_learned_and_published(
    handler_module: ModuleType, local_aws: LocalAws, demo_shop: Path
) -> None:
    body = _zip_bundle(demo_shop)
    key = f"shops/{SHOP_ID}/bundle/bundle 2025-11.zip"
    s3, bucket = _upload(local_aws, key, body)

    response = handler_module.lambda_handler(_event(bucket, key, len(body)), _Context())
    [result] = response["results"]
    assert result["status"] == "learned", result

    snapshot = load_current(s3, bucket, SHOP_ID)
    assert snapshot is not None and snapshot.version == result["version"]
    assert snapshot.shop_id == SHOP_ID and len(snapshot.items) == result["items"] > 100
    pointer = json.loads(s3.get_object(Bucket=bucket, Key=pointer_key(SHOP_ID))["Body"].read())
    assert pointer["version"] == snapshot.version
    assert pointer["key"] == f"shops/{SHOP_ID}/knowledge/{snapshot.version}.json.gz"
    assert any(item.kind.value == "mined_qa" for item in snapshot.items)

    # The same bundle again: nothing changes, nothing is rewritten.
    again = handler_module.lambda_handler(_event(bucket, key, len(body)), _Context())["results"][0]
    assert again["status"] == "unchanged" and again["version"] == snapshot.version


def test_bundle_for_another_shop_is_refused(
    handler_module: ModuleType, local_aws: LocalAws, demo_shop: Path
) -> None:
    body = _zip_bundle(demo_shop, shop_id="other-shop")
    key = "shops/other-shop/bundle/b.zip"
    s3, bucket = _upload(local_aws, key, body)
    [result] = handler_module.lambda_handler(_event(bucket, key, len(body)), _Context())["results"]
    assert result["status"] == "refused" and "other-shop" in result["reason"]

    # Right place, but shop.json names another shop.
    key = f"shops/{SHOP_ID}/bundle/b.zip"
    s3, bucket = _upload(local_aws, key, body)
    [result] = handler_module.lambda_handler(_event(bucket, key, len(body)), _Context())["results"]
    assert result["status"] == "refused"
    assert load_current(s3, bucket, SHOP_ID) is None


def test_path_traversal_is_refused(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("../../evil.txt", "x")
    path = tmp_path / "evil.zip"
    path.write_bytes(buffer.getvalue())
    with pytest.raises(IngestError):
        extract_archive(path, tmp_path / "out")
    assert not (tmp_path.parent / "evil.txt").exists()
