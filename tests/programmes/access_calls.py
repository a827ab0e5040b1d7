"""Access cases for programme calls pages and API routes; `test_calls_access` runs them."""

from tests.access import Case  # noqa: F401

CALL_MATRIX: list = []
