"""All certificate pages: importing this module registers every route on the blueprint."""

from talent.certificates import (  # noqa: F401  (each adds its routes to bp)
    admin_views,
    holder_views,
    issue_views,
    verify_views,
)
from talent.certificates.blueprint import bp

__all__ = ["bp"]
