"""Learn a shop from its bundle alone: products, detail pages, rules and chat logs → a snapshot.

``learn_bundle`` is deterministic: the same bundle gives the same item ids,
content hashes and version, so re-learning an unchanged bundle changes
nothing, and a changed bundle changes exactly the items whose source changed.
Chat-log mining is the expensive step; it is reused from the previous snapshot
when the chat logs and the texts it checks answers against are unchanged.
"""

from __future__ import annotations

import json
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kefu.knowledge import paraphrases
from kefu.knowledge.mining import MiningResult, mine
from kefu.knowledge.sources import Dropped, SourceResult
from kefu.knowledge.sources.chat_logs import load_chat_logs
from kefu.knowledge.sources.pages import learn_pages
from kefu.knowledge.sources.products import learn_products
from kefu.knowledge.sources.rules import learn_rules
from kefu.knowledge.sources.text import compact, sha
from kefu.knowledge.vectors import SentenceEncoder, encode_texts
from kefu.knowledge.views import item_views
from kefu.models.knowledge import ItemKind, KnowledgeItem, KnowledgeSnapshot, VectorBlock
from kefu.models.shop import ShopConfig
from kefu.models.sizing import SizeGuide
from kefu.privacy.pii import mask_pii
from kefu.sizing.charts import learn_size_guide

Progress = Callable[[str], None]
MAX_EXAMPLES = 5  # per drop reason in the report


class BundleError(ValueError):
    """The folder is not a usable shop bundle (message says what is wrong)."""


@dataclass
class LearnReport:
    shop_id: str
    version: str
    items_by_source: dict[str, int] = field(default_factory=dict)
    items_by_kind: dict[str, int] = field(default_factory=dict)
    files: dict[str, int] = field(default_factory=dict)
    mining: dict[str, Any] = field(default_factory=dict)
    dropped: dict[str, dict[str, Any]] = field(default_factory=dict)
    changes: dict[str, Any] = field(default_factory=dict)
    sizing: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "shop_id": self.shop_id,
            "version": self.version,
            "items_by_source": self.items_by_source,
            "items_by_kind": self.items_by_kind,
            "files": self.files,
            "mining": self.mining,
            "dropped": self.dropped,
            "changes": self.changes,
            "sizing": self.sizing,
            "seconds": round(self.seconds, 3),
        }


@dataclass
class LearnResult:
    snapshot: KnowledgeSnapshot
    report: LearnReport


def _hash_files(shop_dir: Path, pattern: str) -> dict[str, str]:
    return {
        path.relative_to(shop_dir).as_posix(): sha(path.read_bytes().hex(), 24)
        for path in sorted(shop_dir.glob(pattern))
        if path.is_file()
    }


def load_shop(shop_dir: Path) -> ShopConfig:
    path = shop_dir / "shop.json"
    if not path.is_file():
        raise BundleError(f"{shop_dir} has no shop.json: not a shop bundle")
    try:
        return ShopConfig.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except ValueError as error:
        raise BundleError(f"shop.json is not valid: {str(error).splitlines()[0]}") from error


def compute_version(shop: ShopConfig, items: list[KnowledgeItem], sizing: SizeGuide | None = None) -> str:
    """A content hash of the items, the size charts and the shop settings: unchanged bundle → unchanged version."""
    parts = sorted(f"{item.item_id}:{item.content_hash}" for item in items)
    shop_part = shop.model_dump_json()
    sizing_part = [sizing.model_dump_json()] if sizing is not None and sizing.charts else []
    return sha("\n".join([shop_part, *parts, *sizing_part]), 16)


def _dedupe(items: list[KnowledgeItem], dropped: list[Dropped]) -> list[KnowledgeItem]:
    """Drop exact repeats (same id) and items whose title and answer repeat another's word for word."""
    kept: list[KnowledgeItem] = []
    ids: set[str] = set()
    texts: dict[str, str] = {}
    for item in items:
        key = compact(item.title) + "|" + compact(item.answer)
        if item.item_id in ids:
            dropped.append(Dropped("duplicate_item", item.source, item.title))
            continue
        if key in texts:
            dropped.append(Dropped("duplicate_item", item.source, f"same as {texts[key]}"))
            continue
        ids.add(item.item_id)
        texts[key] = item.source
        kept.append(item)
    return kept


def _changes(previous: KnowledgeSnapshot | None, items: list[KnowledgeItem]) -> dict[str, Any]:
    before = {item.item_id: item for item in previous.items} if previous else {}
    after = {item.item_id: item for item in items}
    added = sorted(set(after) - set(before))
    removed = sorted(set(before) - set(after))
    changed = sorted(i for i in set(after) & set(before) if after[i].content_hash != before[i].content_hash)
    unchanged = len(set(after) & set(before)) - len(changed)
    return {
        "previous_version": previous.version if previous else None,
        "added": len(added),
        "changed": len(changed),
        "removed": len(removed),
        "unchanged": unchanged,
        "added_ids": added[:50],
        "changed_ids": changed[:50],
        "removed_sources": sorted(before[i].source for i in removed)[:50],
    }


def _drop_summary(dropped: list[Dropped]) -> dict[str, dict[str, Any]]:
    counts: Counter[str] = Counter(d.reason for d in dropped)
    examples: dict[str, list[str]] = defaultdict(list)
    for entry in dropped:
        if len(examples[entry.reason]) < MAX_EXAMPLES:
            # Reports are stored with the snapshot and printed: examples are masked like everything else.
            text = f"{entry.source}: {entry.example}" if entry.example else entry.source
            examples[entry.reason].append(mask_pii(text))
    return {reason: {"count": counts[reason], "examples": examples[reason]} for reason in sorted(counts)}


def _reuse_mining(previous: KnowledgeSnapshot | None, mining_key: str, shop_id: str) -> MiningResult | None:
    if previous is None or previous.shop_id != shop_id:
        return None
    mining: Any = previous.report.get("mining")
    if not isinstance(mining, dict):
        return None
    if mining.get("key") != mining_key:
        return None
    result = MiningResult()
    result.items = [item for item in previous.items if item.kind == ItemKind.MINED_QA]
    stats = mining.get("stats", {})
    result.stats = {str(k): int(v) for k, v in stats.items()} if isinstance(stats, dict) else {}
    for reason, entry in (mining.get("dropped") or {}).items():
        for _ in range(int(entry.get("count", 0))):
            result.dropped.append(Dropped(str(reason), "(reused)"))
    return result


def learn_bundle(
    shop_dir: Path,
    previous: KnowledgeSnapshot | None = None,
    progress: Progress | None = None,
    encoder: SentenceEncoder | None = None,
) -> LearnResult:
    """Learn everything the bundle in ``shop_dir`` teaches; compare with ``previous`` if given.

    ``encoder``: the sentence encoder whose vectors of every view go into the snapshot (the bundled one by
    default); vectors of texts ``previous`` already had are reused."""
    started = time.perf_counter()
    if encoder is None:
        from kefu.encoder.bge import shared_encoder

        encoder = shared_encoder()
    say = progress or (lambda _message: None)
    shop_dir = Path(shop_dir)
    shop = load_shop(shop_dir)
    shop_id = shop.shop_id

    say("reading products")
    products_result, products = learn_products(shop_dir, shop_id)
    say(f"products: {len(products)} records, {len(products_result.items)} items")
    say("reading detail pages")
    pages_result = learn_pages(shop_dir, shop_id, {p.goods_id for p in products})
    say(f"pages: {len(pages_result.files)} files, {len(pages_result.items)} items")
    say("reading rules")
    rules_result = learn_rules(shop_dir, shop_id)
    say(f"rules: {len(rules_result.files)} files, {len(rules_result.items)} sections")

    source_hashes = {
        **_hash_files(shop_dir, "shop.json"),
        **_hash_files(shop_dir, "products/*"),
        **_hash_files(shop_dir, "rules/*.md"),
        **_hash_files(shop_dir, "chat_logs/*.jsonl"),
    }
    reference = [
        (item.source, item.answer)
        for item in [*rules_result.items, *products_result.items, *pages_result.items]
        if item.kind != ItemKind.PRODUCT_FACT or "#attr/" in item.source
    ]
    mining_key = sha(
        json.dumps(
            {
                "logs": {k: v for k, v in source_hashes.items() if k.startswith("chat_logs/")},
                "reference": sorted(f"{s}:{sha(t, 12)}" for s, t in reference),
                "shop": shop_id,
            },
            sort_keys=True,
        ),
        24,
    )
    chat_files = sorted((shop_dir / "chat_logs").glob("*.jsonl"))
    mining_result = _reuse_mining(previous, mining_key, shop_id)
    reused_paraphrases: dict[str, list[str]] | None = None
    if mining_result is not None and previous is not None:
        saved = previous.report.get("mining", {})
        reused_paraphrases = dict(saved.get("paraphrases", {})) if isinstance(saved, dict) else {}
    sessions = duplicates = lines = 0
    chat_dropped: list[Dropped] = []
    if mining_result is not None:
        say("chat logs unchanged: mined items reused")
        previous_mining: Any = previous.report.get("mining", {}) if previous else {}
        if isinstance(previous_mining, dict):
            sessions = int(previous_mining.get("sessions", 0))
            duplicates = int(previous_mining.get("duplicate_sessions", 0))
            lines = int(previous_mining.get("lines", 0))
    elif chat_files:
        say("reading chat logs")
        logs = load_chat_logs(shop_dir)
        sessions, duplicates, lines = len(logs.sessions), logs.duplicates, logs.lines
        chat_dropped = [d for d in logs.dropped if d.reason != "duplicate_session"]
        say(f"chat logs: {lines} sessions, {duplicates} duplicates removed; mining")
        source_file = chat_files[0].relative_to(shop_dir).as_posix() if len(chat_files) == 1 else "chat_logs"
        mining_result = mine(logs, shop_id, reference, source_file)
        mining_result.dropped.extend(d for d in logs.dropped if d.reason == "duplicate_session")
        kept, total = len(mining_result.items), mining_result.stats.get("clusters", 0)
        say(f"mined: {kept} question clusters kept of {total}")
    else:
        mining_result = MiningResult()

    dropped: list[Dropped] = [
        *products_result.dropped,
        *pages_result.dropped,
        *rules_result.dropped,
        *chat_dropped,
        *mining_result.dropped,
    ]
    all_items = [*products_result.items, *pages_result.items, *rules_result.items, *mining_result.items]
    items = _dedupe(all_items, dropped)
    if reused_paraphrases is not None:
        learned_phrasings = reused_paraphrases
    else:
        say("aligning chat-log questions with the shop's own texts")
        learned_phrasings = paraphrases.align(shop, items, mining_result.usable_pairs, encoder)
    items = paraphrases.apply(items, learned_phrasings)
    items.sort(key=lambda item: (item.kind.value, item.source))
    say("reading size charts")
    sizing = learn_size_guide(shop_dir)
    say(f"size charts: {len(sizing.charts)} read, {len(sizing.problems)} unreadable")
    version = compute_version(shop, items, sizing)

    by_source: Counter[str] = Counter()
    for item in items:
        by_source[_source_group(item)] += 1
    report = LearnReport(
        shop_id=shop_id,
        version=version,
        items_by_source=dict(sorted(by_source.items())),
        items_by_kind=dict(sorted(Counter(item.kind.value for item in items).items())),
        files={
            "products": len(products_result.files),
            "pages": len(pages_result.files),
            "rules": len(rules_result.files),
            "chat_logs": len(chat_files),
        },
        mining={
            "key": mining_key,
            "lines": lines,
            "sessions": sessions,
            "duplicate_sessions": duplicates,
            "clusters": mining_result.stats.get("clusters", 0),
            "clusters_kept": len(mining_result.items),
            "stats": mining_result.stats,
            "kept": [
                {
                    "cluster": c.cluster_id,
                    "title": c.title,
                    "sessions": c.sessions,
                    "variants": len(c.questions),
                }
                for c in mining_result.clusters
                if c.kept
            ],
            "dropped": _drop_summary(mining_result.dropped),
            "paraphrases": learned_phrasings,
            "paraphrases_attached": sum(len(v) for v in learned_phrasings.values()),
        },
        dropped=_drop_summary(dropped),
        changes=_changes(previous, items),
        sizing={
            "charts": [{"chart_id": c.chart_id, "source": c.source, "sizes": c.labels, "products": c.goods_ids}
                       for c in sizing.charts],
            "unreadable": [problem.model_dump() for problem in sizing.problems],
            "products_without_chart": sorted(g for g, s in sizing.products.items() if s.chart_id is None),
        },
    )
    say(f"encoding the views of {len(items)} items")
    vectors = view_vectors(items, encoder, previous)
    report.seconds = time.perf_counter() - started
    snapshot = KnowledgeSnapshot(
        shop_id=shop_id,
        version=version,
        shop=shop,
        items=items,
        report=report.as_dict(),
        learned_at=datetime.now(UTC).isoformat(timespec="seconds"),
        source_hashes=source_hashes,
        vectors=vectors,
        sizing=sizing,
    )
    say(f"learned {len(items)} items, version {version} in {report.seconds:.2f} s")
    return LearnResult(snapshot=snapshot, report=report)


def view_vectors(items: list[KnowledgeItem], encoder: SentenceEncoder,
                 previous: KnowledgeSnapshot | None = None) -> VectorBlock:
    """The encoder's vector of every view text (normalised as the store matches it)."""
    from kefu.understanding.normalize import Normalizer

    normalizer = Normalizer()
    texts = [normalizer.normalize(view.text).text for item in items for view in item_views(item)]
    return encode_texts(encoder, texts, previous.vectors if previous is not None else None)


def _source_group(item: KnowledgeItem) -> str:
    """'rules', 'products', 'pages' or 'chat_logs' for the report."""
    path = item.source.split("#", 1)[0]
    if path.startswith("rules/"):
        return "rules"
    if path.startswith("chat_logs"):
        return "chat_logs"
    if path.endswith((".html", ".htm")):
        return "pages"
    return "products"


def learn_sources(shop_dir: Path, shop_id: str) -> list[SourceResult]:
    """The three static sources, for callers that do not need mining (tests, tools)."""
    products_result, products = learn_products(shop_dir, shop_id)
    return [
        products_result,
        learn_pages(shop_dir, shop_id, {p.goods_id for p in products}),
        learn_rules(shop_dir, shop_id),
    ]
