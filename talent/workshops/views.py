"""All workshop pages: importing this module registers every route on the blueprint."""

from talent.workshops.blueprint import bp

__all__ = ["bp"]
from talent.workshops import (
    course_views,  # noqa: F401, E402
    dashboard_views,  # noqa: F401, E402
    enrolment_views,  # noqa: F401, E402
    import_views,  # noqa: F401, E402
    roster_views,  # noqa: F401, E402
    waitlist_views,  # noqa: F401, E402
)
