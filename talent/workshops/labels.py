"""Words for workshop states and kinds, in the reader's language."""

from flask_babel import lazy_gettext as _l

from talent.workshops.models import AttendanceStatus, CohortStatus, EnrolmentStatus, SessionKind

ENROLMENT_STATUS = {
    EnrolmentStatus.PENDING: _l("pending approval"),
    EnrolmentStatus.ENROLLED: _l("enrolled"),
    EnrolmentStatus.WAITLISTED: _l("waitlisted"),
    EnrolmentStatus.COMPLETED: _l("completed"),
    EnrolmentStatus.NOT_COMPLETED: _l("not completed"),
    EnrolmentStatus.WITHDRAWN: _l("withdrawn"),
}
COHORT_STATUS = {
    CohortStatus.OPEN: _l("open"),
    CohortStatus.CLOSED: _l("closed"),
    CohortStatus.CANCELLED: _l("cancelled"),
}
ATTENDANCE_STATUS = {
    AttendanceStatus.PRESENT: _l("present"),
    AttendanceStatus.ABSENT: _l("absent"),
    AttendanceStatus.EXCUSED: _l("excused"),
}
SESSION_KIND = {SessionKind.THEORY: _l("theory"), SessionKind.PRACTICE: _l("practice")}
