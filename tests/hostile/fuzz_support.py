"""What the schemathesis fuzz passes share (a uniquely named module: tests/ has several conftest.py); their
``gateway`` fixture is in conftest.py here."""

from __future__ import annotations

from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

TOKEN = "fuzz-token"
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
FUZZ = settings(max_examples=30, deadline=None, database=None, print_blob=True,
                suppress_health_check=list(HealthCheck))
