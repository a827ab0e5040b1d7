"""Every certificate page × every role (anonymous included)."""

from tests.access import check_matrix
from tests.certificates.test_issue_pages import RENDER_MATRIX
from tests.certificates.test_verify_pages import VERIFY_MATRIX

MATRIX = [*VERIFY_MATRIX, *RENDER_MATRIX]


def test_certificate_access_matrix(client_as, certificate_ctx):
    check_matrix(MATRIX, client_as, certificate_ctx)
