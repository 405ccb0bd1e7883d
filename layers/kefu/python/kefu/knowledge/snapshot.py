"""Persist a learned snapshot (gzip JSON) to a file or to S3, and load it back fast at cold start.

S3 layout, under the settings' prefix (``shops`` by default)::

    shops/<shop_id>/knowledge/<version>.json.gz   the snapshot, immutable
    shops/<shop_id>/knowledge/current.json        {"version": ..., "key": ...}, written last

Readers follow the pointer, so writing the pointer after the snapshot makes
the swap atomic: a reader sees either the old or the new version, never half.
"""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kefu.models.knowledge import KnowledgeSnapshot

DEFAULT_PREFIX = "shops"
POINTER = "current.json"


def dumps(snapshot: KnowledgeSnapshot) -> bytes:
    # mtime=0 keeps the bytes identical for an identical snapshot (deterministic uploads).
    return gzip.compress(snapshot.model_dump_json().encode("utf-8"), compresslevel=6, mtime=0)


def loads(data: bytes) -> KnowledgeSnapshot:
    raw = gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data
    return KnowledgeSnapshot.model_validate_json(raw)


def save_file(snapshot: KnowledgeSnapshot, path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_bytes(dumps(snapshot) if path.suffix == ".gz" else snapshot.model_dump_json().encode())
    temporary.replace(path)  # atomic on one filesystem
    return path


def load_file(path: Path) -> KnowledgeSnapshot:
    return loads(Path(path).read_bytes())


def knowledge_prefix(shop_id: str, prefix: str = DEFAULT_PREFIX) -> str:
    return f"{prefix.strip('/')}/{shop_id}/knowledge/"


def snapshot_key(shop_id: str, version: str, prefix: str = DEFAULT_PREFIX) -> str:
    return f"{knowledge_prefix(shop_id, prefix)}{version}.json.gz"


def pointer_key(shop_id: str, prefix: str = DEFAULT_PREFIX) -> str:
    return f"{knowledge_prefix(shop_id, prefix)}{POINTER}"


def save_s3(s3: Any, bucket: str, snapshot: KnowledgeSnapshot, prefix: str = DEFAULT_PREFIX) -> str:
    """Upload the snapshot, then move the pointer to it. Returns the snapshot's key."""
    key = snapshot_key(snapshot.shop_id, snapshot.version, prefix)
    s3.put_object(
        Bucket=bucket,
        Key=key,
        Body=dumps(snapshot),
        ContentType="application/json",
        ContentEncoding="gzip",
        Metadata={"kefu-version": snapshot.version, "kefu-items": str(len(snapshot.items))},
    )
    pointer = {
        "shop_id": snapshot.shop_id,
        "version": snapshot.version,
        "key": key,
        "items": len(snapshot.items),
        "learned_at": snapshot.learned_at,
        "published_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    s3.put_object(
        Bucket=bucket,
        Key=pointer_key(snapshot.shop_id, prefix),
        Body=json.dumps(pointer, ensure_ascii=False).encode("utf-8"),
        ContentType="application/json",
        CacheControl="no-cache",
    )
    return key


def read_pointer(s3: Any, bucket: str, shop_id: str, prefix: str = DEFAULT_PREFIX) -> dict[str, Any] | None:
    try:
        body = s3.get_object(Bucket=bucket, Key=pointer_key(shop_id, prefix))["Body"].read()
    except s3.exceptions.NoSuchKey:
        return None
    except Exception as error:  # botocore ClientError for 404 / NoSuchBucket
        if _is_missing(error):
            return None
        raise
    pointer: dict[str, Any] = json.loads(body)
    return pointer


def load_version(
    s3: Any, bucket: str, shop_id: str, version: str, prefix: str = DEFAULT_PREFIX
) -> KnowledgeSnapshot:
    body = s3.get_object(Bucket=bucket, Key=snapshot_key(shop_id, version, prefix))["Body"].read()
    return loads(body)


def load_current(
    s3: Any, bucket: str, shop_id: str, prefix: str = DEFAULT_PREFIX
) -> KnowledgeSnapshot | None:
    """The snapshot the pointer names, or None when the shop has not been learned yet."""
    pointer = read_pointer(s3, bucket, shop_id, prefix)
    if not pointer:
        return None
    key = str(pointer.get("key") or snapshot_key(shop_id, str(pointer["version"]), prefix))
    body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    return loads(body)


def _is_missing(error: Exception) -> bool:
    response = getattr(error, "response", None)
    if not isinstance(response, dict):
        return False
    code = str(response.get("Error", {}).get("Code", ""))
    return code in {"NoSuchKey", "404", "NoSuchBucket", "NotFound"}


def current_version(s3: Any, bucket: str, shop_id: str, prefix: str = DEFAULT_PREFIX) -> str | None:
    """The version the pointer names (one small GET): lets a warm Lambda see whether to reload."""
    pointer = read_pointer(s3, bucket, shop_id, prefix)
    return str(pointer["version"]) if pointer and pointer.get("version") else None
