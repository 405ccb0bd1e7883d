"""Per-process cache of the shop's brain: the learned snapshot, loaded at cold start, refreshed on change."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from kefu.answering.composer import Composer
from kefu.answering.offline_composer import OfflineComposer
from kefu.models.knowledge import KnowledgeSnapshot
from kefu.reception.brain import ShopBrain
from kefu.retrieval.retrievers import Retriever
from kefu.retrieval.search import KnowledgeSearch


class KnowledgeMissing(RuntimeError):
    """No learned snapshot for the shop yet: upload a bundle (or run `kefu learn`) first."""


class WrongShop(RuntimeError):
    """A message for a shop this deployment does not serve."""


def brain_from_snapshot(snapshot: KnowledgeSnapshot, composer: Composer | None = None,
                        threshold: float | None = None, remote: Retriever | None = None) -> ShopBrain:
    """The brain over a snapshot; ``remote`` (OpenSearch) finds the candidates instead of the embedded index,
    the same ranker scores them; ``threshold`` None keeps the ranker's calibrated one."""
    knowledge = KnowledgeSearch(snapshot, retriever=remote)
    return ShopBrain(snapshot.shop, knowledge, composer or OfflineComposer(), threshold)


class BrainCache:
    def __init__(
        self,
        shop_id: str,
        load_snapshot: Callable[[str], KnowledgeSnapshot | None],
        current_version: Callable[[str], str | None],
        refresh_s: float = 60.0,
        composer: Composer | None = None,
        threshold: float | None = None,
        remote: Retriever | None = None,
    ) -> None:
        self._remote = remote
        self._shop_id = shop_id
        self._load = load_snapshot
        self._current_version = current_version
        self._refresh_s = refresh_s
        self._composer = composer
        self._threshold = threshold
        self._brain: ShopBrain | None = None
        self._checked_at = 0.0
        self._lock = threading.Lock()

    def __call__(self, shop_id: str) -> ShopBrain:
        if shop_id != self._shop_id:
            raise WrongShop(f"this deployment serves shop {self._shop_id!r}, not {shop_id!r}")
        with self._lock:
            now = time.monotonic()
            if self._brain is None or now - self._checked_at >= self._refresh_s:
                self._checked_at = now
                version = self._current_version(shop_id)
                if self._brain is None or (version and version != self._brain.knowledge.version):
                    snapshot = self._load(shop_id)
                    if snapshot is None:
                        raise KnowledgeMissing(f"no learned knowledge for shop {shop_id!r}; upload its bundle first")
                    self._brain = brain_from_snapshot(snapshot, self._composer, self._threshold, self._remote)
            return self._brain


def s3_brain_cache(s3: Any, bucket: str, shop_id: str, refresh_s: float, threshold: float | None,
                   composer: Composer | None = None, remote: Retriever | None = None) -> BrainCache:
    from kefu.knowledge import snapshot as snapshots

    return BrainCache(
        shop_id,
        load_snapshot=lambda shop: snapshots.load_current(s3, bucket, shop),
        current_version=lambda shop: (snapshots.read_pointer(s3, bucket, shop) or {}).get("version"),
        refresh_s=refresh_s,
        composer=composer,
        threshold=threshold,
        remote=remote,
    )
