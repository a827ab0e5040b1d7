"""Access cases for programme decisions pages and API routes; `test_decisions_access` runs them.

`ctx` (made in tests/programmes/test_decision_access.py) holds a call, a submitted application,
an application with a pending offer owned by the "applicant" role's user, and placements hosted
by the "institution" role's user's institution. Allowed roles get past the access check to a
harmless refusal where a real change would spoil the next role's request (422: a date in the
future; 409: completion before arrival).
"""

from tests.access import Case, allowed

ADMIN_PAGE = allowed({"admin"})
ADMIN_POST = allowed({"admin"}, ok=302)
HOSTS = {"anonymous": 302, "applicant": 403, "institution": 200, "reviewer": 403, "admin": 200}

DECISION_PAGE_CASES = [
    Case("GET", "/admin/calls/<int:call_id>", ADMIN_PAGE, url=lambda c: f"/admin/calls/{c['call'].id}"),
    Case(
        "GET",
        "/admin/calls/<int:call_id>/applications",
        ADMIN_PAGE,
        url=lambda c: f"/admin/calls/{c['call'].id}/applications",
    ),
    Case(
        "GET",
        "/admin/calls/<int:call_id>/export",
        ADMIN_PAGE,
        url=lambda c: f"/admin/calls/{c['call'].id}/export?format=csv",
    ),
    Case(
        "GET",
        "/admin/applications/<int:application_id>",
        ADMIN_PAGE,
        url=lambda c: f"/admin/applications/{c['submitted'].id}",
    ),
    Case(
        "POST",
        "/admin/applications/<int:application_id>/decision",
        ADMIN_POST,
        url=lambda c: f"/admin/applications/{c['submitted'].id}/decision",
        data={"decision": "waitlisted"},
    ),
    Case(
        "POST",
        "/admin/calls/<int:call_id>/decisions",
        {**ADMIN_POST, "admin": 409},  # an application of no call: refused, nothing changed
        url=lambda c: f"/admin/calls/{c['call'].id}/decisions",
        data={"decision": "rejected", "application_ids": "999999999"},
    ),
    Case(
        "POST",
        "/applications/<int:application_id>/offer",
        {"anonymous": 302, "applicant": 302, "institution": 403, "reviewer": 403, "admin": 403},
        url=lambda c: f"/applications/{c['offered'].id}/offer",
        data={"answer": "accept"},
    ),
    Case(
        "GET",
        "/admin/applications/<int:application_id>/placement",
        ADMIN_PAGE,
        url=lambda c: f"/admin/applications/{c['placed'].id}/placement",
    ),
    Case(
        "POST",
        "/admin/applications/<int:application_id>/placement",
        {**ADMIN_POST, "admin": 422},  # no supervisor named: refused next to the field, nothing made
        url=lambda c: f"/admin/applications/{c['placed'].id}/placement",
        data={"supervisor_name": ""},
    ),
    Case("GET", "/placements", HOSTS),
    Case(
        "POST",
        "/placements/<int:placement_id>/arrival",
        {**HOSTS, "institution": 422, "admin": 422},
        url=lambda c: f"/placements/{c['placement'].id}/arrival",
        data={"on": "2999-01-01"},
    ),
    Case(
        "POST",
        "/placements/<int:placement_id>/completion",
        {**HOSTS, "institution": 409, "admin": 409},
        url=lambda c: f"/placements/{c['placement'].id}/completion",
        data={"on": "2000-01-01"},
    ),
]

API_ADMIN = {"anonymous": 401, "applicant": 403, "institution": 403, "reviewer": 403, "admin": 200}

DECISION_API_CASES = [
    Case(
        "POST",
        "/api/v1/applications/<int:application_id>/decision",
        API_ADMIN,
        url=lambda c: f"/api/v1/applications/{c['submitted_api'].id}/decision",
        json={"decision": "waitlisted"},
    ),
    Case(
        "POST",
        "/api/v1/applications/<int:application_id>/offer",
        {"anonymous": 401, "applicant": 200, "institution": 403, "reviewer": 403, "admin": 403},
        url=lambda c: f"/api/v1/applications/{c['offered_api'].id}/offer",
        json={"answer": "accept"},
    ),
]

DECISION_MATRIX = [*DECISION_PAGE_CASES, *DECISION_API_CASES]
