"""Access cases for programme calls pages and API routes; `test_calls_access` (test_call_pages.py) and
`test_call_api_access` (test_api_calls.py) run them.

The context names a published, open `call`, an unpublished `draft` call and their `programme`. Form
bodies that must name the context's ids are filled in by the URL callables before the requests.
"""

from __future__ import annotations

from datetime import date, timedelta

from tests.access import ROLES, Case, allowed

EVERYONE = {role: 200 for role in ROLES}
SIGNED_IN = allowed({"applicant", "institution", "reviewer", "admin"})
ADMIN = allowed({"admin"})
ADMIN_REDIRECTED = allowed({"admin"}, ok=302)


def call_form_data(programme_id, **overrides) -> dict:
    """A valid call form as the browser sends it: a call open from next week for a month."""
    opens_on = date.today() + timedelta(days=7)
    data = {
        "programme_id": str(programme_id),
        "title": "2028 intake",
        "description": "Master's study in AI.",
        "time_zone": "Asia/Shanghai",
        "opens_on": opens_on.isoformat(),
        "opens_time": "09:00",
        "closes_on": (opens_on + timedelta(days=30)).isoformat(),
        "closes_time": "23:59",
        "nationalities": "",
        "global_south": "y",
        "not_host_country": "y",
        "max_age": "35",
        "min_age": "",
        "min_isced_level": "6",
        "certificate_language": "",
        "required_documents": ["cv", "transcript"],
        "rubric-0-code": "merit",
        "rubric-0-label": "Academic merit",
        "rubric-0-weight": "60",
        "rubric-0-guidance": "Grades and publications.",
        "rubric-1-code": "plan",
        "rubric-1-label": "Quality of the plan",
        "rubric-1-weight": "40",
        "rubric-1-guidance": "",
        "reviewers_per_application": "3",
        "is_blind_review": "y",
        "review_days": "21",
        "quota_total": "10",
        "country_quotas": "KE 2\nET 3",
        "offer_days": "14",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


PROGRAMME_FORM = {
    "kind": "scholarship",
    "name": "Matrix scholarship",
    "description": "",
    "host_country_code": "CN",
    "organiser_id": "",
    "is_active": "y",
}

_NEW_CALL: dict = {}
_EDIT_CALL: dict = {}


def _fill(target: dict, url: str, programme_id: int, **overrides):
    target.clear()
    target.update(call_form_data(programme_id, **overrides))
    return url


CALL_PAGE_MATRIX = [
    Case("GET", "/calls", EVERYONE),
    Case("GET", "/calls/<int:call_id>", EVERYONE, url=lambda ctx: f"/calls/{ctx['call'].id}"),
    Case(
        "GET",
        "/calls/<int:call_id>/eligibility",
        SIGNED_IN,
        url=lambda ctx: f"/calls/{ctx['call'].id}/eligibility",
    ),
    Case("GET", "/admin/programmes", ADMIN),
    Case("GET", "/admin/programmes/new", ADMIN),
    Case("POST", "/admin/programmes/new", ADMIN_REDIRECTED, data=PROGRAMME_FORM),
    Case(
        "GET",
        "/admin/programmes/<int:programme_id>/edit",
        ADMIN,
        url=lambda ctx: f"/admin/programmes/{ctx['programme'].id}/edit",
    ),
    Case(
        "POST",
        "/admin/programmes/<int:programme_id>/edit",
        ADMIN_REDIRECTED,
        url=lambda ctx: f"/admin/programmes/{ctx['programme'].id}/edit",
        data={**PROGRAMME_FORM, "name": "Matrix scholarship, renamed"},
    ),
    Case("GET", "/admin/calls", ADMIN),
    Case("GET", "/admin/calls/new", ADMIN),
    Case(
        "POST",
        "/admin/calls/new",
        ADMIN_REDIRECTED,
        url=lambda ctx: _fill(_NEW_CALL, "/admin/calls/new", ctx["programme"].id),
        data=_NEW_CALL,
    ),
    Case(
        "GET", "/admin/calls/<int:call_id>/edit", ADMIN, url=lambda ctx: f"/admin/calls/{ctx['call'].id}/edit"
    ),
    Case(
        "POST",
        "/admin/calls/<int:call_id>/edit",
        ADMIN_REDIRECTED,
        url=lambda ctx: _fill(
            _EDIT_CALL,
            f"/admin/calls/{ctx['call'].id}/edit",
            ctx["call"].programme_id,
            opens_on=(date.today() - timedelta(days=7)).isoformat(),
        ),
        data=_EDIT_CALL,
    ),
    Case(
        "POST",
        "/admin/calls/<int:call_id>/publish",
        ADMIN_REDIRECTED,
        url=lambda ctx: f"/admin/calls/{ctx['draft'].id}/publish",
    ),
]

CALL_API_MATRIX = [
    Case("GET", "/api/v1/calls", EVERYONE),
    Case("GET", "/api/v1/calls/<int:call_id>", EVERYONE, url=lambda ctx: f"/api/v1/calls/{ctx['call'].id}"),
]

CALL_MATRIX = [*CALL_PAGE_MATRIX, *CALL_API_MATRIX]
