"""Programme pages (applications)."""

from talent.programmes.blueprint import bp  # noqa: F401
