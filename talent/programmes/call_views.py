"""Programme pages (calls)."""

from talent.programmes.blueprint import bp  # noqa: F401
