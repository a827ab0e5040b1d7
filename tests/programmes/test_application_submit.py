"""Submission: the deadline (and an extension), eligibility, required documents and texts."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest

from talent.core.db import utcnow
from talent.programmes import applications as rules
from talent.programmes.application_queries import load_application
from talent.programmes.models import ApplicationStatus, DocumentType
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
def ready(db, applicant, make_application, make_call):
    """A complete draft of the applicant's, to a call open for three more weeks."""

    def make(**call_values):
        call = make_call(**call_values)
        application = make_application(call=call, person=person_of(applicant))
        for doc_type in call.required_documents:
            add_document(db, application, DocumentType(doc_type))
        return application

    return make


def test_a_complete_eligible_draft_is_submitted(applicant_client, applicant, ready, outbox, db):
    application = ready()
    response = applicant_client.post(f"/applications/{application.id}/submit", follow_redirects=True)
    assert "Your application is submitted." in text_of(response)
    db.session.refresh(application)
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.submitted_at is not None
    assert application.country_code == "KE"
    assert audit_actions(application.id) == ["application.submitted"]
    assert "is submitted" in body_of(outbox(applicant.email)[-1])


def test_submitting_after_the_deadline_is_refused(applicant_client, ready):
    now = utcnow()
    application = ready(opens_at=now - timedelta(days=30), closes_at=now - timedelta(minutes=1))
    before = snapshot(application.id)
    response = applicant_client.post(f"/applications/{application.id}/submit")
    assert response.status_code == 422
    page = text_of(response)
    assert "Your application was not submitted:" in page
    assert "Nothing can be submitted after it." in page
    assert "(Africa/Nairobi)" in page
    assert snapshot(application.id) == before


def test_an_extension_lets_one_applicant_submit_after_the_closing(client_as, applicant_client, ready, db):
    now = utcnow()
    application = ready(opens_at=now - timedelta(days=30), closes_at=now - timedelta(hours=2))
    until = now + timedelta(days=2)
    recorded = client_as("admin").post(
        f"/admin/applications/{application.id}/extension",
        data={
            "until_on": until.date().isoformat(),
            "until_time": until.strftime("%H:%M"),
            "time_zone": "UTC",
            "reason": "Hospitalised the week before the closing",
        },
    )
    assert recorded.status_code == 302
    response = applicant_client.post(f"/applications/{application.id}/submit")
    assert response.status_code == 302
    db.session.refresh(application)
    assert application.status == ApplicationStatus.SUBMITTED


def test_a_missing_required_document_is_named(applicant_client, applicant, make_application, make_call, db):
    application = make_application(call=make_call(), person=person_of(applicant))
    add_document(db, application, DocumentType.CV)  # the transcript is missing
    before = snapshot(application.id)
    response = applicant_client.post(f"/applications/{application.id}/submit")
    assert response.status_code == 422
    assert "Upload the academic transcript." in text_of(response)
    assert "curriculum vitae" not in text_of(response).split("was not submitted:")[1].split("</ul>")[0]
    assert snapshot(application.id) == before


def test_a_language_rule_requires_its_certificate(applicant_client, ready):
    application = ready(eligibility_rules=[{"rule": "language_certificate", "language": "en"}])
    response = applicant_client.post(f"/applications/{application.id}/submit")
    assert response.status_code == 422
    assert "Upload the language certificate." in text_of(response)


def test_an_ineligible_applicant_is_told_which_rule_fails(applicant_client, applicant, ready, db):
    person = person_of(applicant)
    person.nationality_code = "FR"
    db.session.commit()
    application = ready(eligibility_rules=[{"rule": "global_south"}, {"rule": "max_age", "years": 99}])
    before = snapshot(application.id)
    response = applicant_client.post(f"/applications/{application.id}/submit")
    assert response.status_code == 422
    page = text_of(response)
    assert "Not eligible:" in page and "is not a Global South country" in page
    assert page.count("Not eligible:") == 1  # the age rule passes
    assert snapshot(application.id) == before


def test_empty_texts_are_named(applicant_client, ready, db):
    application = ready()
    application.statement = "  "
    application.plan = ""
    db.session.commit()
    response = applicant_client.post(f"/applications/{application.id}/submit")
    assert response.status_code == 422
    assert "Write your statement." in text_of(response)
    assert "Write your research or work plan." in text_of(response)


def test_every_problem_is_listed_at_once(applicant, make_application, make_call, db):
    now = utcnow()
    person = person_of(applicant)
    person.nationality_code = "CN"
    db.session.commit()
    call = make_call(opens_at=now - timedelta(days=9), closes_at=now - timedelta(days=1))
    application = load_application(make_application(call=call, person=person, statement="").id)
    with pytest.raises(rules.SubmissionRefused) as refused:
        rules.submit(application, now=now)
    assert len(refused.value.reasons) == 5  # deadline, host country, two documents, statement
    assert application.status == ApplicationStatus.DRAFT


def test_submitting_twice_is_refused(applicant_client, applicant, make_application):
    application = make_application(person=person_of(applicant), status=ApplicationStatus.SUBMITTED)
    before = snapshot(application.id)
    response = applicant_client.post(f"/applications/{application.id}/submit")
    assert response.status_code == 409
    assert "can no longer be changed" in text_of(response)
    assert snapshot(application.id) == before
