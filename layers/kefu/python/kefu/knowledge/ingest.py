"""Learn a shop bundle uploaded to S3: download, extract safely, learn, publish the snapshot.

Called by functions/knowledge_ingest for every ``s3:ObjectCreated`` under
``<prefix>/<shop_id>/bundle/``. The archive (.zip, .tar.gz / .tgz / .tar) is
extracted with limits on size and member count and without links, absolute
paths or ``..``; a bundle for another shop than the stack's is refused.
"""

from __future__ import annotations

import re
import shutil
import stat
import tarfile
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from kefu.knowledge.learn import BundleError, learn_bundle
from kefu.knowledge.snapshot import load_current, save_s3
from kefu.learning.taught import apply_taught
from kefu.models.knowledge import KnowledgeItem, VectorBlock
from kefu.models.learning import TaughtRecord
from kefu.settings import SearchBackend, Settings

MAX_ARCHIVE_BYTES = 64 * 1024 * 1024  # the compressed upload
MAX_EXTRACTED_BYTES = 256 * 1024 * 1024  # everything inside, uncompressed (zip bombs)
MAX_MEMBERS = 20_000
ARCHIVE_SUFFIXES = (".zip", ".tar.gz", ".tgz", ".tar")

# (shop id, version, items, the snapshot's view vectors): an IndexWriter's publish
Publisher = Callable[[str, str, list[KnowledgeItem], VectorBlock | None], None]


class IngestError(ValueError):
    """The upload cannot be learned (wrong place, wrong shop, unsafe or oversized archive)."""


@dataclass
class IngestResult:
    shop_id: str
    key: str
    version: str
    previous_version: str | None
    snapshot_key: str | None
    items: int
    published: bool
    opensearch: bool
    report: dict[str, Any] = field(default_factory=dict)


def parse_bundle_key(key: str, prefix: str = "shops") -> str:
    """The shop id of ``<prefix>/<shop_id>/bundle/<file>``; IngestError for anything else."""
    pattern = rf"^{re.escape(prefix.strip('/'))}/([A-Za-z0-9_.\-]{{1,64}})/bundle/[^/]+$"
    match = re.match(pattern, key)
    if not match:
        raise IngestError(f"{key!r} is not a bundle upload ({prefix}/<shop_id>/bundle/<archive>)")
    if not key.lower().endswith(ARCHIVE_SUFFIXES):
        raise IngestError(f"{key!r} is not an archive ({', '.join(ARCHIVE_SUFFIXES)})")
    return match.group(1)


def _safe_member(name: str) -> PurePosixPath:
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or (path.parts and ":" in path.parts[0]):
        raise IngestError(f"unsafe path in archive: {name!r}")
    return path


def extract_archive(archive: Path, target: Path) -> None:
    """Extract a .zip or .tar(.gz) into target, refusing traversal, links and oversized content."""
    target.mkdir(parents=True, exist_ok=True)
    total = 0
    name = archive.name.lower()
    if name.endswith(".zip"):
        with zipfile.ZipFile(archive) as bundle:
            members = bundle.infolist()
            if len(members) > MAX_MEMBERS:
                raise IngestError(f"archive has {len(members)} members (limit {MAX_MEMBERS})")
            for member in members:
                path = _safe_member(member.filename)
                mode = member.external_attr >> 16
                if stat.S_ISLNK(mode):
                    raise IngestError(f"links are not allowed in a bundle: {member.filename!r}")
                if member.is_dir():
                    (target / path).mkdir(parents=True, exist_ok=True)
                    continue
                total += member.file_size
                if total > MAX_EXTRACTED_BYTES:
                    raise IngestError("archive expands beyond the size limit")
                destination = target / path
                destination.parent.mkdir(parents=True, exist_ok=True)
                with bundle.open(member) as source, destination.open("wb") as sink:
                    # Count real bytes too: the header's file_size can lie.
                    written = 0
                    while chunk := source.read(1 << 16):
                        written += len(chunk)
                        if (
                            written > member.file_size
                            or total - member.file_size + written > MAX_EXTRACTED_BYTES
                        ):
                            raise IngestError("archive member larger than declared or beyond the size limit")
                        sink.write(chunk)
        return
    if name.endswith((".tar.gz", ".tgz", ".tar")):
        with tarfile.open(archive, "r:*") as bundle:
            count = 0
            for entry in bundle:
                count += 1
                if count > MAX_MEMBERS:
                    raise IngestError(f"archive has more than {MAX_MEMBERS} members")
                path = _safe_member(entry.name)
                if entry.isdir():
                    (target / path).mkdir(parents=True, exist_ok=True)
                    continue
                if not entry.isfile():
                    raise IngestError(f"only regular files are allowed in a bundle: {entry.name!r}")
                total += entry.size
                if total > MAX_EXTRACTED_BYTES:
                    raise IngestError("archive expands beyond the size limit")
                destination = target / path
                destination.parent.mkdir(parents=True, exist_ok=True)
                stream = bundle.extractfile(entry)
                if stream is None:
                    continue
                with stream, destination.open("wb") as sink:
                    shutil.copyfileobj(stream, sink)
        return
    raise IngestError(f"unsupported archive type: {archive.name}")


def find_bundle_root(folder: Path) -> Path:
    """The folder holding shop.json: the archive root or its single top-level directory."""
    if (folder / "shop.json").is_file():
        return folder
    candidates = sorted(p.parent for p in folder.glob("*/shop.json"))
    if len(candidates) == 1:
        return candidates[0]
    raise IngestError("the archive has no shop.json at its root or in one top-level folder")


def ingest_bundle(
    s3: Any,
    bucket: str,
    key: str,
    settings: Settings,
    publisher: Publisher | None = None,
    work_dir: Path | None = None,
    taught: Callable[[], list[TaughtRecord]] | None = None,
) -> IngestResult:
    """Learn the bundle at s3://bucket/key with the shop's previous snapshot; publish the new one.

    ``taught``: the knowledge the shop's people approved (learning/), applied again over the new bundle.
    """
    prefix = settings.knowledge_prefix
    shop_id = parse_bundle_key(key, prefix)
    if shop_id != settings.shop_id:
        raise IngestError(f"bundle for shop {shop_id!r} uploaded to the stack of shop {settings.shop_id!r}")
    head = s3.head_object(Bucket=bucket, Key=key)
    size = int(head.get("ContentLength", 0))
    if size > MAX_ARCHIVE_BYTES:
        raise IngestError(f"archive is {size} bytes (limit {MAX_ARCHIVE_BYTES})")
    with tempfile.TemporaryDirectory(prefix="kefu-bundle-", dir=work_dir) as temporary:
        folder = Path(temporary)
        archive = folder / PurePosixPath(key).name
        s3.download_file(bucket, key, str(archive))
        if archive.stat().st_size > MAX_ARCHIVE_BYTES:
            raise IngestError("archive is larger than the limit")
        extracted = folder / "bundle"
        try:
            extract_archive(archive, extracted)
        except (zipfile.BadZipFile, tarfile.TarError, EOFError, OSError) as error:
            raise IngestError(f"the archive cannot be read: {error}") from error
        root = find_bundle_root(extracted)
        previous = load_current(s3, bucket, shop_id, prefix)
        try:
            result = learn_bundle(root, previous=previous)
        except BundleError as error:
            raise IngestError(str(error)) from error
    snapshot = result.snapshot
    if taught is not None:
        snapshot = apply_taught(snapshot, taught())
    if snapshot.shop_id != settings.shop_id:
        raise IngestError(f"shop.json says shop {snapshot.shop_id!r}, this stack serves {settings.shop_id!r}")
    unchanged = previous is not None and previous.version == snapshot.version
    snapshot_key = None if unchanged else save_s3(s3, bucket, snapshot, prefix)
    use_opensearch = settings.search_backend == SearchBackend.OPENSEARCH
    if use_opensearch and not unchanged:
        (publisher or opensearch_publisher(settings))(snapshot.shop_id, snapshot.version, snapshot.items,
                                                      snapshot.vectors)
    return IngestResult(
        shop_id=snapshot.shop_id,
        key=key,
        version=snapshot.version,
        previous_version=previous.version if previous else None,
        snapshot_key=snapshot_key,
        items=len(snapshot.items),
        published=not unchanged,
        opensearch=use_opensearch and not unchanged,
        report=result.report.as_dict(),
    )


def opensearch_publisher(settings: Settings) -> Publisher:
    """The OpenSearch writer for the configured endpoint (imported lazily: only this backend needs it)."""
    from kefu.knowledge.backends import embedder_for
    from kefu.knowledge.opensearch_index import writer_for

    embedder = embedder_for(settings)
    writer = writer_for(settings, embedder)
    return writer.publish
