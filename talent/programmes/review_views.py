"""Programme pages (reviews)."""

from talent.programmes.blueprint import bp  # noqa: F401
