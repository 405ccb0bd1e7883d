"""Knowledge the shop's people approved, laid over a learned snapshot: a new version without re-learning.

The same function runs when a candidate is approved (over the current snapshot) and after every re-learning
of the bundle (over the fresh one), so approved answers survive a new bundle upload.
"""

from __future__ import annotations

from kefu.knowledge.learn import compute_version, view_vectors
from kefu.knowledge.sources.text import content_hash, guess_topic
from kefu.knowledge.vectors import SentenceEncoder
from kefu.models.knowledge import ItemKind, KnowledgeItem, KnowledgeSnapshot
from kefu.models.learning import TaughtRecord

TITLE_CHARS = 30


def taught_item(record: TaughtRecord) -> KnowledgeItem:
    answer = record.answer or ""
    title = record.title or record.questions[0][:TITLE_CHARS]
    topic = guess_topic(title, answer, " ".join(record.questions))
    return KnowledgeItem(
        item_id=record.item_id,
        shop_id=record.shop_id,
        kind=ItemKind.TAUGHT_QA,
        title=title,
        questions=list(record.questions),
        answer=answer,
        source=record.source,
        goods_id=record.goods_id,
        topic=topic,
        content_hash=content_hash(ItemKind.TAUGHT_QA.value, title, record.questions, answer, record.goods_id,
                                  topic),
    )


def _merged(item: KnowledgeItem, record: TaughtRecord) -> KnowledgeItem:
    questions = list(dict.fromkeys([*item.questions, *record.questions]))
    answer = record.answer or item.answer
    if questions == item.questions and answer == item.answer:
        return item
    return item.model_copy(update={
        "questions": questions,
        "answer": answer,
        "content_hash": content_hash(item.content_hash, questions, answer),
    })


def apply_taught(snapshot: KnowledgeSnapshot, records: list[TaughtRecord],
                 encoder: SentenceEncoder | None = None) -> KnowledgeSnapshot:
    """The snapshot with every record applied (idempotent: applying twice equals applying once).

    A merge into an item the bundle no longer has becomes an item of its own when it carries an answer, and
    is dropped when it only added questions to the vanished item.
    """
    learned = [item for item in snapshot.items if item.kind != ItemKind.TAUGHT_QA]
    by_id = {item.item_id: index for index, item in enumerate(learned)}
    taught: list[KnowledgeItem] = []
    for record in records:
        target = by_id.get(record.merge_into) if record.merge_into else None
        if target is not None:
            learned[target] = _merged(learned[target], record)
        elif record.answer:
            taught.append(taught_item(record))
    items = learned + taught
    version = compute_version(snapshot.shop, items, snapshot.sizing)
    if version == snapshot.version:
        return snapshot
    if encoder is None:
        from kefu.encoder.bge import shared_encoder

        encoder = shared_encoder()
    vectors = view_vectors(items, encoder, snapshot)
    report = {**snapshot.report, "taught": {"items": len(taught), "records": len(records)}}
    return snapshot.model_copy(update={"items": items, "version": version, "vectors": vectors, "report": report})
