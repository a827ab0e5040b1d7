"""GET /api/v1/reviews and PUT /api/v1/reviews/{id}."""

from __future__ import annotations

from decimal import Decimal

from talent.programmes.models import ApplicationStatus, ReviewStatus


def test_my_reviews_are_listed_without_identifying_data(
    db, api_client_as, users, make_call, make_person, make_application, make_review, make_reviewer
):
    person = make_person(name_latin="Farah Private", email="farah@example.org")
    application = make_application(call=make_call(), person=person, status=ApplicationStatus.UNDER_REVIEW)
    mine = make_review(application, users["reviewer"])
    make_review(application, make_reviewer())

    response = api_client_as("reviewer").get("/api/v1/reviews?limit=1")

    assert response.status_code == 200
    body = response.get_json()
    assert [item["id"] for item in body["items"]] == [mine.id]
    assert body["items"][0]["reference"] == f"A-{application.id:06d}"
    assert body["next"] is None
    assert "Farah" not in response.get_data(as_text=True) and "farah@" not in response.get_data(as_text=True)


def test_scoring_answers_the_review_with_its_weighted_score(
    db, api_client_as, users, make_call, submitted, make_review
):
    application = submitted(make_call())
    review = make_review(application, users["reviewer"])

    response = api_client_as("reviewer").put(
        f"/api/v1/reviews/{review.id}",
        json={"scores": {"merit": 4, "plan": 3, "impact": 5}, "comment": "Good"},
    )

    assert response.status_code == 200
    assert response.get_json()["weighted_score"] == "3.900"
    assert response.get_json()["status"] == ReviewStatus.SUBMITTED
    db.session.refresh(application)
    assert application.score_mean == Decimal("3.900") and application.review_count == 1


def test_bad_scores_answer_422_naming_each_bad_criterion(
    db, api_client_as, users, make_call, submitted, make_review
):
    review = make_review(submitted(make_call()), users["reviewer"])

    response = api_client_as("reviewer").put(
        f"/api/v1/reviews/{review.id}", json={"scores": {"merit": 6, "plan": "x", "style": 3}}
    )

    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    errors = response.get_json()["errors"]["scores"]
    assert set(errors) == {"merit", "plan", "impact", "style"}
    db.session.refresh(review)
    assert review.status == ReviewStatus.ASSIGNED


def test_someone_elses_review_is_forbidden(
    db, api_client_as, make_call, submitted, make_review, make_reviewer
):
    review = make_review(submitted(make_call()), make_reviewer())
    response = api_client_as("reviewer").put(
        f"/api/v1/reviews/{review.id}", json={"scores": {"merit": 4, "plan": 3, "impact": 5}}
    )
    assert response.status_code == 403
    assert api_client_as("reviewer").put("/api/v1/reviews/999999", json={"scores": {}}).status_code == 404


def test_decided_application_refuses_a_revision(
    db, api_client_as, users, make_call, make_application, make_review
):
    application = make_application(call=make_call(), status=ApplicationStatus.WAITLISTED)
    review = make_review(application, users["reviewer"], scores={"merit": 3, "plan": 3, "impact": 3})
    response = api_client_as("reviewer").put(
        f"/api/v1/reviews/{review.id}", json={"scores": {"merit": 5, "plan": 5, "impact": 5}}
    )
    assert response.status_code == 409
    assert "can no longer change" in response.get_json()["detail"]
