"""Retrieval: a query, candidates from a retriever (embedded or OpenSearch), one learned ranker for both."""
