"""Access cases for programme applications pages and API routes; `test_applications_access` runs them.

The context (see `matrix_context` in test_application_pages.py) holds three applications of the
`applicant` role's user: a draft with a CV (`draft`), a submitted one with a document
(`submitted`) and a rejected one (`rejected`). Every POST is sent so that the rules refuse it (422
or 409) or change nothing (302: resuming the draft), which proves the role got past the access
check without changing what the next case sees. Others' applications answer 404, like ids that
do not exist; the programme office may read them but not change them (403).
"""

from tests.access import Case, allowed

# A raw multipart body (a file object would be used up by the first role's request).
_BOUNDARY = "matrix-boundary"
_EXE_UPLOAD = (
    f'--{_BOUNDARY}\r\nContent-Disposition: form-data; name="type"\r\n\r\ncv\r\n'
    f'--{_BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="cv.pdf"\r\n'
    f"Content-Type: application/pdf\r\n\r\nMZ\x90\x00 not a pdf\r\n--{_BOUNDARY}--\r\n"
).encode()

OWN_OR_HIDDEN = {"anonymous": 302, "institution": 404, "reviewer": 404}
API_OWN_OR_HIDDEN = {"anonymous": 401, "institution": 404, "reviewer": 404}


def _url(key: str, suffix: str = ""):
    return lambda c: f"/applications/{c[key].id}{suffix}"


def _api(key: str, suffix: str = ""):
    return lambda c: f"/api/v1/applications/{c[key].id}{suffix}"


PAGE_CASES = [
    Case(
        "POST",
        "/calls/<int:call_id>/apply",
        allowed({"applicant"}, ok=302),  # resumes the draft they have
        url=lambda c: f"/calls/{c['draft'].call_id}/apply",
    ),
    Case(
        "GET",
        "/applications/<int:application_id>",
        {**OWN_OR_HIDDEN, "applicant": 200, "admin": 200},
        url=_url("draft"),
    ),
    Case(
        "POST",
        "/applications/<int:application_id>",
        {**OWN_OR_HIDDEN, "applicant": 422, "admin": 403},  # a referee without a valid e-mail
        url=_url("draft"),
        data={"statement": "Changed", "referees-0-name": "Dr X", "referees-0-email": "not-an-address"},
    ),
    Case(
        "POST",
        "/applications/<int:application_id>/documents",
        {**OWN_OR_HIDDEN, "applicant": 422, "admin": 403},  # no file chosen
        url=_url("draft", "/documents"),
        data={"doc_type": "cv"},
    ),
    Case(
        "GET",
        "/applications/<int:application_id>/documents/<int:document_id>",
        {**OWN_OR_HIDDEN, "applicant": 200, "admin": 200},
        url=lambda c: f"/applications/{c['draft'].id}/documents/{c['draft_document'].id}",
    ),
    Case(
        "POST",
        "/applications/<int:application_id>/documents/<int:document_id>/delete",
        {**OWN_OR_HIDDEN, "applicant": 409, "admin": 403},  # submitted: its documents are locked
        url=lambda c: f"/applications/{c['submitted'].id}/documents/{c['submitted_document'].id}/delete",
    ),
    Case(
        "POST",
        "/applications/<int:application_id>/submit",
        {**OWN_OR_HIDDEN, "applicant": 422, "admin": 403},  # the transcript is missing
        url=_url("draft", "/submit"),
    ),
    Case(
        "GET",
        "/applications/<int:application_id>/withdraw",
        {**OWN_OR_HIDDEN, "applicant": 200, "admin": 403},
        url=_url("draft", "/withdraw"),
    ),
    Case(
        "POST",
        "/applications/<int:application_id>/withdraw",
        {**OWN_OR_HIDDEN, "applicant": 409, "admin": 403},  # already decided
        url=_url("rejected", "/withdraw"),
    ),
    Case("GET", "/my/applications", allowed({"applicant", "institution", "reviewer", "admin"})),
    Case(
        "POST",
        "/admin/applications/<int:application_id>/extension",
        allowed({"admin"}, ok=422),  # no date given
        url=lambda c: f"/admin/applications/{c['draft'].id}/extension",
    ),
]

API_CASES = [
    Case(
        "POST",
        "/api/v1/calls/<int:call_id>/applications",
        allowed({"applicant"}, anonymous=401),  # 200: the draft they already have
        url=lambda c: f"/api/v1/calls/{c['draft'].call_id}/applications",
    ),
    Case(
        "GET",
        "/api/v1/applications",
        allowed({"applicant", "institution", "reviewer", "admin"}, anonymous=401),
    ),
    Case(
        "GET",
        "/api/v1/applications/<int:application_id>",
        {**API_OWN_OR_HIDDEN, "applicant": 200, "admin": 200},
        url=_api("draft"),
    ),
    Case(
        "PATCH",
        "/api/v1/applications/<int:application_id>",
        {**API_OWN_OR_HIDDEN, "applicant": 422, "admin": 403},
        url=_api("draft"),
        json={"referees": [{"name": "Dr X", "email": "not-an-address"}]},
    ),
    Case(
        "POST",
        "/api/v1/applications/<int:application_id>/documents",
        {**API_OWN_OR_HIDDEN, "applicant": 422, "admin": 403},  # not a PDF, PNG or JPEG
        url=_api("draft", "/documents"),
        data=_EXE_UPLOAD,
        headers={"Content-Type": f"multipart/form-data; boundary={_BOUNDARY}"},
    ),
    Case(
        "POST",
        "/api/v1/applications/<int:application_id>/submit",
        {**API_OWN_OR_HIDDEN, "applicant": 422, "admin": 403},
        url=_api("draft", "/submit"),
    ),
    Case(
        "POST",
        "/api/v1/applications/<int:application_id>/withdraw",
        {**API_OWN_OR_HIDDEN, "applicant": 409, "admin": 403},
        url=_api("rejected", "/withdraw"),
    ),
]

APPLICATION_MATRIX: list = [*PAGE_CASES, *API_CASES]
