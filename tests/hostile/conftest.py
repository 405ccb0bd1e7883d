"""Hostile and broken input: hypothesis strategies shared by the tests here (see hostile_strategies.py)."""

from __future__ import annotations

from hypothesis import HealthCheck, settings

# Bounded so the suite stays fast; no example database written into the work tree (print_blob reproduces
# a failure instead). Fixtures are set up once per test and shared by its examples on purpose: the tests
# measure what each example adds to the queue, not absolute state.
settings.register_profile(
    "hostile",
    max_examples=60,
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
