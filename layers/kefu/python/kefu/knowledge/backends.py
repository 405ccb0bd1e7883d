"""The search backend and embedder chosen by the settings (one place, used by ingest and the responder)."""

from __future__ import annotations

from kefu.knowledge.index import Embedder
from kefu.retrieval.retrievers import Retriever
from kefu.settings import EmbedderKind, SearchBackend, Settings


def embedder_for(settings: Settings) -> Embedder:
    """The k-NN leg's embedder: the bundled sentence encoder (the ranker's own), or Bedrock by config."""
    if settings.embedder == EmbedderKind.BEDROCK:
        from kefu.knowledge.bedrock_embedder import BedrockEmbedder, bedrock_runtime_client

        client = bedrock_runtime_client(settings.region, settings.aws_endpoint_url)
        return BedrockEmbedder(client, settings.bedrock_embedding_model)
    from kefu.encoder.bge import shared_encoder

    return shared_encoder()


def remote_retriever_for(settings: Settings) -> Retriever | None:
    """OpenSearch as the candidate retriever when that backend is configured; None for the embedded default."""
    if settings.search_backend != SearchBackend.OPENSEARCH:
        return None
    from kefu.knowledge.opensearch_index import OpenSearchIndex, opensearch_client

    return OpenSearchIndex(opensearch_client(settings), settings.shop_id, embedder_for(settings))
