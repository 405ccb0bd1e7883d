#!/usr/bin/env bash
# Set up (idempotent) or run the single-node OpenSearch used by the adapter's tests.
#   scripts/opensearch-node.sh setup   resolve jars from Maven Central into .opensearch/, compile the launcher
#   scripts/opensearch-node.sh run     start a node on a free loopback port (Ctrl-C stops it)
# Needs Java 17+ and Maven; the jars come from Maven Central (~/.m2 may start empty).
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-.venv/bin/python}"
[ -x "$PY" ] || PY=python3
exec "$PY" tests/opensearch/node.py "${1:-setup}"
