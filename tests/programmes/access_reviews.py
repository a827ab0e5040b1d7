"""Access cases for programme reviews pages and API routes; `test_reviews_access` runs them.

Page cases run with `client_as`, API cases with `api_client_as`; both lists make up REVIEW_MATRIX.
The context (`review_access_ctx` in test_review_pages) gives the reviewer role's user two reviews
of their own: one to score, one to declare a conflict on (that case runs last of theirs).
"""

from tests.access import Case, allowed

REVIEWER_ONLY = allowed({"reviewer"})
ADMIN_ONLY = allowed({"admin"})
SCORES = {"score-merit": "4", "score-plan": "3", "score-impact": "5", "comment": "Solid."}

REVIEW_PAGE_MATRIX = [
    Case("GET", "/reviews", REVIEWER_ONLY),
    Case("GET", "/reviews/<int:review_id>", REVIEWER_ONLY, url=lambda c: f"/reviews/{c['review']}"),
    Case(
        "POST",
        "/reviews/<int:review_id>",
        allowed({"reviewer"}, ok=302),
        url=lambda c: f"/reviews/{c['review']}",
        data=SCORES,
    ),
    Case("GET", "/reviews/conflicts", REVIEWER_ONLY),
    Case("POST", "/reviews/conflicts", allowed({"reviewer"}, ok=422), data={"reason": ""}),
    Case(
        "POST",
        "/reviews/<int:review_id>/conflict",
        allowed({"reviewer"}, ok=302),
        url=lambda c: f"/reviews/{c['conflict_review']}/conflict",
        data={"reason": "A former student of mine"},
    ),
    Case(
        "GET",
        "/admin/calls/<int:call_id>/assignments",
        ADMIN_ONLY,
        url=lambda c: f"/admin/calls/{c['call']}/assignments",
    ),
    Case(
        "POST",
        "/admin/calls/<int:call_id>/assignments/auto",
        ADMIN_ONLY,
        url=lambda c: f"/admin/calls/{c['call']}/assignments/auto",
    ),
    Case(
        "POST",
        "/admin/applications/<int:application_id>/reviewers",
        allowed({"admin"}, ok=422),
        url=lambda c: f"/admin/applications/{c['application']}/reviewers",
        data={},
    ),
    Case(
        "POST",
        "/admin/reviews/<int:review_id>/withdraw",
        allowed({"admin"}, ok=302),
        url=lambda c: f"/admin/reviews/{c['other_review']}/withdraw",
    ),
    Case(
        "GET",
        "/admin/calls/<int:call_id>/ranking",
        ADMIN_ONLY,
        url=lambda c: f"/admin/calls/{c['call']}/ranking",
    ),
]

API_REVIEWER_ONLY = allowed({"reviewer"}, anonymous=401)

REVIEW_API_MATRIX = [
    Case("GET", "/api/v1/reviews", API_REVIEWER_ONLY),
    Case(
        "PUT",
        "/api/v1/reviews/<int:review_id>",
        API_REVIEWER_ONLY,
        url=lambda c: f"/api/v1/reviews/{c['review']}",
        json={"scores": {"merit": 5, "plan": 4, "impact": 3}, "comment": "Good."},
    ),
]

REVIEW_MATRIX: list = [*REVIEW_PAGE_MATRIX, *REVIEW_API_MATRIX]
