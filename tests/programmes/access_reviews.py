"""Access cases for programme reviews pages and API routes; `test_reviews_access` runs them."""

from tests.access import Case  # noqa: F401

REVIEW_MATRIX: list = []
