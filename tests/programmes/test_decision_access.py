"""Every decision, offer and placement route × every role (pages and API)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from talent.programmes.models import ApplicationStatus, OfferStatus, Placement, ProgrammeKind
from tests.access import check_matrix
from tests.programmes.access_decisions import DECISION_API_CASES, DECISION_PAGE_CASES


@pytest.fixture
def ctx(db, users, make_programme, make_call, make_application, make_person):
    programme = make_programme(kind=ProgrammeKind.YOUNG_SCHOLARS)
    call = make_call(programme=programme)
    own = make_person(user_id=users["applicant"].id, nationality_code="KE")
    offered = make_application(call=call, person=own, status=ApplicationStatus.ACCEPTED)
    other_call = make_call(programme=programme)
    own_api = make_person(user_id=None, nationality_code="KE")
    placed = make_application(
        call=other_call, person=own_api, status=ApplicationStatus.ACCEPTED, offer_status=OfferStatus.ACCEPTED
    )
    placement = Placement(
        application_id=placed.id,
        host_institution_id=users["institution"].institution_id,
        supervisor_name="Prof. Li Wei",
        starts_on=date.today() - timedelta(days=3),
        ends_on=date.today() + timedelta(days=90),
    )
    db.session.add(placement)
    db.session.commit()
    third_call = make_call(programme=programme)
    offered_api = make_application(
        call=third_call,
        person=own,
        status=ApplicationStatus.ACCEPTED,
    )
    return {
        "call": call,
        "submitted": make_application(call=call, status=ApplicationStatus.SUBMITTED),
        "submitted_api": make_application(call=call, status=ApplicationStatus.SUBMITTED),
        "offered": offered,
        "offered_api": offered_api,
        "placed": placed,
        "placement": placement,
    }


def test_decision_pages_access(client_as, ctx):
    check_matrix(DECISION_PAGE_CASES, client_as, ctx)


def test_decision_api_access(api_client_as, ctx):
    check_matrix(DECISION_API_CASES, api_client_as, ctx)
