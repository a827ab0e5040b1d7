"""Reviewer pages (queue, blind review, scoring, conflicts) and the access matrix of the review routes."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from talent.core.db import utcnow
from talent.programmes import review_scores
from talent.programmes import reviews as operations
from talent.programmes.models import ApplicationStatus, Review, ReviewerConflict, ReviewStatus
from tests.access import check_matrix
from tests.programmes.access_reviews import REVIEW_API_MATRIX, REVIEW_PAGE_MATRIX
from tests.programmes.review_helpers import scores


@pytest.fixture
def review_access_ctx(db, users, make_call, submitted, make_reviewer, make_review):
    call = make_call()
    mine = make_review(submitted(call), users["reviewer"])
    to_conflict = make_review(submitted(call), users["reviewer"])
    other = make_review(submitted(call), make_reviewer())
    return {
        "call": call.id,
        "review": mine.id,
        "conflict_review": to_conflict.id,
        "application": mine.application_id,
        "other_review": other.id,
    }


def test_reviews_access(client_as, api_client_as, review_access_ctx):
    check_matrix(REVIEW_PAGE_MATRIX, client_as, review_access_ctx)
    check_matrix(REVIEW_API_MATRIX, api_client_as, review_access_ctx)


@pytest.fixture
def reviewer_client(app, users, login):
    client = app.test_client()
    login(client, users["reviewer"])
    return client


def test_queue_shows_due_dates_flags_overdue_and_hides_names(
    db, users, reviewer_client, make_call, make_review, make_person, make_application
):
    call = make_call(title="Blind intake 2027")
    person = make_person(name_latin="Zeynab Hidden-Name", email="zeynab@example.org")
    application = make_application(call=call, person=person, status=ApplicationStatus.UNDER_REVIEW)
    make_review(application, users["reviewer"], due_at=utcnow() - timedelta(days=2))

    html = reviewer_client.get("/reviews").get_data(as_text=True)

    assert operations.reference(application.id) in html
    assert "Blind intake 2027" in html
    assert "overdue" in html
    assert "Zeynab" not in html and "zeynab@example.org" not in html


def test_queue_query_count_does_not_grow(
    db, users, reviewer_client, make_call, submitted, make_review, count_queries
):
    call = make_call()
    make_review(submitted(call), users["reviewer"])
    with count_queries() as few:
        assert reviewer_client.get("/reviews").status_code == 200
    for _ in range(8):
        make_review(submitted(call), users["reviewer"])
    with count_queries() as many:
        assert reviewer_client.get("/reviews").status_code == 200
    assert many.count == few.count


def test_blind_review_page_reveals_nothing_identifying(
    db, users, reviewer_client, make_call, make_person, make_institution, make_application, make_review
):
    institution = make_institution(name="Mekelle Institute of Technology")
    person = make_person(
        name_latin="Tigist Identifiable",
        email="tigist@example.org",
        affiliation_id=institution.id,
        nationality_code="ET",
    )
    call = make_call(is_blind_review=True)
    application = make_application(call=call, person=person, status=ApplicationStatus.UNDER_REVIEW)
    review = make_review(application, users["reviewer"])

    response = reviewer_client.get(f"/reviews/{review.id}")
    html = response.get_data(as_text=True)

    assert response.status_code == 200
    assert operations.reference(application.id) in html
    assert "speech recognition for Amharic" in html  # the statement is shown
    for secret in (
        "Tigist",
        "tigist@example.org",
        "Mekelle Institute of Technology",
        "Ethiopia",
        "Prof. Alemu",
        "alemu@",
    ):
        assert secret not in html
    for criterion in ("Academic merit", "Grades, publications, awards."):
        assert criterion in html


def test_open_review_page_shows_the_applicant(
    db, users, reviewer_client, make_call, make_person, make_application, make_review
):
    person = make_person(name_latin="Kwame Visible")
    application = make_application(
        call=make_call(is_blind_review=False), person=person, status=ApplicationStatus.UNDER_REVIEW
    )
    review = make_review(application, users["reviewer"])
    assert "Kwame Visible" in reviewer_client.get(f"/reviews/{review.id}").get_data(as_text=True)


def test_someone_elses_or_conflicted_review_is_refused(
    db, users, reviewer_client, make_call, submitted, make_review, make_reviewer
):
    call = make_call()
    theirs = make_review(submitted(call), make_reviewer())
    conflicted = make_review(
        submitted(call), users["reviewer"], status=ReviewStatus.CONFLICT, conflict_reason="x"
    )
    for review in (theirs, conflicted):
        response = reviewer_client.get(f"/reviews/{review.id}")
        assert response.status_code == 403
        assert "speech recognition" not in response.get_data(as_text=True)
    assert reviewer_client.post(f"/reviews/{theirs.id}", data={"score-merit": "5"}).status_code == 403
    assert reviewer_client.get("/reviews/999999").status_code == 404


def test_scoring_needs_every_criterion_from_1_to_5(
    db, users, reviewer_client, make_call, submitted, make_review
):
    review = make_review(submitted(make_call()), users["reviewer"])

    response = reviewer_client.post(f"/reviews/{review.id}", data={"score-merit": "4", "score-plan": "9"})

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Choose a score from 1 to 5." in html or "Not a valid choice" in html
    db.session.refresh(review)
    assert review.status == ReviewStatus.ASSIGNED and review.scores == {}


def test_submitting_shows_the_weighted_score_and_updates_the_ranking_figures(
    db, users, reviewer_client, make_call, submitted, make_review, make_reviewer
):
    application = submitted(make_call())
    make_review(application, make_reviewer(), scores=scores(2, 2, 2))
    review = make_review(application, users["reviewer"])

    response = reviewer_client.post(
        f"/reviews/{review.id}",
        data={"score-merit": "4", "score-plan": "3", "score-impact": "5", "comment": "Strong plan."},
        follow_redirects=True,
    )

    assert response.status_code == 200
    assert "3.900" in response.get_data(as_text=True)  # 4×.40 + 3×.35 + 5×.25
    db.session.refresh(application)
    assert application.review_count == 2
    assert application.score_mean == Decimal("2.950")
    assert application.score_spread == Decimal("1.900")


def test_a_review_can_be_revised_until_the_application_is_decided(
    db, users, reviewer_client, make_call, submitted, make_review
):
    application = submitted(make_call())
    review = make_review(application, users["reviewer"], scores=scores(1, 1, 1))
    data = {"score-merit": "5", "score-plan": "5", "score-impact": "5"}
    assert reviewer_client.post(f"/reviews/{review.id}", data=data).status_code == 302
    db.session.refresh(application)
    assert application.score_mean == Decimal("5.000")

    application.status = ApplicationStatus.REJECTED
    db.session.commit()
    response = reviewer_client.post(f"/reviews/{review.id}", data={**data, "score-merit": "1"})
    assert response.status_code == 422
    assert "can no longer change" in response.get_data(as_text=True)
    db.session.refresh(review)
    assert review.scores["merit"] == 5
    with pytest.raises(Exception, match="can no longer change"):
        review_scores.submit_review(review, scores(1, 1, 1), "")


def test_declaring_a_conflict_needs_a_reason_and_replaces_the_reviewer(
    db, users, reviewer_client, make_call, submitted, make_review, make_reviewer
):
    application = submitted(make_call(reviewers_per_application=1))
    review = make_review(application, users["reviewer"])
    replacement = make_reviewer()

    empty = reviewer_client.post(f"/reviews/{review.id}/conflict", data={"reason": ""})
    assert empty.status_code == 422
    db.session.refresh(review)
    assert review.status == ReviewStatus.ASSIGNED

    response = reviewer_client.post(
        f"/reviews/{review.id}/conflict", data={"reason": "My former student"}, follow_redirects=True
    )
    assert "another reviewer has been assigned" in response.get_data(as_text=True)
    db.session.refresh(review)
    assert review.status == ReviewStatus.CONFLICT
    assert db.session.scalars(
        select(Review.reviewer_id).where(
            Review.application_id == application.id, Review.status == ReviewStatus.ASSIGNED
        )
    ).all() == [replacement.id]
    assert reviewer_client.get(f"/reviews/{review.id}").status_code == 403


def test_standing_conflicts_by_institution_or_e_mail(
    db, users, reviewer_client, make_institution, make_person
):
    school = make_institution(name="University of Nairobi")
    make_person(email="known@example.org")

    assert reviewer_client.post("/reviews/conflicts", data={"reason": "Both?"}).status_code == 422
    unknown = reviewer_client.post(
        "/reviews/conflicts", data={"email": "nobody@example.org", "reason": "Friend"}
    )
    assert unknown.status_code == 422 and "Nobody with this e-mail" in unknown.get_data(as_text=True)

    assert (
        reviewer_client.post(
            "/reviews/conflicts", data={"institution_id": str(school.id), "reason": "I teach there"}
        ).status_code
        == 302
    )
    assert (
        reviewer_client.post(
            "/reviews/conflicts", data={"email": "known@example.org", "reason": "A friend"}
        ).status_code
        == 302
    )

    page = reviewer_client.get("/reviews/conflicts").get_data(as_text=True)
    assert "University of Nairobi" in page and "I teach there" in page
    assert len(db.session.scalars(select(ReviewerConflict)).all()) == 2
