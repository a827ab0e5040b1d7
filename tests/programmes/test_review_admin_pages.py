"""The programme office's review pages: assignments (automatic and by hand), withdrawal, ranking."""

from __future__ import annotations

from decimal import Decimal

import pytest
from flask import render_template_string
from sqlalchemy import select

from talent.programmes import review_queries
from talent.programmes.models import ApplicationStatus, Review, ReviewStatus
from tests.programmes.review_helpers import scores


@pytest.fixture
def admin_client(app, users, login):
    client = app.test_client()
    login(client, users["admin"])
    return client


def test_assignments_page_shows_load_and_applications_lacking_reviewers(
    db, admin_client, make_call, make_reviewer, submitted
):
    call = make_call(reviewers_per_application=2)
    make_reviewer(display_name="Dr Amina Load")
    submitted(call)

    html = admin_client.get(f"/admin/calls/{call.id}/assignments").get_data(as_text=True)

    assert "Dr Amina Load" in html
    assert "1 of 1 open applications" in html


def test_automatic_assignment_button_shows_the_report(db, admin_client, make_call, make_reviewer, submitted):
    call = make_call(reviewers_per_application=3)
    make_reviewer()  # and the reviewer of the `users` fixture: two reviewers for three places
    application = submitted(call)

    response = admin_client.post(f"/admin/calls/{call.id}/assignments/auto")

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "2 reviews assigned to 1 applications" in html
    assert f"A-{application.id:06d}" in html and "Only 2 of 3 reviewers" in html
    db.session.refresh(application)
    assert application.status == ApplicationStatus.UNDER_REVIEW


def test_manual_assignment_refuses_a_conflict_with_the_reason_next_to_the_field(
    db, admin_client, make_call, make_reviewer, submitted, make_institution
):
    home = make_institution()
    colleague = make_reviewer(institution=home, display_name="Dr Same Place")
    application = submitted(make_call(), institution=home)

    response = admin_client.post(
        f"/admin/applications/{application.id}/reviewers", data={"reviewer_id": colleague.id}
    )

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Dr Same Place cannot review this application: works at the applicant&#39;s institution." in html
    assert db.session.scalars(select(Review)).all() == []


def test_manual_assignment_and_withdrawal(db, admin_client, make_call, make_reviewer, submitted):
    reviewer = make_reviewer()
    application = submitted(make_call())

    response = admin_client.post(
        f"/admin/applications/{application.id}/reviewers",
        data={"reviewer_id": reviewer.id, "next": "/reviews"},
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/reviews")
    review = db.session.scalars(select(Review).where(Review.application_id == application.id)).one()
    assert review.reviewer_id == reviewer.id

    assert admin_client.post(f"/admin/reviews/{review.id}/withdraw").status_code == 302
    db.session.refresh(review)
    assert review.status == ReviewStatus.WITHDRAWN


def test_a_submitted_review_cannot_be_withdrawn(
    db, admin_client, make_call, make_reviewer, submitted, make_review
):
    review = make_review(submitted(make_call()), make_reviewer(), scores=scores())
    response = admin_client.post(f"/admin/reviews/{review.id}/withdraw", follow_redirects=True)
    assert "Only reviews not yet submitted can be withdrawn" in response.get_data(as_text=True)
    db.session.refresh(review)
    assert review.status == ReviewStatus.SUBMITTED


def test_assign_form_include_lists_conflicted_reviewers_disabled(
    db, app, make_call, make_reviewer, submitted, make_institution
):
    home = make_institution()
    make_reviewer(institution=home, display_name="Dr Excluded")
    make_reviewer(display_name="Dr Free")
    application = submitted(make_call(), institution=home)
    with app.test_request_context("/admin"):
        html = render_template_string(
            '{% include "programmes/reviews/_assign_form.html" %}',
            application=application,
            reviewer_choices=review_queries.reviewer_choices(application),
        )
    assert "Dr Free" in html
    assert "disabled>Dr Excluded" in html and "institution" in html


def _ranked(
    call,
    make_application,
    make_person,
    mean,
    country="KE",
    status=ApplicationStatus.UNDER_REVIEW,
    spread=None,
):
    return make_application(
        call=call,
        person=make_person(nationality_code=country),
        status=status,
        score_mean=Decimal(mean) if mean is not None else None,
        score_spread=Decimal(spread)
        if spread is not None
        else (Decimal("0.5") if mean is not None else None),
        review_count=2 if mean is not None else 0,
    )


def test_ranking_best_first_unscored_last_with_outliers_and_filters(
    db, admin_client, make_call, make_application, make_person
):
    call = make_call()
    low = _ranked(call, make_application, make_person, "2.100")
    unscored = _ranked(call, make_application, make_person, None)
    high = _ranked(call, make_application, make_person, "4.800", spread="1.600", country="ET")
    draft = _ranked(call, make_application, make_person, "4.900", status=ApplicationStatus.DRAFT)

    html = admin_client.get(f"/admin/calls/{call.id}/ranking").get_data(as_text=True)
    refs = [f"A-{a.id:06d}" for a in (high, low, unscored)]
    positions = [html.index(ref) for ref in refs]
    assert positions == sorted(positions)
    assert html.count("reviewers disagree") == 1
    assert f"A-{draft.id:06d}" not in html  # drafts are not ranked

    only_ethiopia = admin_client.get(f"/admin/calls/{call.id}/ranking?country=ET").get_data(as_text=True)
    assert refs[0] in only_ethiopia and refs[1] not in only_ethiopia
    submitted_only = admin_client.get(f"/admin/calls/{call.id}/ranking?state=submitted").get_data(
        as_text=True
    )
    assert refs[0] not in submitted_only


def test_ranking_keyset_pages_cover_everything_once(db, make_call, make_application, make_person):
    call = make_call()
    made = {
        _ranked(call, make_application, make_person, mean).id
        for mean in ("3.000", "3.000", "4.000", None, None)
    }
    seen, after = [], None
    while True:
        page = review_queries.ranking_page(call, review_queries.RankingFilter(after=after), per_page=2)
        seen += [row.application.id for row in page.rows]
        after = page.next_cursor
        if after is None:
            break
    assert sorted(seen) == sorted(made) and len(seen) == len(made)


def test_ranking_query_count_does_not_grow(
    db, admin_client, make_call, make_application, make_person, count_queries
):
    call = make_call()
    _ranked(call, make_application, make_person, "3.000")
    with count_queries() as few:
        assert admin_client.get(f"/admin/calls/{call.id}/ranking").status_code == 200
    for n in range(12):
        _ranked(call, make_application, make_person, f"{1 + n % 4}.500" if n % 3 else None)
    with count_queries() as many:
        assert admin_client.get(f"/admin/calls/{call.id}/ranking").status_code == 200
    assert many.count == few.count


def test_assignments_page_query_count_does_not_grow(
    db, admin_client, make_call, make_reviewer, submitted, count_queries
):
    call = make_call()
    make_reviewer()
    submitted(call)
    with count_queries() as few:
        admin_client.get(f"/admin/calls/{call.id}/assignments")
    for _ in range(5):
        make_reviewer()
        submitted(call)
    with count_queries() as many:
        admin_client.get(f"/admin/calls/{call.id}/assignments")
    assert many.count == few.count


def test_outlier_rule():
    assert review_queries.outlier_review_ids({1: Decimal("4.5"), 2: Decimal("4.4"), 3: Decimal("2.0")}) == {3}
    assert review_queries.outlier_review_ids({1: Decimal("3.0")}) == set()
