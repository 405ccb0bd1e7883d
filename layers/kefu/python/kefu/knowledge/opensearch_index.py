"""OpenSearch as the candidate retriever: a per-shop k-NN + lexical index behind an alias.

Layout: one physical index per shop and learned version, ``kefu-<shop>-<version>``, reached only
through the alias ``kefu-<shop>``. Publishing builds the new index completely (bulk with retries),
then moves the alias in one ``_aliases`` call (remove + add are applied atomically, so readers see
either the old or the new version, never none), and drops versions older than the previous one.

Each item is one document; its views (title, each question, each answer sentence: ``knowledge.views``)
are nested documents carrying the sentence encoder's vector of the view, the same vectors the snapshot
keeps (computed once at learn time), in a Lucene HNSW ``knn_vector`` (cosine).

Retrieval finds candidates only (``Retriever``): a lexical ``multi_match`` over CJK bigrams and a nested
k-NN query with the question's encoder vector (an item scores as its nearest view). When the node has the
neural-search plugin, one ``hybrid`` query runs through a normalization pipeline (min_max, weighted
arithmetic_mean); without it (a plain node, such as the test node built from Maven Central jars, where
neural-search is not published) both legs run in one ``_msearch`` and are fused here the same way. The
candidates are then scored by the shared ranker over the snapshot (``retrieval.ranker``), exactly as the
embedded index's candidates are: OpenSearch decides recall, never the answer.

Every query filters on ``shop_id`` (tenancy), on top of the per-shop alias.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

from opensearchpy import OpenSearch, RequestsHttpConnection
from opensearchpy.exceptions import NotFoundError, RequestError, TransportError
from opensearchpy.helpers import streaming_bulk

from kefu.knowledge.index import Embedder
from kefu.knowledge.vectors import unpack
from kefu.knowledge.views import item_views
from kefu.models.knowledge import KnowledgeItem, VectorBlock
from kefu.retrieval.query import Query
from kefu.retrieval.retrievers import CANDIDATES_PER_LEG
from kefu.settings import Settings

log = logging.getLogger(__name__)

INDEX_PREFIX = "kefu"
VIEWS_FIELD = "views"  # nested: [{"kind", "text", "vector"}]
VECTOR_FIELD = "vector"  # inside each view
ANALYZER = "kefu_cjk"
SCHEMA_VERSION = 2
# Weights of the two legs when fusing candidates (pipeline and client-side alike).
DEFAULT_LEG_WEIGHTS = (0.3, 0.7)  # (lexical, vector)
_AWS_HOST_SUFFIXES = (".amazonaws.com", ".amazonaws.com.cn")
_NAME_UNSAFE = re.compile(r"[^a-z0-9_.-]+")


class PublishError(RuntimeError):
    """The new version could not be built; the alias still points to the previous one."""


# ---------------------------------------------------------------- names, mapping, pipeline


def _name_part(value: str, what: str) -> str:
    # Index names: lowercase, no \ / * ? " < > | , # or spaces, must not start with - _ +.
    part = _NAME_UNSAFE.sub("-", value.strip().lower()).strip("-_.")
    if not part:
        raise ValueError(f"{what} {value!r} has nothing usable in an index name")
    return part


def alias_name(shop_id: str) -> str:
    return f"{INDEX_PREFIX}-{_name_part(shop_id, 'shop id')}"


def index_name(shop_id: str, version: str) -> str:
    return f"{alias_name(shop_id)}-{_name_part(version, 'version')}"


def index_body(
    dimension: int,
    shop_id: str,
    version: str,
    *,
    serverless: bool = False,
    number_of_shards: int = 1,
    number_of_replicas: int | None = None,
) -> dict[str, Any]:
    """Settings + mapping of one shop version. Serverless rejects shard/replica settings."""
    index_settings: dict[str, Any] = {"knn": True}
    if not serverless:
        index_settings["number_of_shards"] = number_of_shards  # a shop's knowledge is small
        if number_of_replicas is not None:
            index_settings["number_of_replicas"] = number_of_replicas
    keyword = {"type": "keyword"}
    text = {"type": "text", "analyzer": ANALYZER}
    return {
        "settings": {
            "index": index_settings,
            "analysis": {
                # standard tokenizer splits Han text into single characters; cjk_width folds
                # full-width Latin/digits; cjk_bigram joins neighbours (unigrams kept too, so a
                # one-character word such as 色 or 码 still matches).
                "filter": {"kefu_cjk_bigram": {"type": "cjk_bigram", "output_unigrams": True}},
                "analyzer": {
                    ANALYZER: {
                        "type": "custom",
                        "tokenizer": "standard",
                        "filter": ["cjk_width", "lowercase", "kefu_cjk_bigram"],
                    }
                },
            },
        },
        "mappings": {
            "dynamic": "strict",
            "_meta": {"kefu": {"shop_id": shop_id, "version": version, "schema": SCHEMA_VERSION}},
            "properties": {
                "item_id": keyword,
                "shop_id": keyword,
                "goods_id": keyword,
                "kind": keyword,
                "source": keyword,
                "topic": keyword,
                "content_hash": {"type": "keyword", "index": False, "doc_values": False},
                "title": text,
                "questions": text,
                "answer": text,
                VIEWS_FIELD: {
                    "type": "nested",
                    "properties": {
                        "kind": keyword,
                        "text": {"type": "text", "analyzer": ANALYZER, "index": False},
                        VECTOR_FIELD: {
                            "type": "knn_vector",
                            "dimension": dimension,
                            "method": {
                                "name": "hnsw",
                                "engine": "lucene",  # pure Java, efficient filtering; nmslib is deprecated
                                "space_type": "cosinesimil",
                                "parameters": {"m": 16, "ef_construction": 128},
                            },
                        },
                    },
                },
            },
        },
    }


def pipeline_id(weights: tuple[float, float]) -> str:
    return f"{INDEX_PREFIX}-hybrid-{round(weights[0] * 100)}-{round(weights[1] * 100)}"


def pipeline_body(weights: tuple[float, float]) -> dict[str, Any]:
    return {
        "description": "kefu hybrid retrieval: min-max per leg, weighted mean (lexical, vector)",
        "phase_results_processors": [
            {
                "normalization-processor": {
                    "normalization": {"technique": "min_max"},
                    "combination": {
                        "technique": "arithmetic_mean",
                        "parameters": {"weights": [weights[0], weights[1]]},
                    },
                }
            }
        ],
    }


def ensure_hybrid_pipeline(client: OpenSearch, weights: tuple[float, float] = DEFAULT_LEG_WEIGHTS) -> bool:
    """True when the normalization pipeline exists or could be created (neural-search is there)."""
    pid = pipeline_id(weights)
    try:
        found = client.transport.perform_request("GET", f"/_search/pipeline/{pid}")
        if isinstance(found, dict) and pid in found:
            return True
    except NotFoundError:
        pass
    except TransportError as exc:
        log.info("search pipelines unavailable (%s): client-side fusion", exc)
        return False
    try:
        client.transport.perform_request("PUT", f"/_search/pipeline/{pid}", body=pipeline_body(weights))
        return True
    except TransportError as exc:  # e.g. 400 "Invalid processor type normalization-processor"
        log.info("no normalization-processor on this cluster (%s): client-side fusion", exc)
        return False


# ---------------------------------------------------------------- client


def _is_aws_host(host: str | None) -> bool:
    return bool(host) and str(host).lower().endswith(_AWS_HOST_SUFFIXES)


def opensearch_client(
    settings: Settings,
    *,
    sign: bool | None = None,
    timeout: float = 10.0,
    max_retries: int = 3,
    **extra: Any,
) -> OpenSearch:
    """A client for ``settings.opensearch_endpoint``.

    An AWS endpoint (``*.amazonaws.com[.cn]``, or ``sign=True``) is signed with SigV4 from the
    default boto3 credentials, for ``settings.opensearch_service`` (``aoss`` for Serverless, ``es``
    for a managed domain). Anything else (a local node over http://) is plain HTTP.
    Transport-level retries cover connection errors, timeouts and 502/503/504.
    """
    endpoint = settings.opensearch_endpoint
    if not endpoint:
        raise ValueError("KEFU_OPENSEARCH_ENDPOINT is not set")
    url = urlsplit(endpoint if "://" in endpoint else f"https://{endpoint}")
    scheme = url.scheme or "https"
    port = url.port or (443 if scheme == "https" else 80)
    use_sigv4 = _is_aws_host(url.hostname) if sign is None else sign
    kwargs: dict[str, Any] = {
        "hosts": [{"host": url.hostname, "port": port, "scheme": scheme}],
        "use_ssl": scheme == "https",
        "verify_certs": scheme == "https",
        "timeout": timeout,
        "max_retries": max_retries,
        "retry_on_timeout": True,
    }
    if use_sigv4:
        import boto3
        from opensearchpy import AWSV4SignerAuth

        credentials = boto3.Session(region_name=settings.region).get_credentials()
        if credentials is None:
            raise RuntimeError("no AWS credentials found for signing OpenSearch requests")
        kwargs["http_auth"] = AWSV4SignerAuth(credentials, settings.region, settings.opensearch_service)
        kwargs["connection_class"] = RequestsHttpConnection  # the signer is a requests auth
        kwargs["pool_maxsize"] = 10
    kwargs.update(extra)
    return OpenSearch(**kwargs)


# ---------------------------------------------------------------- fusion


def _min_max(scores: dict[str, float]) -> dict[str, float]:
    # Same convention as the normalization-processor: a lone (or all-equal) result scores 1.
    if not scores:
        return {}
    low, high = min(scores.values()), max(scores.values())
    if high <= low:
        return dict.fromkeys(scores, 1.0)
    return {key: (value - low) / (high - low) for key, value in scores.items()}


def fuse(
    lexical: dict[str, float], vector: dict[str, float], weights: tuple[float, float]
) -> dict[str, float]:
    """Client-side twin of the pipeline: min-max each leg, weighted arithmetic mean, missing = 0."""
    lex, vec = _min_max(lexical), _min_max(vector)
    total = weights[0] + weights[1]
    return {
        key: (weights[0] * lex.get(key, 0.0) + weights[1] * vec.get(key, 0.0)) / total
        for key in lex.keys() | vec.keys()
    }


# ---------------------------------------------------------------- writer


class OpenSearchIndexWriter:
    """``IndexWriter``: builds ``kefu-<shop>-<version>``, then swaps the alias ``kefu-<shop>`` to it."""

    def __init__(
        self,
        client: OpenSearch,
        embedder: Embedder,
        *,
        keep_previous: int = 1,
        serverless: bool = False,
        number_of_replicas: int | None = None,
        chunk_size: int = 200,
        embed_batch: int = 64,
        max_retries: int = 5,
        initial_backoff: float = 1.0,
        max_backoff: float = 30.0,
        leg_weights: tuple[float, float] = DEFAULT_LEG_WEIGHTS,
        normalize: Callable[[str], str] | None = None,
    ) -> None:
        self.client = client
        # The snapshot's own vectors are indexed when they come from this embedder's model; otherwise (another
        # embedder by config, or a snapshot without vectors) the views are embedded here.
        self.embedder = embedder
        # Views are stored normalised, as the store matches them.
        self.normalize = normalize or _default_normalize()
        self.keep_previous = keep_previous
        self.serverless = serverless
        self.number_of_replicas = number_of_replicas
        self.chunk_size = chunk_size
        self.embed_batch = embed_batch
        # streaming_bulk retries documents rejected with 429 (per item or whole request) with
        # exponential backoff; the client's transport retries connection errors and 502-504.
        self._bulk_retry: dict[str, Any] = {
            "max_retries": max_retries,
            "initial_backoff": initial_backoff,
            "max_backoff": max_backoff,
        }
        self.leg_weights = leg_weights
        self.embedded_views = 0  # views embedded by the writer itself in the last publish (0: snapshot vectors)

    def publish(self, shop_id: str, version: str, items: list[KnowledgeItem],
                vectors: VectorBlock | None = None) -> None:
        alias, name = alias_name(shop_id), index_name(shop_id, version)
        unique = self._checked(shop_id, items)
        current = self._alias_targets(alias)
        if name in current:
            # Versions are content-addressed upstream: the same version is the same knowledge.
            log.info("%s already serves %s; nothing to publish", alias, name)
            return
        if self.client.indices.exists(index=name):
            log.warning("dropping %s left by an unfinished publish", name)
            self.client.indices.delete(index=name)
        known = self._known_vectors(vectors)
        body = index_body(
            self.embedder.dimension,
            shop_id,
            version,
            serverless=self.serverless,
            number_of_replicas=self.number_of_replicas,
        )
        self.client.indices.create(index=name, body=body)
        try:
            indexed = self._bulk(name, unique, known)
            if not self.serverless:  # Serverless refreshes by itself and has no _refresh API
                self.client.indices.refresh(index=name)
            if indexed != len(unique):
                raise PublishError(f"{name}: {indexed} of {len(unique)} items indexed")
        except Exception as exc:
            self._drop(name)
            if isinstance(exc, PublishError):
                raise
            raise PublishError(f"publishing {name} failed; {alias} unchanged: {str(exc)[:300]}") from exc
        # One call: OpenSearch applies all actions of an _aliases request atomically.
        actions: list[dict[str, Any]] = [{"remove": {"index": old, "alias": alias}} for old in current]
        actions.append({"add": {"index": name, "alias": alias}})
        self.client.indices.update_aliases(body={"actions": actions})
        log.info("%s -> %s (%d items)", alias, name, len(unique))
        self._prune(shop_id, alias, keep=name)
        # Create the pipeline now, so that the first search of a cold reader finds it.
        if not self.serverless:
            ensure_hybrid_pipeline(self.client, self.leg_weights)

    # -- steps

    def _known_vectors(self, vectors: VectorBlock | None) -> dict[str, Any]:
        model = getattr(self.embedder, "model_id", None)
        if vectors is None or model is None or vectors.model_id != model:
            return {}
        return unpack(vectors)

    @staticmethod
    def _checked(shop_id: str, items: list[KnowledgeItem]) -> list[KnowledgeItem]:
        foreign = {item.shop_id for item in items if item.shop_id != shop_id}
        if foreign:
            raise ValueError(f"items of other shops {sorted(foreign)} in a publish for {shop_id!r}")
        by_id = {item.item_id: item for item in items}  # same id twice: the last one wins
        if len(by_id) != len(items):
            log.warning("%d duplicate item ids in %s", len(items) - len(by_id), shop_id)
        return list(by_id.values())

    def _embed(self, texts: list[str]) -> list[list[float]]:
        out: list[list[float]] = []
        for start in range(0, len(texts), self.embed_batch):
            for vector in self.embedder.embed(texts[start : start + self.embed_batch]):
                if len(vector) != self.embedder.dimension:
                    raise ValueError(f"embedder gave {len(vector)} dims, expected {self.embedder.dimension}")
                out.append([float(x) for x in vector])
        return out

    def _documents(self, name: str, items: list[KnowledgeItem], known: dict[str, Any]) -> Iterator[dict[str, Any]]:
        self.embedded_views = 0
        for start in range(0, len(items), self.embed_batch):
            batch = items[start : start + self.embed_batch]
            views = [[(view.kind.value, text) for view in item_views(item) if (text := self.normalize(view.text))]
                     for item in batch]
            missing = list(dict.fromkeys(t for vs in views for _, t in vs if t not in known))
            fresh = dict(zip(missing, self._embed(missing), strict=True)) if missing else {}
            self.embedded_views += len(missing)
            for item, item_view in zip(batch, views, strict=True):
                source = item.model_dump(mode="json")
                source[VIEWS_FIELD] = [
                    {"kind": kind, "text": text,
                     VECTOR_FIELD: [float(x) for x in (known[text] if text in known else fresh[text])]}
                    for kind, text in item_view
                ]
                yield {"_op_type": "index", "_index": name, "_id": item.item_id, "_source": source}

    def _bulk(self, name: str, items: list[KnowledgeItem], known: dict[str, Any]) -> int:
        indexed, failed = 0, []
        # raise_on_error=False on purpose: with True, the helper raises on the first item-level
        # 429 before its own retry loop sees it, so rejected items would never be retried.
        for ok, info in streaming_bulk(
            self.client,
            self._documents(name, items, known),
            chunk_size=self.chunk_size,
            raise_on_error=False,
            raise_on_exception=True,
            **self._bulk_retry,
        ):
            if ok:
                indexed += 1
            else:
                failed.append(info)
        if failed:
            first: dict[str, Any] = next(iter(failed[0].values()), {})
            raise PublishError(
                f"{name}: {len(failed)} of {len(items)} items failed after retries "
                f"(first: {first.get('_id')} status {first.get('status')} {str(first.get('error'))[:200]})"
            )
        return indexed

    def _alias_targets(self, alias: str) -> list[str]:
        try:
            return sorted(self.client.indices.get_alias(name=alias).keys())
        except NotFoundError:
            return []

    def _drop(self, name: str) -> None:
        try:
            self.client.indices.delete(index=name)
        except TransportError as exc:
            log.warning("could not drop %s: %s", name, exc)

    def _prune(self, shop_id: str, alias: str, keep: str) -> None:
        """Delete this shop's versions except the live one and the ``keep_previous`` newest others."""
        try:
            found = self.client.indices.get(index=f"{alias}-*")
        except NotFoundError:
            return
        mine = [
            (int(info["settings"]["index"].get("creation_date", 0)), name)
            for name, info in found.items()
            # Another shop's id may extend ours ("a" and "a-v1"): trust the index's own _meta.
            if name != keep
            and info.get("mappings", {}).get("_meta", {}).get("kefu", {}).get("shop_id") == shop_id
        ]
        mine.sort(reverse=True)
        stale = [name for _, name in mine[self.keep_previous :]]
        if stale:
            self.client.indices.delete(index=",".join(stale))
            log.info("pruned %s", ", ".join(stale))


# ---------------------------------------------------------------- reader


class OpenSearchIndex:
    """``Retriever`` over the alias ``kefu-<shop>``: candidates for the shared ranker."""

    HYBRID = "hybrid-pipeline"
    CLIENT_FUSION = "client-fusion"

    def __init__(
        self,
        client: OpenSearch,
        shop_id: str,
        embedder: Embedder | None = None,
        *,
        candidates: int = 20,
        leg_weights: tuple[float, float] = DEFAULT_LEG_WEIGHTS,
        hybrid: bool | None = None,
    ) -> None:
        self.client = client
        self.shop_id = shop_id
        self.alias = alias_name(shop_id)
        # None: the question's own encoder vector is used (the index holds the same encoder's vectors); an
        # embedder of another model (Bedrock by config) embeds the question itself, as it embedded the views.
        self.embedder = embedder if getattr(embedder, "model_id", None) is None else None
        self.candidates_size = candidates
        self.leg_weights = leg_weights
        self._hybrid = hybrid  # None: detect on first search

    @property
    def version(self) -> str:
        """The version behind the alias now ("" before the first publish)."""
        try:
            mappings = self.client.indices.get_mapping(index=self.alias)
        except NotFoundError:
            return ""
        for info in mappings.values():
            return str(info["mappings"].get("_meta", {}).get("kefu", {}).get("version", ""))
        return ""

    @property
    def mode(self) -> str:
        if self._hybrid is None:
            self._hybrid = ensure_hybrid_pipeline(self.client, self.leg_weights)
        return self.HYBRID if self._hybrid else self.CLIENT_FUSION

    def items(self) -> list[KnowledgeItem]:
        out: list[KnowledgeItem] = []
        after: list[Any] | None = None
        while True:
            body: dict[str, Any] = {
                "size": 500,
                "query": {"bool": {"filter": [{"term": {"shop_id": self.shop_id}}]}},
                "sort": [{"item_id": "asc"}],
                "_source": {"excludes": [VIEWS_FIELD]},
            }
            if after is not None:
                body["search_after"] = after
            try:
                hits = self.client.search(index=self.alias, body=body)["hits"]["hits"]
            except NotFoundError:
                return []
            out.extend(KnowledgeItem.model_validate(hit["_source"]) for hit in hits)
            if len(hits) < body["size"]:
                return out
            after = hits[-1]["sort"]

    def candidates(self, query: Query, k: int = CANDIDATES_PER_LEG) -> list[str]:
        """Item ids from both legs (lexical over the question's text, k-NN over the views with its vector), best
        fused first."""
        text = query.matching_text
        if not text.strip():
            return []
        vector = (self.embedder.embed([text])[0] if self.embedder is not None else query.vector.tolist())
        size = max(self.candidates_size, k)
        filters = self._filters(query.goods_id)
        lexical = self._lexical_query(text, filters)
        knn = self._knn_query([float(x) for x in vector], size, filters)
        try:
            ranked = self._ranked(lexical, knn, size)
        except NotFoundError:
            log.warning("%s does not exist yet: no knowledge published for %s", self.alias, self.shop_id)
            return []
        return [doc_id for doc_id, _ in ranked]

    def _ranked(self, lexical: dict[str, Any], knn: dict[str, Any], size: int) -> list[tuple[str, float]]:
        if self.mode == self.HYBRID:
            try:
                return self._hybrid_candidates(lexical, knn, size)
            except RequestError as exc:
                if "hybrid" not in str(exc).lower() and "pipeline" not in str(exc).lower():
                    raise
                log.warning("hybrid query refused (%s): switching to client-side fusion", exc)
                self._hybrid = False
        return self._fused_candidates(lexical, knn, size)

    # -- queries

    def _filters(self, goods_id: str | None) -> list[dict[str, Any]]:
        filters: list[dict[str, Any]] = [{"term": {"shop_id": self.shop_id}}]
        if goods_id:
            # The goods' own items plus shop-wide ones (rules, shipping ...), never other goods'.
            filters.append(
                {
                    "bool": {
                        "should": [
                            {"term": {"goods_id": goods_id}},
                            {"bool": {"must_not": [{"exists": {"field": "goods_id"}}]}},
                        ],
                        "minimum_should_match": 1,
                    }
                }
            )
        return filters

    @staticmethod
    def _knn_query(vector: list[float], size: int, filters: list[dict[str, Any]]) -> dict[str, Any]:
        """The nearest views' items: nested k-NN (an item scores as its best view), within the shop's filters."""
        nested = {"nested": {"path": VIEWS_FIELD, "score_mode": "max", "query": {
            "knn": {f"{VIEWS_FIELD}.{VECTOR_FIELD}": {"vector": vector, "k": size}}}}}
        return {"bool": {"must": [nested], "filter": filters}}

    @staticmethod
    def _lexical_query(query: str, filters: list[dict[str, Any]]) -> dict[str, Any]:
        match = {
            "multi_match": {
                "query": query,
                "fields": ["questions^3", "title^2", "answer"],
                "type": "best_fields",
                "tie_breaker": 0.3,
            }
        }
        return {"bool": {"must": [match], "filter": filters}}

    def _hybrid_candidates(self, lexical: dict[str, Any], knn: dict[str, Any], size: int) -> list[tuple[str, float]]:
        body = {"size": size, "_source": False, "query": {"hybrid": {"queries": [lexical, knn]}}}
        response = self.client.search(
            index=self.alias, body=body, params={"search_pipeline": pipeline_id(self.leg_weights)}
        )
        return [(str(hit["_id"]), float(hit["_score"] or 0.0)) for hit in response["hits"]["hits"]]

    def _fused_candidates(self, lexical: dict[str, Any], knn: dict[str, Any], size: int) -> list[tuple[str, float]]:
        header = {"index": self.alias}
        body: list[dict[str, Any]] = [
            header,
            {"size": size, "_source": False, "query": lexical},
            header,
            {"size": size, "_source": False, "query": knn},
        ]
        responses = self.client.msearch(body=body)["responses"]
        legs: list[dict[str, float]] = []
        for response in responses:
            if "error" in response:
                status = int(response.get("status", 500))
                error = response["error"]
                if status == 404:
                    raise NotFoundError(status, "index_not_found_exception", error)
                raise TransportError(status, str(error.get("type", "error")), error)
            leg: dict[str, float] = {}
            for hit in response["hits"]["hits"]:
                leg[str(hit["_id"])] = float(hit["_score"] or 0.0)
            legs.append(leg)
        fused = fuse(legs[0], legs[1], self.leg_weights)
        return sorted(fused.items(), key=lambda pair: pair[1], reverse=True)[:size]


def _default_normalize() -> Callable[[str], str]:
    from kefu.understanding.normalize import Normalizer

    normalizer = Normalizer()
    return lambda text: normalizer.normalize(text).text


def index_for_shop(
    settings: Settings, embedder: Embedder | None = None, shop_id: str | None = None, **kwargs: Any
) -> OpenSearchIndex:
    """The reader for ``settings.shop_id`` (or another shop) on the configured endpoint."""
    return OpenSearchIndex(opensearch_client(settings), shop_id or settings.shop_id, embedder, **kwargs)


def writer_for(settings: Settings, embedder: Embedder, **kwargs: Any) -> OpenSearchIndexWriter:
    """The writer on the configured endpoint; Serverless (``aoss``) skips shard settings and refresh."""
    kwargs.setdefault("serverless", settings.opensearch_service == "aoss")
    return OpenSearchIndexWriter(opensearch_client(settings), embedder, **kwargs)
