"""Applicant pages: start or resume, the draft form, withdrawal, my applications, extensions."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from talent.core.db import utcnow
from talent.core.models import Notification
from talent.programmes.models import (
    Application,
    ApplicationStatus,
    ReviewStatus,
)
from tests.access import check_matrix
from tests.programmes.access_applications import API_CASES, PAGE_CASES
from tests.programmes.application_helpers import (
    add_document,
    audit_actions,
    body_of,
    person_of,
    snapshot,
)


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


@pytest.fixture
def matrix_context(db, users, make_person, make_call, make_application):
    person = make_person(user_id=users["applicant"].id, nationality_code="KE")
    draft = make_application(person=person, call=make_call())
    submitted = make_application(person=person, call=make_call(), status=ApplicationStatus.SUBMITTED)
    rejected = make_application(person=person, call=make_call(), status=ApplicationStatus.REJECTED)
    return {
        "draft": draft,
        "draft_document": add_document(db, draft),
        "submitted": submitted,
        "submitted_document": add_document(db, submitted),
        "rejected": rejected,
    }


def test_applications_access(client_as, matrix_context):
    before = {
        key: snapshot(value.id) for key, value in matrix_context.items() if key.endswith(("draft", "ed"))
    }
    check_matrix(PAGE_CASES, client_as, matrix_context)
    assert {key: snapshot(matrix_context[key].id) for key in before} == before


def test_applications_api_access(api_client_as, matrix_context):
    before = {
        key: snapshot(value.id) for key, value in matrix_context.items() if key.endswith(("draft", "ed"))
    }
    check_matrix(API_CASES, api_client_as, matrix_context)
    assert {key: snapshot(matrix_context[key].id) for key in before} == before


# --- start ---------------------------------------------------------------------------------


def test_starting_without_a_profile_sends_the_applicant_to_their_profile(
    client, make_user, make_call, login, db
):
    user = make_user("applicant")
    login(client, user)
    call = make_call()
    response = client.post(f"/calls/{call.id}/apply", follow_redirects=True)
    assert response.request.path == "/profile" or "profile" in response.request.path
    assert "Create your profile first" in text_of(response)
    assert db.session.scalar(select(func.count()).select_from(Application)) == 0


def test_start_creates_one_draft_and_starting_again_resumes_it(
    applicant_client, applicant, make_call, db, outbox
):
    call = make_call()
    first = applicant_client.post(f"/calls/{call.id}/apply")
    assert first.status_code == 302
    again = applicant_client.post(f"/calls/{call.id}/apply", follow_redirects=True)
    assert "You already have an application to this call" in text_of(again)
    person = person_of(applicant)
    rows = db.session.scalars(select(Application).where(Application.person_id == person.id)).all()
    assert len(rows) == 1 and rows[0].status == ApplicationStatus.DRAFT
    assert first.headers["Location"].endswith(f"/applications/{rows[0].id}")
    assert audit_actions(rows[0].id) == ["application.started"]
    (mail,) = outbox(applicant.email)
    assert "Finish and submit it by" in body_of(mail) and "(Africa/Nairobi)" in body_of(mail)


def test_a_closed_call_takes_no_new_application(applicant_client, make_call, db):
    now = utcnow()
    call = make_call(opens_at=now - timedelta(days=30), closes_at=now - timedelta(hours=1))
    response = applicant_client.post(f"/calls/{call.id}/apply", follow_redirects=True)
    assert "it takes no new applications" in text_of(response)
    assert db.session.scalar(select(func.count()).where(Application.call_id == call.id)) == 0


def test_an_unpublished_call_is_not_found(applicant_client, make_call):
    call = make_call(is_published=False)
    assert applicant_client.post(f"/calls/{call.id}/apply").status_code == 404


# --- the draft -----------------------------------------------------------------------------


def _draft(make_application, applicant, **kw):
    return make_application(person=person_of(applicant), **kw)


def test_the_draft_is_saved_with_referees(applicant_client, applicant, make_application, db):
    application = _draft(make_application, applicant)
    response = applicant_client.post(
        f"/applications/{application.id}",
        data={
            "statement": "  Better speech recognition for Amharic.  ",
            "plan": "Year 1: courses.",
            "referees-0-name": "Prof. Alemu",
            "referees-0-email": "Alemu@Example.org",
            "referees-0-institution": "AAU",
            "referees-1-name": "Dr. Wanjiru",
            "referees-1-email": "wanjiru@example.ke",
        },
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "Your draft is saved." in text_of(response)
    db.session.refresh(application)
    assert application.statement == "Better speech recognition for Amharic."
    assert application.referees == [
        {"name": "Prof. Alemu", "email": "alemu@example.org", "institution": "AAU"},
        {"name": "Dr. Wanjiru", "email": "wanjiru@example.ke", "institution": ""},
    ]
    assert audit_actions(application.id) == ["application.saved"]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"referees-0-name": "Dr X", "referees-0-email": "not-an-address"},
            "referees-0-email",
            "Not a valid e-mail",
        ),
        ({"referees-1-email": "x@example.org"}, "referees-1-name", "Give the referee's name"),
        ({"referees-2-name": "Dr Y"}, "referees-2-email", "Give the referee's e-mail address"),
        ({"statement": "x" * 8001}, "statement", "8000"),
        ({"plan": "x" * 12001}, "plan", "12000"),
    ],
)
def test_bad_draft_input_is_shown_next_to_the_field_and_nothing_changes(
    applicant_client, applicant, make_application, data, field, message
):
    application = _draft(make_application, applicant)
    before = snapshot(application.id)
    response = applicant_client.post(f"/applications/{application.id}", data={"statement": "New", **data})
    assert response.status_code == 422
    page = text_of(response)
    assert f'id="{field}-error"' in page
    error = page.split(f'id="{field}-error">', 1)[1].split("</p>", 1)[0]
    assert message in error
    assert snapshot(application.id) == before


@pytest.mark.parametrize("status", [ApplicationStatus.SUBMITTED, ApplicationStatus.UNDER_REVIEW])
def test_editing_a_submitted_application_is_refused(applicant_client, applicant, make_application, status):
    application = _draft(make_application, applicant, status=status)
    before = snapshot(application.id)
    response = applicant_client.post(
        f"/applications/{application.id}", data={"statement": "Rewritten after the deadline"}
    )
    assert response.status_code == 409
    assert "can no longer be changed. Only drafts can be edited." in text_of(response)
    assert snapshot(application.id) == before


def test_a_submitted_application_is_shown_read_only(applicant_client, applicant, make_application):
    application = _draft(make_application, applicant, status=ApplicationStatus.SUBMITTED)
    page = text_of(applicant_client.get(f"/applications/{application.id}"))
    assert "I want to build speech recognition for Amharic." in page
    assert "<textarea" not in page and "Submit my application" not in page
    assert "Waiting for the review" in page


def test_an_applicant_cannot_open_anothers_application(
    client, make_user, make_person, make_application, login
):
    other = make_application()  # someone else's
    intruder = make_user("applicant")
    make_person(user_id=intruder.id)
    login(client, intruder)
    before = snapshot(other.id)
    guessed = client.get(f"/applications/{other.id}")
    missing = client.get(f"/applications/{other.id + 100000}")
    assert guessed.status_code == missing.status_code == 404
    # The same page, but for the address it was asked at.
    assert guessed.get_data(as_text=True) == missing.get_data(as_text=True).replace(
        str(other.id + 100000), str(other.id)
    )
    assert client.post(f"/applications/{other.id}", data={"statement": "mine now"}).status_code == 404
    assert client.post(f"/applications/{other.id}/submit").status_code == 404
    assert client.post(f"/applications/{other.id}/withdraw").status_code == 404
    assert snapshot(other.id) == before


# --- withdraw ------------------------------------------------------------------------------


def test_withdrawal_asks_for_confirmation_then_withdraws(
    applicant_client, applicant, make_application, outbox, db
):
    application = _draft(make_application, applicant, status=ApplicationStatus.UNDER_REVIEW)
    confirm = applicant_client.get(f"/applications/{application.id}/withdraw")
    assert "Yes, withdraw my application" in text_of(confirm)
    db.session.refresh(application)
    assert application.status == ApplicationStatus.UNDER_REVIEW
    response = applicant_client.post(f"/applications/{application.id}/withdraw", follow_redirects=True)
    assert "Your application is withdrawn." in text_of(response)
    db.session.refresh(application)
    assert application.status == ApplicationStatus.WITHDRAWN and application.withdrawn_at is not None
    assert audit_actions(application.id) == ["application.withdrawn"]
    assert "is withdrawn" in body_of(outbox(applicant.email)[-1])


def test_withdrawal_ends_the_reviews_still_to_do_and_keeps_the_scored_ones(
    applicant_client, applicant, make_application, make_user, make_review, db
):
    application = _draft(make_application, applicant, status=ApplicationStatus.UNDER_REVIEW)
    to_do = make_review(application, make_user("reviewer"))
    scored = make_review(application, make_user("reviewer"), scores={"merit": 4, "plan": 3, "impact": 5})
    applicant_client.post(f"/applications/{application.id}/withdraw")
    db.session.refresh(to_do)
    db.session.refresh(scored)
    assert to_do.status == ReviewStatus.WITHDRAWN
    assert scored.status == ReviewStatus.SUBMITTED


@pytest.mark.parametrize(
    "status", [ApplicationStatus.ACCEPTED, ApplicationStatus.REJECTED, ApplicationStatus.WITHDRAWN]
)
def test_withdrawal_after_a_decision_is_refused(applicant_client, applicant, make_application, status):
    application = _draft(make_application, applicant, status=status)
    before = snapshot(application.id)
    response = applicant_client.post(f"/applications/{application.id}/withdraw")
    assert response.status_code == 409
    assert "withdrawn" in text_of(response)
    assert snapshot(application.id) == before


# --- my applications -----------------------------------------------------------------------


def test_my_applications_show_state_deadline_and_next_step(
    applicant_client, applicant, make_application, make_call
):
    person = person_of(applicant)
    make_application(person=person, call=make_call(title="Draft call"))
    make_application(
        person=person, call=make_call(title="Review call"), status=ApplicationStatus.UNDER_REVIEW
    )
    make_application(person=person, call=make_call(title="Offer call"), status=ApplicationStatus.ACCEPTED)
    page = text_of(applicant_client.get("/my/applications"))
    assert "Draft call" in page and "Finish and submit by" in page
    assert "(Africa/Nairobi)" in page
    assert "Waiting for the review" in page
    assert "Answer the offer by" in page


def test_my_applications_empty_state(applicant_client):
    page = text_of(applicant_client.get("/my/applications"))
    assert "You have not applied to any call yet." in page


def test_my_applications_without_a_profile(client, make_user, login):
    login(client, make_user("applicant"))
    assert "You have no profile yet." in text_of(client.get("/my/applications"))


def test_my_applications_query_count_does_not_grow(
    applicant_client, applicant, make_application, make_call, count_queries
):
    person = person_of(applicant)
    make_application(person=person, call=make_call())
    applicant_client.get("/my/applications")  # warm caches
    with count_queries() as few:
        applicant_client.get("/my/applications")
    for _ in range(6):
        make_application(person=person, call=make_call())
    with count_queries() as many:
        response = applicant_client.get("/my/applications")
    assert response.status_code == 200
    assert many.count == few.count, many.statements


# --- extension -----------------------------------------------------------------------------


def _extension(client, application, **data):
    values = {
        "until_on": "",
        "until_time": "17:00",
        "time_zone": "Asia/Shanghai",
        "reason": "Visa office closed",
    }
    values.update(data)
    return client.post(f"/admin/applications/{application.id}/extension", data=values)


def test_the_office_records_an_extension_and_the_applicant_is_told(
    client_as, applicant, make_application, outbox, db
):
    application = _draft(make_application, applicant)
    closing = application_call_closing(db, application)
    day = (closing + timedelta(days=3)).date().isoformat()
    response = _extension(client_as("admin"), application, until_on=day)
    assert response.status_code == 302
    db.session.refresh(application)
    assert application.extended_until.isoformat().startswith(day)
    assert application.extended_until.hour == 9  # 17:00 in Shanghai is 09:00 UTC
    assert application.extension_reason == "Visa office closed"
    assert audit_actions(application.id) == ["application.extended"]
    assert "gave you until" in body_of(outbox(applicant.email)[-1])
    notice = db.session.scalars(select(Notification).order_by(Notification.id.desc())).first()
    assert "gave you until" in notice.message


def application_call_closing(db, application):
    from talent.programmes.models import Call

    return db.session.get(Call, application.call_id).closes_at


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"until_on": "2000-01-01"}, "later than the call's closing"),
        ({"until_on": "2099-01-01", "reason": ""}, "Give the reason for the extension."),
        ({"until_on": "2099-01-01", "time_zone": "Mars/Olympus"}, "Not a valid choice"),
        ({"until_on": "not a date"}, "Not a valid date value"),
    ],
)
def test_a_bad_extension_is_refused_with_the_reason(client_as, applicant, make_application, data, message):
    application = _draft(make_application, applicant)
    before = snapshot(application.id)
    response = _extension(client_as("admin"), application, **data)
    assert response.status_code == 422
    assert message in text_of(response)
    assert snapshot(application.id) == before
