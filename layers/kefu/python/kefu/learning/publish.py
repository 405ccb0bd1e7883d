"""Publish approved knowledge: the current snapshot with every taught record applied, as a new version.

Readers (the responder's brain cache) follow the snapshot pointer, so the new version reaches buyers on
their next refresh; the OpenSearch index, when configured, gets the same items.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kefu.knowledge import snapshot as snapshots
from kefu.knowledge.ingest import Publisher as IndexPublisher
from kefu.knowledge.vectors import SentenceEncoder
from kefu.learning.taught import apply_taught
from kefu.models.learning import TaughtRecord

MAX_ROUNDS = 3


class NothingLearned(RuntimeError):
    """The shop has no learned snapshot yet: upload its bundle before teaching it."""


class SnapshotPublisher:
    def __init__(self, s3: Any, bucket: str, shop_id: str, taught: Callable[[], list[TaughtRecord]],
                 prefix: str = snapshots.DEFAULT_PREFIX, index: IndexPublisher | None = None,
                 encoder: SentenceEncoder | None = None) -> None:
        self._s3, self._bucket, self._shop_id, self._prefix = s3, bucket, shop_id, prefix
        self._taught = taught
        self._index = index
        self._encoder = encoder

    def __call__(self) -> str:
        """Apply every taught record to the current snapshot and publish it; returns the version now current.

        Two reviewers approving at once each publish everything taught so far; a round that finds the records
        changed while it worked publishes again, so the last pointer written holds both.
        """
        for _ in range(MAX_ROUNDS):
            records = self._taught()
            current = snapshots.load_current(self._s3, self._bucket, self._shop_id, self._prefix)
            if current is None:
                raise NothingLearned(f"shop {self._shop_id!r} has no learned knowledge yet; upload its bundle")
            updated = apply_taught(current, records, self._encoder)
            if updated.version != current.version:
                snapshots.save_s3(self._s3, self._bucket, updated, self._prefix)
                if self._index is not None:
                    self._index(updated.shop_id, updated.version, updated.items, updated.vectors)
            if [r.item_id for r in self._taught()] == [r.item_id for r in records]:
                return updated.version
        return updated.version
