"""Access cases for programme applications pages and API routes; `test_applications_access` runs them."""

from tests.access import Case  # noqa: F401

APPLICATION_MATRIX: list = []
