"""The OpenSearch adapter against a real single node (OpenSearch 2.19.1 + k-NN 2.19.1.0, Lucene HNSW).

Tests marked ``opensearch`` use the session node from conftest.py; the few without the marker
check client construction and the hybrid request shape without a node.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import threading
import time
import unicodedata
from collections.abc import Mapping
from typing import Any, ClassVar, cast

import pytest
from opensearchpy import OpenSearch, Urllib3HttpConnection
from opensearchpy.exceptions import ConnectionError as OSConnectionError
from opensearchpy.exceptions import NotFoundError, RequestError

from kefu.encoder.bge import shared_encoder
from kefu.knowledge import opensearch_index as osi
from kefu.knowledge.learn import view_vectors
from kefu.knowledge.opensearch_index import (
    OpenSearchIndex,
    OpenSearchIndexWriter,
    PublishError,
    alias_name,
    index_name,
    opensearch_client,
)
from kefu.knowledge.vectors import unpack
from kefu.models.knowledge import ItemKind, KnowledgeItem, KnowledgeSnapshot
from kefu.models.shop import ShopConfig
from kefu.retrieval.query import Query
from kefu.retrieval.search import KnowledgeSearch
from kefu.settings import Settings


class NgramEmbedder:
    """Another embedder than the bundled encoder (as Bedrock would be): hashing of character uni- and bigrams."""

    dimension = 64

    def embed(self, texts: list[str]) -> list[list[float]]:
        return [self._one(text) for text in texts]

    def _one(self, text: str) -> list[float]:
        chars = [c for c in unicodedata.normalize("NFKC", text).lower() if c.isalnum()]
        vec = [0.0] * self.dimension
        for gram in chars + [a + b for a, b in itertools.pairwise(chars)]:
            digest = int.from_bytes(hashlib.blake2b(gram.encode(), digest_size=8).digest(), "big")
            vec[digest % self.dimension] += 1.0 if digest >> 63 else -1.0
        norm = math.sqrt(sum(x * x for x in vec)) or 1.0
        return [x / norm for x in vec]


def snapshot_of(shop: str, items: list[KnowledgeItem], version: str = "v1") -> KnowledgeSnapshot:
    return KnowledgeSnapshot(shop_id=shop, version=version, items=items, shop=ShopConfig(shop_id=shop, shop_name=shop),
                             vectors=view_vectors(items, shared_encoder()))


def writer(client: OpenSearch, **kwargs: Any) -> OpenSearchIndexWriter:
    return OpenSearchIndexWriter(client, shared_encoder(), number_of_replicas=0, **kwargs)


def publish(client: OpenSearch, snapshot: KnowledgeSnapshot, **kwargs: Any) -> OpenSearchIndexWriter:
    out = writer(client, **kwargs)
    out.publish(snapshot.shop_id, snapshot.version, snapshot.items, snapshot.vectors)
    return out


def remote_search(client: OpenSearch, snapshot: KnowledgeSnapshot) -> KnowledgeSearch:
    """The brain's knowledge with OpenSearch as the retriever (the ranker and the snapshot stay the same)."""
    return KnowledgeSearch(snapshot, retriever=OpenSearchIndex(client, snapshot.shop_id))


def candidates(index: OpenSearchIndex, knowledge: KnowledgeSearch, text: str,
               goods_id: str | None = None) -> list[str]:
    query: Query = knowledge.query(knowledge.normalizer.normalize(text).text, goods_id)
    return index.candidates(query)


def item(
    shop: str, item_id: str, title: str, questions: list[str], answer: str, **extra: Any
) -> KnowledgeItem:
    return KnowledgeItem(
        item_id=item_id,
        shop_id=shop,
        kind=extra.pop("kind", ItemKind.RULE_SECTION),
        title=title,
        questions=questions,
        answer=answer,
        source=extra.pop("source", f"rules.md#{title}"),
        **extra,
    )


SHOP_A, SHOP_B = "shop-a", "shop-b"

ITEMS_A = [
    item(
        SHOP_A,
        "a-ship",
        "发货时间",
        ["什么时候发货", "多久能发货"],
        "付款后48小时内从杭州仓发货，节假日顺延。",
    ),
    item(
        SHOP_A,
        "a-return",
        "退换货",
        ["可以退货吗", "不满意能退吗"],
        "签收7天内未拆封可无理由退货，运费由买家承担。",
    ),
    item(SHOP_A, "a-express", "快递", ["发什么快递", "用的哪家快递"], "默认发中通快递，偏远地区发邮政。"),
    item(
        SHOP_A,
        "a-usage",
        "植物泡泡染发剂 使用方法",
        ["怎么用", "染发剂怎么使用"],
        "洗发后擦至半干，戴手套均匀涂抹，停留20分钟后冲洗。",
        kind=ItemKind.PRODUCT_SECTION,
        goods_id="g1",
        topic="usage",
    ),
    item(
        SHOP_A,
        "a-color",
        "植物泡泡染发剂 颜色",
        ["有哪些颜色", "有黑色吗"],
        "有自然黑、深棕、酒红三种颜色。",
        kind=ItemKind.PRODUCT_FACT,
        goods_id="g1",
    ),
    item(
        SHOP_A,
        "a-price",
        "护发素 价格",
        ["护发素多少钱", "护发素怎么卖"],
        "护发素单价39元，两瓶69元。",
        kind=ItemKind.PRODUCT_FACT,
        goods_id="g2",
    ),
]
ITEMS_B = [
    item(SHOP_B, "b-ship", "发货时间", ["几天能发货", "请问几天能发货呀"], "现货当天发货，预售15天内发货。"),
    item(SHOP_B, "b-gift", "赠品", ["送什么赠品"], "每单送一次性手套两副。"),
]


SNAPSHOTS = {}


def snapshot(shop: str) -> KnowledgeSnapshot:
    if shop not in SNAPSHOTS:
        SNAPSHOTS[shop] = snapshot_of(shop, ITEMS_A if shop == SHOP_A else ITEMS_B)
    return SNAPSHOTS[shop]


@pytest.fixture(scope="module")
def published(os_client: OpenSearch) -> dict[str, KnowledgeSearch]:
    for shop in (SHOP_A, SHOP_B):
        publish(os_client, snapshot(shop), initial_backoff=0.05)
    return {shop: remote_search(os_client, snapshot(shop)) for shop in (SHOP_A, SHOP_B)}


def index_of(knowledge: KnowledgeSearch) -> OpenSearchIndex:
    assert isinstance(knowledge.retriever, OpenSearchIndex)
    return knowledge.retriever


def alias_targets(client: OpenSearch, alias: str) -> list[str]:
    try:
        return sorted(client.indices.get_alias(name=alias).keys())
    except NotFoundError:
        return []


# ------------------------------------------------------------------ mapping


@pytest.mark.opensearch
def test_mapping_is_created_as_specified(
    os_client: OpenSearch, published: dict[str, KnowledgeSearch]
) -> None:
    name = index_name(SHOP_A, "v1")
    assert name == "kefu-shop-a-v1"
    assert alias_targets(os_client, alias_name(SHOP_A)) == [name]

    mapping = os_client.indices.get_mapping(index=name)[name]["mappings"]
    assert mapping["_meta"]["kefu"] == {"shop_id": SHOP_A, "version": "v1", "schema": osi.SCHEMA_VERSION}
    props = mapping["properties"]
    views = props["views"]
    assert views["type"] == "nested"
    vector = views["properties"]["vector"]
    assert vector["type"] == "knn_vector"
    assert vector["dimension"] == shared_encoder().dimension
    assert vector["method"]["name"] == "hnsw"
    assert vector["method"]["engine"] == "lucene"
    assert vector["method"]["space_type"] == "cosinesimil"
    for field in ("title", "questions", "answer"):
        assert props[field] == {"type": "text", "analyzer": osi.ANALYZER}
    for field in ("shop_id", "goods_id", "kind", "source", "item_id"):
        assert props[field]["type"] == "keyword"

    settings = os_client.indices.get_settings(index=name)[name]["settings"]["index"]
    assert settings["knn"] == "true"
    analyzer = settings["analysis"]["analyzer"][osi.ANALYZER]
    assert analyzer["tokenizer"] == "standard"
    assert analyzer["filter"] == ["cjk_width", "lowercase", "kefu_cjk_bigram"]
    assert settings["analysis"]["filter"]["kefu_cjk_bigram"]["type"] == "cjk_bigram"

    # The analyzer really is CJK-aware on this node: bigrams, full-width folded.
    tokens = os_client.indices.analyze(
        index=name, body={"analyzer": osi.ANALYZER, "text": "几天能发货ＸＬ码"}
    )
    terms = {token["token"] for token in tokens["tokens"]}
    assert {"几天", "发货", "xl", "码"} <= terms


# ------------------------------------------------------------------ retrieval


@pytest.mark.opensearch
def test_paraphrase_finds_the_right_item(published: dict[str, KnowledgeSearch]) -> None:
    knowledge = published[SHOP_A]
    cases = {
        "请问几天能发货呀": "a-ship",
        "能不能退货": "a-return",
        "你们发的是什么快递": "a-express",
    }
    for text, expected in cases.items():
        hits = knowledge.search_text(text, k=3)
        assert hits, text
        assert hits[0].item.item_id == expected, (text, [(h.item.item_id, h.score) for h in hits])
    usage = knowledge.search_text("这个染发剂该怎样使用", goods_id="g1", k=3)
    assert usage[0].item.item_id == "a-usage"


@pytest.mark.opensearch
def test_goods_filter_keeps_the_goods_and_shop_wide_items(published: dict[str, KnowledgeSearch]) -> None:
    knowledge = published[SHOP_A]
    ids = candidates(index_of(knowledge), knowledge, "多少钱", goods_id="g1")
    assert ids and "a-price" not in ids  # another goods' fact
    assert all({item.item_id: item for item in ITEMS_A}[i].goods_id in (None, "g1") for i in ids)
    assert knowledge.search_text("多少钱", goods_id="g2", k=3)[0].item.item_id == "a-price"


@pytest.mark.opensearch
def test_one_ranking_whichever_backend_found_the_candidates(published: dict[str, KnowledgeSearch]) -> None:
    """The same snapshot, the same ranker: OpenSearch's candidates score exactly as the embedded index's."""
    embedded = KnowledgeSearch(snapshot(SHOP_A))
    remote = published[SHOP_A]
    questions = [("请问几天能发货呀", None), ("有黑色的吗", "g1"), ("护发素怎么卖", "g2"), ("今天天气怎么样", None),
                 ("不满意能退吗", None), ("染发剂要停留多久", "g1")]
    for text, goods in questions:
        mine = [(h.item.item_id, round(h.score, 6)) for h in embedded.search_text(text, goods, k=3)]
        theirs = [(h.item.item_id, round(h.score, 6)) for h in remote.search_text(text, goods, k=3)]
        assert theirs[0] == mine[0], text
        shared = {i for i, _ in mine} & {i for i, _ in theirs}
        assert {p for p in mine if p[0] in shared} == {p for p in theirs if p[0] in shared}, text


@pytest.mark.opensearch
def test_the_index_holds_the_snapshots_own_vectors(os_client: OpenSearch, published: dict[str, KnowledgeSearch]
                                                   ) -> None:
    known = unpack(snapshot(SHOP_A).vectors)  # type: ignore[arg-type]
    document = os_client.get(index=alias_name(SHOP_A), id="a-ship")["_source"]
    assert document["views"]
    for view in document["views"]:
        assert view["vector"] == pytest.approx(known[view["text"]].tolist(), abs=1e-6)


@pytest.mark.opensearch
def test_items_and_version_round_trip(published: dict[str, KnowledgeSearch]) -> None:
    index = index_of(published[SHOP_A])
    assert index.version == "v1"
    assert sorted(index.items(), key=lambda i: i.item_id) == sorted(ITEMS_A, key=lambda i: i.item_id)
    unknown = OpenSearchIndex(index.client, "never-published")
    assert unknown.version == ""
    assert candidates(unknown, published[SHOP_A], "发货") == []
    assert unknown.items() == []


# ------------------------------------------------------------------ tenancy


@pytest.mark.opensearch
def test_a_shop_never_sees_another_shops_items(
    os_client: OpenSearch, published: dict[str, KnowledgeSearch]
) -> None:
    # Shop B has this exact question; shop A must still only answer from its own knowledge.
    a_ids, b_ids = {i.item_id for i in ITEMS_A}, {i.item_id for i in ITEMS_B}
    found = candidates(index_of(published[SHOP_A]), published[SHOP_A], "请问几天能发货呀")
    assert found and set(found) <= a_ids
    assert set(candidates(index_of(published[SHOP_B]), published[SHOP_B], "什么时候发货")) <= b_ids

    # Even a foreign document that lands in A's index (a bad write) is filtered out by shop_id.
    stray = ITEMS_B[0].model_copy(update={"item_id": "stray-b"})
    vector = shared_encoder().encode([stray.title])[0].tolist()
    source = stray.model_dump(mode="json") | {"views": [{"kind": "title", "text": stray.title, "vector": vector}]}
    os_client.index(index=alias_name(SHOP_A), id="stray-b", body=source, params={"refresh": "true"})
    try:
        for text in ("请问几天能发货呀", "现货当天发货"):
            assert "stray-b" not in candidates(index_of(published[SHOP_A]), published[SHOP_A], text)
        assert all(i.shop_id == SHOP_A for i in index_of(published[SHOP_A]).items())
    finally:
        os_client.delete(index=index_name(SHOP_A, "v1"), id="stray-b", params={"refresh": "true"})

    with pytest.raises(ValueError, match="other shops"):
        writer(os_client).publish(SHOP_A, "v9", [*ITEMS_A, ITEMS_B[1]])
    assert not os_client.indices.exists(index=index_name(SHOP_A, "v9"))


# ------------------------------------------------------------------ hybrid


@pytest.mark.opensearch
def test_hybrid_pipeline_or_documented_fallback(
    os_client: OpenSearch, published: dict[str, KnowledgeSearch]
) -> None:
    index = OpenSearchIndex(os_client, SHOP_A)
    mode = index.mode
    assert mode in (OpenSearchIndex.HYBRID, OpenSearchIndex.CLIENT_FUSION)
    if mode == OpenSearchIndex.CLIENT_FUSION:
        # The fallback is taken only because this node has no neural-search plugin (it is not
        # published on Maven Central): the node itself refuses the normalization processor.
        with pytest.raises(RequestError, match="normalization-processor"):
            os_client.transport.perform_request(
                "PUT", "/_search/pipeline/kefu-probe", body=osi.pipeline_body(osi.DEFAULT_LEG_WEIGHTS)
            )
    else:
        pid = osi.pipeline_id(osi.DEFAULT_LEG_WEIGHTS)
        assert pid in os_client.transport.perform_request("GET", f"/_search/pipeline/{pid}")
    # Detected once: a second look does not ask the node again.
    calls: list[str] = []
    original = os_client.transport.perform_request

    def spy(method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        calls.append(url)
        return original(method, url, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(os_client.transport, "perform_request", spy)
        candidates(index, published[SHOP_A], "发货")
        candidates(index, published[SHOP_A], "退货")
    assert not any("_search/pipeline" in url for url in calls)


def test_client_side_fusion_matches_the_normalization_processor() -> None:
    lexical = {"a": 12.0, "b": 4.0, "c": 8.0}
    vector = {"a": 0.6, "d": 0.9}
    fused = osi.fuse(lexical, vector, (0.3, 0.7))
    # min-max per leg; a document missing from a leg scores 0 there; weighted arithmetic mean.
    assert fused["a"] == pytest.approx(0.3 * 1.0 + 0.7 * 0.0)
    assert fused["d"] == pytest.approx(0.7 * 1.0)
    assert fused["c"] == pytest.approx(0.3 * 0.5)
    assert fused["b"] == pytest.approx(0.0)
    assert osi.fuse({"x": 3.0}, {}, (0.3, 0.7)) == {"x": pytest.approx(0.3)}


class _RecordingClient:
    """Stands in for a node with neural-search: records the request, answers a hand-written response.

    The response has the shape of an ordinary search response (what the hybrid query returns after
    the normalization processor); it was written by hand, not recorded from a node with the plugin.
    """

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.transport = self

    def perform_request(self, method: str, url: str, body: Any = None, **_: Any) -> Any:
        self.requests.append({"method": method, "url": url, "body": body})
        return {}

    def search(self, index: str, body: Mapping[str, Any], params: Mapping[str, Any]) -> dict[str, Any]:
        self.requests.append({"index": index, "body": body, "params": params})
        return {"hits": {"hits": [{"_id": "a-ship", "_score": 1.0}]}}


def test_hybrid_request_shape_without_a_node() -> None:
    client = _RecordingClient()
    index = OpenSearchIndex(cast(Any, client), SHOP_A, hybrid=True)
    knowledge = KnowledgeSearch(snapshot(SHOP_A))
    assert candidates(index, knowledge, "什么时候发货", goods_id="g1") == ["a-ship"]
    request = client.requests[-1]
    assert request["index"] == "kefu-shop-a"
    assert request["params"] == {"search_pipeline": osi.pipeline_id(osi.DEFAULT_LEG_WEIGHTS)}
    lexical, knn = request["body"]["query"]["hybrid"]["queries"]
    shop_filter = {"term": {"shop_id": SHOP_A}}
    assert shop_filter in lexical["bool"]["filter"]
    assert shop_filter in knn["bool"]["filter"]
    assert lexical["bool"]["filter"] == knn["bool"]["filter"]
    nested = knn["bool"]["must"][0]["nested"]
    assert nested["path"] == "views" and nested["score_mode"] == "max"
    assert len(nested["query"]["knn"]["views.vector"]["vector"]) == shared_encoder().dimension
    body = osi.pipeline_body((0.3, 0.7))["phase_results_processors"][0]["normalization-processor"]
    assert body["normalization"] == {"technique": "min_max"}
    assert body["combination"] == {"technique": "arithmetic_mean", "parameters": {"weights": [0.3, 0.7]}}


# ------------------------------------------------------------------ publishing


@pytest.mark.opensearch
def test_republish_swaps_the_alias_atomically_and_prunes(os_client: OpenSearch) -> None:
    shop, alias = "shop-swap", alias_name("shop-swap")
    out = writer(os_client)
    reader = OpenSearchIndex(os_client, shop)
    v1 = [item(shop, "ship", "发货时间", ["什么时候发货"], "48小时内发货。")]
    v2 = [item(shop, "ship", "发货时间", ["什么时候发货"], "今天下单今天发货。")]
    v3 = [item(shop, "ship", "发货时间", ["什么时候发货"], "顺丰包邮，次日发货。")]
    out.publish(shop, "v1", v1)
    assert reader.version == "v1"

    seen: list[int] = []
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            seen.append(len(alias_targets(os_client, alias)))

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        time.sleep(0.05)
        out.publish(shop, "v2", v2)
        time.sleep(0.05)
    finally:
        stop.set()
        watcher.join(timeout=10)
    assert len(seen) > 5 and set(seen) == {1}, seen  # never zero, never two targets

    assert alias_targets(os_client, alias) == [index_name(shop, "v2")]
    assert reader.version == "v2"
    assert [i.answer for i in reader.items()] == ["今天下单今天发货。"]
    assert os_client.indices.exists(index=index_name(shop, "v1"))  # the previous one is kept

    out.publish(shop, "v3", v3)
    assert alias_targets(os_client, alias) == [index_name(shop, "v3")]
    assert not os_client.indices.exists(index=index_name(shop, "v1"))  # beyond one previous: gone
    assert os_client.indices.exists(index=index_name(shop, "v2"))
    assert [i.answer for i in reader.items()] == ["顺丰包邮，次日发货。"]

    # Same version again: a no-op, the live index is not rebuilt under the alias.
    created = os_client.indices.get_settings(index=index_name(shop, "v3"))
    out.publish(shop, "v3", v3)
    assert os_client.indices.get_settings(index=index_name(shop, "v3")) == created


@pytest.mark.opensearch
def test_pruning_never_touches_a_shop_whose_id_extends_ours(os_client: OpenSearch) -> None:
    out = writer(os_client, keep_previous=0)
    out.publish("ext-x", "v1", [item("ext-x", "i", "t", [], "a")])
    # alias kefu-ext-x; this other shop's indices are named kefu-ext-x-2-... and match kefu-ext-x-*
    out.publish("ext-x-2", "v1", [item("ext-x-2", "i", "t", [], "a")])
    out.publish("ext-x", "v2", [item("ext-x", "i", "t", [], "b")])
    assert os_client.indices.exists(index=index_name("ext-x-2", "v1"))
    assert not os_client.indices.exists(index=index_name("ext-x", "v1"))


class FlakyConnection(Urllib3HttpConnection):
    """Fault injection at the HTTP connection: each _bulk call takes the next step of ``plan``."""

    plan: ClassVar[list[str]] = []  # "drop": connection reset; "reject": every item 429; "pass"
    bulk_calls = 0

    def perform_request(
        self,
        method: str,
        url: str,
        params: Mapping[str, Any] | None = None,
        body: bytes | None = None,
        timeout: float | None = None,
        ignore: Any = (),
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        if url.endswith("/_bulk"):
            cls = type(self)
            cls.bulk_calls += 1
            step = cls.plan.pop(0) if cls.plan else "pass"
            if step == "drop":
                raise OSConnectionError("N/A", "injected connection reset", OSError("reset"))
            if step == "reject":
                text = body.decode() if isinstance(body, bytes) else str(body)
                lines = [line for line in text.splitlines() if line.strip()]
                items = [
                    {
                        "index": {
                            "_index": json.loads(line)["index"]["_index"],
                            "_id": json.loads(line)["index"]["_id"],
                            "status": 429,
                            "error": {"type": "es_rejected_execution_exception", "reason": "injected"},
                        }
                    }
                    for line in lines[::2]
                ]
                return (
                    200,
                    {"content-type": "application/json"},
                    json.dumps({"took": 1, "errors": True, "items": items}),
                )
        return super().perform_request(method, url, params, body, timeout, ignore, headers)


@pytest.mark.opensearch
def test_bulk_retries_transient_failures(opensearch_node: Any) -> None:
    client = OpenSearch(
        hosts=[opensearch_node.url], connection_class=FlakyConnection, max_retries=3, timeout=30
    )
    FlakyConnection.plan, FlakyConnection.bulk_calls = ["drop", "reject"], 0
    shop = "shop-retry"
    items = [item(shop, f"q{i}", f"问题{i}", [f"第{i}个问题是什么"], f"答案{i}") for i in range(25)]
    out = OpenSearchIndexWriter(client, NgramEmbedder(), number_of_replicas=0, initial_backoff=0.05, max_retries=3)
    out.publish(shop, "v1", items)
    # 1: reset (transport retries), 2: all items 429 (bulk helper backs off, resends), 3: through.
    assert FlakyConnection.bulk_calls == 3
    assert client.count(index=alias_name(shop))["count"] == 25
    assert {i.item_id for i in OpenSearchIndex(client, shop).items()} == {f"q{i}" for i in range(25)}


@pytest.mark.opensearch
def test_a_failed_publish_leaves_the_previous_version_serving(opensearch_node: Any) -> None:
    client = OpenSearch(
        hosts=[opensearch_node.url], connection_class=FlakyConnection, max_retries=3, timeout=30
    )
    shop = "shop-fail"
    out = OpenSearchIndexWriter(client, NgramEmbedder(), number_of_replicas=0, initial_backoff=0.02, max_retries=2)
    FlakyConnection.plan, FlakyConnection.bulk_calls = [], 0
    out.publish(shop, "v1", [item(shop, "i", "发货时间", [], "48小时内发货")])
    FlakyConnection.plan = ["reject"] * 10  # the node keeps rejecting: retries run out
    with pytest.raises(PublishError):
        out.publish(shop, "v2", [item(shop, "i", "发货时间", [], "当天发货")])
    FlakyConnection.plan = []
    assert alias_targets(client, alias_name(shop)) == [index_name(shop, "v1")]
    assert not client.indices.exists(index=index_name(shop, "v2"))
    assert [i.answer for i in OpenSearchIndex(client, shop).items()] == ["48小时内发货"]


# ------------------------------------------------------------------ another embedder (Bedrock by config)


@pytest.mark.opensearch
def test_another_embedder_embeds_views_and_questions_itself(os_client: OpenSearch) -> None:
    shop = "shop-other-model"
    items = [i.model_copy(update={"shop_id": shop}) for i in ITEMS_A]
    base = snapshot_of(shop, items)
    out = OpenSearchIndexWriter(os_client, NgramEmbedder(), number_of_replicas=0)
    out.publish(shop, "v1", items, base.vectors)  # the snapshot's vectors are another model's: not reused
    assert out.embedded_views > 0
    index = OpenSearchIndex(os_client, shop, NgramEmbedder())
    knowledge = KnowledgeSearch(base, retriever=index)
    assert "a-ship" in candidates(index, knowledge, "请问几天能发货呀")
    assert knowledge.search_text("能不能退货", k=1)[0].item.item_id == "a-return"


# ------------------------------------------------------------------ client construction (no node)


def test_client_signs_with_sigv4_for_aws_endpoints(monkeypatch: pytest.MonkeyPatch) -> None:
    from opensearchpy import AWSV4SignerAuth, RequestsHttpConnection

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    settings = Settings(
        region="cn-north-1",
        opensearch_endpoint="https://abc123.cn-north-1.aoss.amazonaws.com.cn",
        opensearch_service="aoss",
    )
    client = opensearch_client(settings)
    connection = client.transport.get_connection()
    assert isinstance(connection, RequestsHttpConnection)
    auth = connection.session.auth
    assert isinstance(auth, AWSV4SignerAuth)
    assert (auth.service, auth.signer.region) == ("aoss", "cn-north-1")
    assert connection.host == "https://abc123.cn-north-1.aoss.amazonaws.com.cn:443"

    local = opensearch_client(Settings(opensearch_endpoint="http://127.0.0.1:9200"))
    plain = local.transport.get_connection()
    assert plain.host == "http://127.0.0.1:9200"
    assert getattr(plain, "session", None) is None or plain.session.auth is None

    with pytest.raises(ValueError, match="KEFU_OPENSEARCH_ENDPOINT"):
        opensearch_client(Settings())


def test_index_names_are_safe() -> None:
    assert alias_name("Hair Dye/Demo") == "kefu-hair-dye-demo"
    assert index_name("hair-dye-demo", "2024-06-01T10:00Z") == "kefu-hair-dye-demo-2024-06-01t10-00z"
    with pytest.raises(ValueError):
        alias_name("***")


@pytest.mark.opensearch
def test_lucene_engine_runs_without_native_libraries(opensearch_node: Any, published: Any) -> None:
    # The k-NN zip from Maven Central carries no nmslib/faiss JNI libraries; by now the suite has
    # created, filled and searched Lucene HNSW indexes, and the plugin never tried to load one.
    log = opensearch_node.log_path.read_text(errors="replace")
    assert "loaded plugin [org.opensearch.knn.plugin.KNNPlugin]" in log
    for marker in (
        "UnsatisfiedLinkError",
        "opensearchknn_faiss",
        "opensearchknn_nmslib",
        "opensearchknn_common",
    ):
        assert marker not in log
