"""POST /api/v1/applications/{id}/decision and /offer: same rules as the pages, problem+json errors."""

from __future__ import annotations

from datetime import timedelta

from talent.core.db import utcnow
from talent.programmes.models import ApplicationStatus, OfferStatus
from tests.api.tokens import bearer, issue_token
from tests.programmes.application_helpers import audit_actions
from tests.programmes.decision_helpers import applicant_and_person, reload


def test_admin_decides_through_the_api(api_client_as, make_call, make_application):
    call = make_call(offer_days=7)
    application = make_application(call=call, status=ApplicationStatus.UNDER_REVIEW)
    response = api_client_as("admin").post(
        f"/api/v1/applications/{application.id}/decision",
        json={"decision": "accepted", "note": "Top of the list"},
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "accepted" and body["offer_status"] == "pending"
    assert body["offer_expires_at"] and body["waitlist_rank"] is None
    assert body["decision_note"] == "Top of the list"
    assert reload(application).decision_note == "Top of the list"


def test_a_decision_over_quota_is_a_409_problem_with_the_reason(
    api_client_as, make_call, make_application, make_person
):
    call = make_call(country_quotas={"KE": 1})
    make_application(call=call, person=make_person(nationality_code="KE"), status=ApplicationStatus.ACCEPTED)
    application = make_application(
        call=call, person=make_person(nationality_code="KE"), status=ApplicationStatus.SUBMITTED
    )
    response = api_client_as("admin").post(
        f"/api/v1/applications/{application.id}/decision", json={"decision": "accepted"}
    )
    assert response.status_code == 409
    assert response.mimetype == "application/problem+json"
    assert "Kenya's quota of 1 places is full" in response.get_json()["detail"]
    assert reload(application).status == ApplicationStatus.SUBMITTED
    assert audit_actions(application.id) == []


def test_bad_decision_bodies_are_refused(api_client_as, make_call, make_application):
    application = make_application(call=make_call(), status=ApplicationStatus.SUBMITTED)
    client = api_client_as("admin")
    url = f"/api/v1/applications/{application.id}/decision"
    for body in ({"decision": "maybe"}, {}, {"decision": "accepted", "extra": 1}):
        response = client.post(url, json=body)
        assert response.status_code == 422, body
        assert response.mimetype == "application/problem+json"
    assert client.post(url, data="decision=accepted").status_code == 415
    assert (
        client.post("/api/v1/applications/999999/decision", json={"decision": "rejected"}).status_code == 404
    )
    assert reload(application).status == ApplicationStatus.SUBMITTED


def test_the_applicant_answers_the_offer_through_the_api(
    app, make_call, make_application, make_user, make_person
):
    user, person = applicant_and_person(make_user, make_person)
    application = make_application(call=make_call(), person=person, status=ApplicationStatus.ACCEPTED)
    client = app.test_client()
    headers = bearer(issue_token(user))
    response = client.post(
        f"/api/v1/applications/{application.id}/offer", json={"answer": "decline"}, headers=headers
    )
    assert response.status_code == 200
    assert response.get_json()["offer_status"] == "declined"
    assert "decision_note" not in response.get_json()
    assert reload(application).offer_status == OfferStatus.DECLINED


def test_an_offer_answered_late_is_a_409(app, db, make_call, make_application, make_user, make_person):
    user, person = applicant_and_person(make_user, make_person)
    application = make_application(
        call=make_call(),
        person=person,
        status=ApplicationStatus.ACCEPTED,
        offer_expires_at=utcnow() - timedelta(hours=2),
    )
    response = app.test_client().post(
        f"/api/v1/applications/{application.id}/offer",
        json={"answer": "accept"},
        headers=bearer(issue_token(user)),
    )
    assert response.status_code == 409
    assert "has passed" in response.get_json()["detail"]
    assert reload(application).offer_status == OfferStatus.PENDING


def test_someone_elses_offer_is_forbidden(api_client_as, make_call, make_application):
    application = make_application(call=make_call(), status=ApplicationStatus.ACCEPTED)
    response = api_client_as("applicant").post(
        f"/api/v1/applications/{application.id}/offer", json={"answer": "accept"}
    )
    assert response.status_code == 403
    assert reload(application).offer_status == OfferStatus.PENDING


def test_the_routes_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "post" in paths["/api/v1/applications/{application_id}/decision"]
    assert "post" in paths["/api/v1/applications/{application_id}/offer"]
