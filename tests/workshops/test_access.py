"""Every workshop route × every role (anonymous included)."""

from tests.access import check_matrix
from tests.workshops.test_course_pages import COURSE_MATRIX
from tests.workshops.test_enrolment_pages import ENROLMENT_MATRIX
from tests.workshops.test_import_pages import IMPORT_MATRIX
from tests.workshops.test_roster_pages import ROSTER_MATRIX

MATRIX = [*COURSE_MATRIX, *ENROLMENT_MATRIX, *IMPORT_MATRIX, *ROSTER_MATRIX]


def test_workshop_access_matrix(client_as, workshop_ctx):
    check_matrix(MATRIX, client_as, workshop_ctx)
