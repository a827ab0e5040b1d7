"""Access cases for programme decisions pages and API routes; `test_decisions_access` runs them."""

from tests.access import Case  # noqa: F401

DECISION_MATRIX: list = []
