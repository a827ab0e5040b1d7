"""All programme pages: importing this module registers every route on the blueprint."""

from talent.programmes.blueprint import bp

__all__ = ["bp"]
from talent.programmes import (
    application_views,  # noqa: F401, E402
    call_views,  # noqa: F401, E402
    decision_views,  # noqa: F401, E402
    placement_views,  # noqa: F401, E402
    review_views,  # noqa: F401, E402
)
