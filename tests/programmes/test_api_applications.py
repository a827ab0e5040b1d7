"""The applications API: same rules and permissions as the applicant's pages."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from talent.core.db import utcnow
from talent.programmes.models import Application, ApplicationStatus, DocumentType
from tests.api.tokens import BearerClient, issue_token
from tests.programmes.application_helpers import (
    PDF,
    WINDOWS_EXE,
    add_document,
    person_of,
    snapshot,
    stored_files,
)


@pytest.fixture
def api(app, applicant):
    client = BearerClient(app, app.response_class, use_cookies=True)
    client.token = issue_token(applicant)
    return client


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    return response.get_json()


def test_start_then_start_again(api, applicant, make_call, db):
    call = make_call()
    first = api.post(f"/api/v1/calls/{call.id}/applications")
    assert first.status_code == 201
    body = first.get_json()
    assert body["status"] == "draft" and body["call_id"] == call.id and body["documents"] == []
    assert body["deadline"] == call.closes_at.isoformat()
    assert "score_mean" not in body and "review_count" not in body
    again = api.post(f"/api/v1/calls/{call.id}/applications")
    assert again.status_code == 200 and again.get_json()["id"] == body["id"]
    assert db.session.scalar(select(func.count()).where(Application.call_id == call.id)) == 1


def test_start_without_a_profile_is_refused(app, make_user, make_call):
    client = BearerClient(app, app.response_class)
    client.token = issue_token(make_user("applicant"))
    body = _problem(client.post(f"/api/v1/calls/{make_call().id}/applications"), 409)
    assert "Create your profile first" in body["detail"]


def test_start_on_a_closed_call_is_refused(api, make_call):
    now = utcnow()
    call = make_call(opens_at=now - timedelta(days=9), closes_at=now - timedelta(days=1))
    body = _problem(api.post(f"/api/v1/calls/{call.id}/applications"), 422)
    assert "it takes no new applications" in body["detail"]


def test_list_shows_only_mine(api, applicant, make_application):
    mine = make_application(person=person_of(applicant))
    make_application()  # someone else's
    body = api.get("/api/v1/applications").get_json()
    assert [item["id"] for item in body["items"]] == [mine.id] and body["next"] is None


def test_patch_saves_the_draft(api, applicant, make_application, db):
    application = make_application(person=person_of(applicant))
    response = api.patch(
        f"/api/v1/applications/{application.id}",
        json={"plan": "A new plan", "referees": [{"name": "Dr Li", "email": "li@example.cn"}]},
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["plan"] == "A new plan"
    assert body["statement"] == application.statement  # left out: unchanged
    assert body["referees"] == [{"name": "Dr Li", "email": "li@example.cn", "institution": ""}]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"referees": [{"name": "Dr Li", "email": "nope"}]}, "referees-0-email"),
        ({"statement": "x" * 8001}, "statement"),
        ({"referees": [{"name": "A", "email": "a@b.org"}] * 4}, "referees"),
        ({"status": "submitted"}, "status"),
    ],
)
def test_patch_refuses_bad_input_and_changes_nothing(api, applicant, make_application, payload, field):
    application = make_application(person=person_of(applicant))
    before = snapshot(application.id)
    body = _problem(api.patch(f"/api/v1/applications/{application.id}", json=payload), 422)
    assert field in body["errors"]
    assert snapshot(application.id) == before


def test_patch_of_a_submitted_application_is_refused(api, applicant, make_application):
    application = make_application(person=person_of(applicant), status=ApplicationStatus.SUBMITTED)
    before = snapshot(application.id)
    body = _problem(api.patch(f"/api/v1/applications/{application.id}", json={"statement": "Later"}), 409)
    assert "Only drafts can be edited" in body["detail"]
    assert snapshot(application.id) == before


def _upload(api, application, content, doc_type="cv", name="cv.pdf"):
    return api.post(
        f"/api/v1/applications/{application.id}/documents",
        data={"type": doc_type, "file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def test_upload_then_submit(api, applicant, make_application, db):
    application = make_application(person=person_of(applicant))
    uploaded = _upload(api, application, PDF)
    assert uploaded.status_code == 201
    assert uploaded.get_json() | {"id": 0} == {
        "id": 0,
        "type": "cv",
        "name": "cv.pdf",
        "size": len(PDF),
        "media_type": "application/pdf",
    }
    refused = _problem(api.post(f"/api/v1/applications/{application.id}/submit"), 422)
    assert refused["reasons"] == ["Upload the academic transcript."]
    assert _upload(api, application, PDF, "transcript", "grades.pdf").status_code == 201
    submitted = api.post(f"/api/v1/applications/{application.id}/submit")
    assert submitted.status_code == 200
    body = submitted.get_json()
    assert body["status"] == "submitted" and body["submitted_at"]
    assert sorted(d["type"] for d in body["documents"]) == ["cv", "transcript"]


def test_an_executable_is_refused(app, api, applicant, make_application):
    application = make_application(person=person_of(applicant))
    files_before, before = stored_files(app), snapshot(application.id)
    body = _problem(_upload(api, application, WINDOWS_EXE), 422)
    assert "not a PDF, PNG or JPEG" in body["errors"]["file"][0]
    assert snapshot(application.id) == before and stored_files(app) == files_before


def test_an_upload_without_a_known_type_is_refused(app, api, applicant, make_application):
    application = make_application(person=person_of(applicant))
    files_before, before = stored_files(app), snapshot(application.id)
    body = _problem(_upload(api, application, PDF, doc_type="selfie"), 422)
    assert "type" in body["errors"]["form"]
    missing = api.post(
        f"/api/v1/applications/{application.id}/documents",
        data={"file": (io.BytesIO(PDF), "cv.pdf")},
        content_type="multipart/form-data",
    )
    assert _problem(missing, 422)["errors"]["form"]["type"]
    assert snapshot(application.id) == before and stored_files(app) == files_before


def test_a_file_over_the_limit_is_413(app, api, applicant, make_application, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_DOCUMENT_BYTES", 100)
    application = make_application(person=person_of(applicant))
    before = snapshot(application.id)
    body = _problem(_upload(api, application, PDF.ljust(101, b"0")), 413)
    assert "larger than 0.1 KB" in body["detail"]
    assert snapshot(application.id) == before


def test_a_200_mb_body_is_413_before_it_is_read(api, applicant, make_application):
    application = make_application(person=person_of(applicant))
    response = api.post(
        f"/api/v1/applications/{application.id}/documents",
        input_stream=io.BytesIO(b""),
        content_type="multipart/form-data; boundary=x",
        environ_overrides={"CONTENT_LENGTH": str(200 * 1024 * 1024)},
    )
    body = _problem(response, 413)
    assert "larger than 10 MB" in body["detail"]


def test_submit_after_the_deadline_lists_the_reason(api, applicant, make_call, make_application, db):
    now = utcnow()
    call = make_call(opens_at=now - timedelta(days=9), closes_at=now - timedelta(seconds=1))
    application = make_application(call=call, person=person_of(applicant))
    for doc_type in (DocumentType.CV, DocumentType.TRANSCRIPT):
        add_document(db, application, doc_type)
    before = snapshot(application.id)
    body = _problem(api.post(f"/api/v1/applications/{application.id}/submit"), 422)
    assert len(body["reasons"]) == 1 and "Nothing can be submitted after it." in body["reasons"][0]
    assert snapshot(application.id) == before


def test_withdraw(api, applicant, make_application):
    application = make_application(person=person_of(applicant), status=ApplicationStatus.SUBMITTED)
    body = api.post(f"/api/v1/applications/{application.id}/withdraw").get_json()
    assert body["status"] == "withdrawn"
    again = _problem(api.post(f"/api/v1/applications/{application.id}/withdraw"), 409)
    assert "already withdrawn" in again["detail"]


def test_anothers_application_is_404_like_a_missing_one(api, make_application):
    other = make_application()
    before = snapshot(other.id)
    for method, suffix in (("GET", ""), ("PATCH", ""), ("POST", "/submit"), ("POST", "/withdraw")):
        kwargs = {"json": {"statement": "x"}} if method == "PATCH" else {}
        guessed = api.open(f"/api/v1/applications/{other.id}{suffix}", method=method, **kwargs)
        missing = api.open(f"/api/v1/applications/{other.id + 100000}{suffix}", method=method, **kwargs)
        assert guessed.status_code == missing.status_code == 404
        assert guessed.get_json() == missing.get_json()
    assert snapshot(other.id) == before


def test_the_office_sees_review_figures(api_client_as, make_application):
    application = make_application(status=ApplicationStatus.UNDER_REVIEW, review_count=2)
    body = api_client_as("admin").get(f"/api/v1/applications/{application.id}").get_json()
    assert body["review_count"] == 2 and "score_mean" in body


def test_the_operations_are_documented(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    upload = spec["paths"]["/api/v1/applications/{application_id}/documents"]["post"]
    assert "multipart/form-data" in upload["requestBody"]["content"]
    assert {"201", "413", "422"} <= set(upload["responses"])
    assert "patch" in spec["paths"]["/api/v1/applications/{application_id}"]
