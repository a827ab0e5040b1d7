"""Answering an offer, and what happens to a place that is declined or never answered."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from flask import render_template
from flask_login import login_user

from talent.core.db import utcnow
from talent.programmes.admin_queries import load_application
from talent.programmes.models import ApplicationStatus, OfferStatus
from talent.programmes.offer_tasks import lapse_expired_offers
from tests.programmes.application_helpers import audit_actions
from tests.programmes.decision_helpers import applicant_and_person, messages_to, reload


@pytest.fixture
def offered(make_call, make_application, make_user, make_person):
    """An accepted applicant with a pending offer in a call of one place, two people waiting."""
    call = make_call(quota_total=2, country_quotas={"KE": 1})
    user, person = applicant_and_person(make_user, make_person, nationality="ET")
    application = make_application(call=call, person=person, status=ApplicationStatus.ACCEPTED)
    kenyan_user, kenyan = applicant_and_person(make_user, make_person, nationality="KE")
    make_application(
        call=call,
        person=make_person(nationality_code="KE"),
        status=ApplicationStatus.ACCEPTED,
        offer_status=OfferStatus.ACCEPTED,
    )
    # Kenya's quota is taken: the first in line is skipped for the next one who fits.
    first = make_application(
        call=call,
        person=kenyan,
        status=ApplicationStatus.WAITLISTED,
        waitlist_rank=1,
        score_mean=Decimal("4.5"),
    )
    second_user, second_person = applicant_and_person(make_user, make_person, nationality="GH")
    second = make_application(
        call=call,
        person=second_person,
        status=ApplicationStatus.WAITLISTED,
        waitlist_rank=2,
        score_mean=Decimal("4.1"),
    )
    return {
        "call": call,
        "user": user,
        "application": application,
        "first": first,
        "second": second,
        "second_user": second_user,
    }


def _client(app, login, user):
    client = app.test_client()
    login(client, user)
    return client


def test_accepting_the_offer(app, login, offered):
    client = _client(app, login, offered["user"])
    response = client.post(f"/applications/{offered['application'].id}/offer", data={"answer": "accept"})
    assert response.status_code == 302
    application = reload(offered["application"])
    assert application.offer_status == OfferStatus.ACCEPTED
    assert application.offer_answered_at is not None
    assert audit_actions(application.id) == ["application.offer_accepted"]
    assert any("You accepted your place" in m for m in messages_to(offered["user"]))
    assert reload(offered["second"]).status == ApplicationStatus.WAITLISTED


def test_declining_offers_the_place_to_the_first_waitlisted_who_fits(app, db, login, offered):
    db.session.commit()
    client = _client(app, login, offered["user"])
    response = client.post(f"/applications/{offered['application'].id}/offer", data={"answer": "decline"})
    assert response.status_code == 302
    assert reload(offered["application"]).offer_status == OfferStatus.DECLINED
    first, second = reload(offered["first"]), reload(offered["second"])
    assert first.status == ApplicationStatus.WAITLISTED  # Kenya's quota is full
    assert first.waitlist_rank == 1
    assert second.status == ApplicationStatus.ACCEPTED
    assert second.offer_status == OfferStatus.PENDING
    assert second.offer_expires_at > utcnow() + timedelta(days=13)
    assert audit_actions(second.id) == ["application.promoted"]
    assert any("A place has become free" in m for m in messages_to(offered["second_user"]))


def test_an_offer_answered_after_the_deadline_is_refused(app, db, login, offered):
    application = offered["application"]
    application.offer_expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    client = _client(app, login, offered["user"])
    response = client.post(f"/applications/{application.id}/offer", data={"answer": "accept"})
    assert response.status_code == 409
    assert "The time to answer this offer has passed" in response.get_data(as_text=True)
    assert reload(application).offer_status == OfferStatus.PENDING
    assert audit_actions(application.id) == []


def test_another_applicants_offer_cannot_be_answered(app, login, offered, make_user, make_person):
    stranger, _ = applicant_and_person(make_user, make_person)
    client = _client(app, login, stranger)
    response = client.post(f"/applications/{offered['application'].id}/offer", data={"answer": "decline"})
    assert response.status_code == 403
    assert reload(offered["application"]).offer_status == OfferStatus.PENDING


def test_an_answer_must_be_accept_or_decline(app, login, offered):
    client = _client(app, login, offered["user"])
    response = client.post(f"/applications/{offered['application'].id}/offer", data={"answer": "maybe"})
    assert response.status_code == 422
    assert reload(offered["application"]).offer_status == OfferStatus.PENDING


def test_answering_twice_is_refused(app, login, offered):
    client = _client(app, login, offered["user"])
    client.post(f"/applications/{offered['application'].id}/offer", data={"answer": "accept"})
    response = client.post(f"/applications/{offered['application'].id}/offer", data={"answer": "decline"})
    assert response.status_code == 409
    assert reload(offered["application"]).offer_status == OfferStatus.ACCEPTED


def test_the_lapsing_job_lapses_late_offers_once_and_promotes(db, offered):
    application = offered["application"]
    application.offer_expires_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    assert lapse_expired_offers() == 1
    assert reload(application).offer_status == OfferStatus.LAPSED
    assert "application.offer_lapsed" in audit_actions(application.id)
    assert any("has lapsed" in m for m in messages_to(offered["user"]))
    second = reload(offered["second"])
    assert second.status == ApplicationStatus.ACCEPTED and second.offer_status == OfferStatus.PENDING
    # Re-running (after a crash, or on the next tick) does nothing more.
    assert lapse_expired_offers() == 0
    assert audit_actions(application.id).count("application.offer_lapsed") == 1
    assert audit_actions(second.id) == ["application.promoted"]
    assert reload(offered["first"]).status == ApplicationStatus.WAITLISTED


def test_the_lapsing_job_leaves_offers_within_their_time(db, offered):
    assert lapse_expired_offers() == 0
    assert reload(offered["application"]).offer_status == OfferStatus.PENDING


def test_the_applicant_page_include_shows_the_offer_with_buttons(app, login, offered):
    with app.test_request_context():
        login_user(offered["user"])
        html = render_template(
            "programmes/decisions/_offer.html",
            application=load_application(offered["application"].id),
            offer_status_labels={},
            offer_is_open=lambda a: True,
        )
    assert 'name="answer" value="accept"' in html and 'name="answer" value="decline"' in html
    assert "Answer by" in html
