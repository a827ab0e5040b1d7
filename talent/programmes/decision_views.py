"""Programme pages (decisions)."""

from talent.programmes.blueprint import bp  # noqa: F401
