"""Programme pages (placements)."""

from talent.programmes.blueprint import bp  # noqa: F401
