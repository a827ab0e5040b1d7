"""Deciding applications: one at a time or in bulk, within the total and per-country quotas."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from talent.core.db import utcnow
from talent.programmes.models import ApplicationStatus, OfferStatus
from tests.programmes.application_helpers import audit_actions
from tests.programmes.decision_helpers import applicant_and_person, messages_to, reload, submitted_application


@pytest.fixture
def admin_client(app, users, login):
    client = app.test_client()
    login(client, users["admin"])
    return client


def test_accepting_offers_a_place_with_a_deadline_and_tells_the_applicant(
    admin_client, make_call, make_application, make_user, make_person
):
    call = make_call(offer_days=10)
    user, person = applicant_and_person(make_user, make_person, nationality="KE")
    application = submitted_application(make_application, call, person)
    response = admin_client.post(
        f"/admin/applications/{application.id}/decision", data={"decision": "accepted", "note": "Strong plan"}
    )
    assert response.status_code == 302
    application = reload(application)
    assert application.status == ApplicationStatus.ACCEPTED
    assert application.offer_status == OfferStatus.PENDING
    assert abs(application.offer_expires_at - (utcnow() + timedelta(days=10))) < timedelta(minutes=1)
    assert application.decision_note == "Strong plan"
    assert audit_actions(application.id) == ["application.decide"]
    assert any("offered a place" in m and "Accept or decline it by" in m for m in messages_to(user))
    page = admin_client.get(response.headers["Location"])
    assert "is now accepted" in page.get_data(as_text=True)


def test_rejecting_and_waitlisting_tell_the_applicant(
    admin_client, make_call, make_application, make_user, make_person
):
    call = make_call()
    rejected_user, rejected_person = applicant_and_person(make_user, make_person)
    waiting_user, waiting_person = applicant_and_person(make_user, make_person)
    one = submitted_application(make_application, call, rejected_person)
    two = submitted_application(make_application, call, waiting_person)
    admin_client.post(f"/admin/applications/{one.id}/decision", data={"decision": "rejected"})
    admin_client.post(f"/admin/applications/{two.id}/decision", data={"decision": "waitlisted"})
    assert reload(one).status == ApplicationStatus.REJECTED
    assert reload(two).waitlist_rank == 1
    assert any("not successful" in m for m in messages_to(rejected_user))
    assert any("waitlist, at number 1" in m for m in messages_to(waiting_user))


def test_total_quota_refusal_changes_nothing(admin_client, make_call, make_application):
    call = make_call(quota_total=1)
    make_application(call=call, status=ApplicationStatus.ACCEPTED)
    application = make_application(call=call, status=ApplicationStatus.UNDER_REVIEW)
    response = admin_client.post(
        f"/admin/applications/{application.id}/decision", data={"decision": "accepted"}
    )
    assert response.status_code == 409
    assert "The call&#39;s quota of 1 places is full" in response.get_data(as_text=True)
    application = reload(application)
    assert application.status == ApplicationStatus.UNDER_REVIEW
    assert application.offer_status is None
    assert audit_actions(application.id) == []


def test_country_quota_refusal_names_the_country_and_changes_nothing(
    admin_client, make_call, make_application, make_person
):
    call = make_call(quota_total=10, country_quotas={"KE": 1})
    make_application(call=call, person=make_person(nationality_code="KE"), status=ApplicationStatus.ACCEPTED)
    kenyan = make_application(
        call=call, person=make_person(nationality_code="KE"), status=ApplicationStatus.SUBMITTED
    )
    ethiopian = make_application(
        call=call, person=make_person(nationality_code="ET"), status=ApplicationStatus.SUBMITTED
    )
    response = admin_client.post(f"/admin/applications/{kenyan.id}/decision", data={"decision": "accepted"})
    assert response.status_code == 409
    assert "Kenya&#39;s quota of 1 places is full" in response.get_data(as_text=True)
    assert reload(kenyan).status == ApplicationStatus.SUBMITTED
    assert audit_actions(kenyan.id) == []
    # Another country is not held back by Kenya's quota.
    assert (
        admin_client.post(
            f"/admin/applications/{ethiopian.id}/decision", data={"decision": "accepted"}
        ).status_code
        == 302
    )
    assert reload(ethiopian).status == ApplicationStatus.ACCEPTED


def test_a_declined_offer_frees_its_place_for_the_quota(admin_client, make_call, make_application):
    call = make_call(quota_total=1)
    make_application(call=call, status=ApplicationStatus.ACCEPTED, offer_status=OfferStatus.DECLINED)
    application = make_application(call=call, status=ApplicationStatus.SUBMITTED)
    assert (
        admin_client.post(
            f"/admin/applications/{application.id}/decision", data={"decision": "accepted"}
        ).status_code
        == 302
    )


@pytest.mark.parametrize(
    "status", [ApplicationStatus.DRAFT, ApplicationStatus.WITHDRAWN, ApplicationStatus.REJECTED]
)
def test_undecidable_states_are_refused(admin_client, make_call, make_application, status):
    application = make_application(call=make_call(), status=status)
    response = admin_client.post(
        f"/admin/applications/{application.id}/decision", data={"decision": "accepted"}
    )
    assert response.status_code == 409
    assert "cannot be decided" in response.get_data(as_text=True) or "cannot become" in response.get_data(
        as_text=True
    )
    assert reload(application).status == status


def test_a_missing_decision_is_shown_next_to_the_field(admin_client, make_call, make_application):
    application = make_application(call=make_call(), status=ApplicationStatus.SUBMITTED)
    response = admin_client.post(f"/admin/applications/{application.id}/decision", data={"decision": "maybe"})
    assert response.status_code == 422
    assert 'id="decision-field-error"' in response.get_data(as_text=True)
    assert reload(application).status == ApplicationStatus.SUBMITTED


def test_waitlist_ranks_follow_the_ranking(admin_client, make_call, make_application):
    call = make_call()
    low = make_application(call=call, status=ApplicationStatus.UNDER_REVIEW, score_mean=Decimal("3.1"))
    high = make_application(call=call, status=ApplicationStatus.UNDER_REVIEW, score_mean=Decimal("4.6"))
    unscored = make_application(call=call, status=ApplicationStatus.SUBMITTED)
    mid = make_application(call=call, status=ApplicationStatus.UNDER_REVIEW, score_mean=Decimal("3.9"))
    for application in (low, unscored, high):
        admin_client.post(f"/admin/applications/{application.id}/decision", data={"decision": "waitlisted"})
    assert [reload(a).waitlist_rank for a in (high, low, unscored)] == [1, 2, 3]
    admin_client.post(f"/admin/applications/{mid.id}/decision", data={"decision": "waitlisted"})
    assert [reload(a).waitlist_rank for a in (high, mid, low, unscored)] == [1, 2, 3, 4]
    # Accepting someone from the waitlist closes the gap.
    admin_client.post(f"/admin/applications/{high.id}/decision", data={"decision": "accepted"})
    assert reload(high).waitlist_rank is None
    assert [reload(a).waitlist_rank for a in (mid, low, unscored)] == [1, 2, 3]


# --- bulk ------------------------------------------------------------------------------------


def _bulk(client, call, applications, decision):
    return client.post(
        f"/admin/calls/{call.id}/decisions",
        data={"application_ids": [str(a.id) for a in applications], "decision": decision},
    )


def test_bulk_accept_over_the_total_quota_changes_nothing(admin_client, make_call, make_application):
    call = make_call(quota_total=2)
    applications = [make_application(call=call, status=ApplicationStatus.UNDER_REVIEW) for _ in range(3)]
    response = _bulk(admin_client, call, applications, "accepted")
    assert response.status_code == 409
    text = response.get_data(as_text=True)
    assert "Nothing was changed" in text and "quota of 2 places is full" in text
    assert {reload(a).status for a in applications} == {ApplicationStatus.UNDER_REVIEW}
    assert all(audit_actions(a.id) == [] for a in applications)


def test_bulk_accept_over_a_country_quota_changes_nothing(
    admin_client, make_call, make_application, make_person
):
    call = make_call(country_quotas={"ET": 1})
    ethiopians = [
        make_application(
            call=call, person=make_person(nationality_code="ET"), status=ApplicationStatus.SUBMITTED
        )
        for _ in range(2)
    ]
    kenyan = make_application(
        call=call, person=make_person(nationality_code="KE"), status=ApplicationStatus.SUBMITTED
    )
    response = _bulk(admin_client, call, [*ethiopians, kenyan], "accepted")
    assert response.status_code == 409
    assert "Ethiopia&#39;s quota of 1 places is full" in response.get_data(as_text=True)
    assert {reload(a).status for a in [*ethiopians, kenyan]} == {ApplicationStatus.SUBMITTED}


def test_bulk_with_an_application_of_another_call_or_undecidable_changes_nothing(
    admin_client, make_call, make_application
):
    call, other = make_call(), make_call()
    mine = make_application(call=call, status=ApplicationStatus.SUBMITTED)
    draft = make_application(call=call, status=ApplicationStatus.DRAFT)
    foreign = make_application(call=other, status=ApplicationStatus.SUBMITTED)
    response = _bulk(admin_client, call, [mine, draft, foreign], "rejected")
    assert response.status_code == 409
    text = response.get_data(as_text=True)
    assert f"A-{foreign.id:06d} is not part of this call" in text
    assert f"A-{draft.id:06d} is draft" in text
    assert reload(mine).status == ApplicationStatus.SUBMITTED


def test_bulk_decision_applies_to_all_and_ranks_the_waitlist(admin_client, make_call, make_application):
    call = make_call(quota_total=5)
    scored = [
        make_application(call=call, status=ApplicationStatus.UNDER_REVIEW, score_mean=Decimal(score))
        for score in ("3.000", "4.500", "3.800")
    ]
    response = _bulk(admin_client, call, scored, "waitlisted")
    assert response.status_code == 302
    assert [reload(a).waitlist_rank for a in scored] == [3, 1, 2]
    assert all(audit_actions(a.id) == ["application.decide"] for a in scored)
    response = _bulk(admin_client, call, scored[:2], "accepted")
    assert response.status_code == 302
    assert [reload(a).status for a in scored] == [
        ApplicationStatus.ACCEPTED,
        ApplicationStatus.ACCEPTED,
        ApplicationStatus.WAITLISTED,
    ]
    assert reload(scored[2]).waitlist_rank == 1


def test_bulk_without_applications_is_refused(admin_client, make_call):
    call = make_call()
    response = admin_client.post(f"/admin/calls/{call.id}/decisions", data={"decision": "accepted"})
    assert response.status_code == 422
    assert "Choose at least one application" in response.get_data(as_text=True)
