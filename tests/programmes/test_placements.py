"""Placements of exchange participants: created by the office, confirmed by the host, completed
with a programme-completion certificate."""

from __future__ import annotations

import subprocess
from datetime import date, timedelta
from pathlib import Path

import pytest
from flask import current_app
from sqlalchemy import select

from talent.certificates.models import Certificate, CertificateKind, CertificateStatus
from talent.extensions import db as _db
from talent.programmes.models import ApplicationStatus, OfferStatus, Placement, PlacementStatus, ProgrammeKind
from tests.programmes.decision_helpers import applicant_and_person, messages_to, reload

TODAY = date.today()


@pytest.fixture
def participant(make_programme, make_call, make_application, make_user, make_person, make_institution):
    organiser = make_institution(name="China Scholarship Council", country_code="CN", city="Beijing")
    programme = make_programme(
        kind=ProgrammeKind.SCIENTIST_EXCHANGE,
        organiser_id=organiser.id,
        names={"zh": "首席人工智能科学家交流"},
    )
    call = make_call(programme=programme)
    user, person = applicant_and_person(make_user, make_person, nationality="KE", name="Wanjiru Kamau")
    application = make_application(
        call=call, person=person, status=ApplicationStatus.ACCEPTED, offer_status=OfferStatus.ACCEPTED
    )
    host = make_institution(name="Zhejiang Lab", country_code="CN", city="Hangzhou")
    return {"user": user, "application": application, "host": host, "programme": programme}


@pytest.fixture
def admin_client(app, users, login):
    client = app.test_client()
    login(client, users["admin"])
    return client


def _form(host, **kw):
    data = {
        "host_institution_id": str(host.id),
        "supervisor_name": "Prof. Chen Hua",
        "supervisor_email": "chen.hua@example.cn",
        "starts_on": (TODAY - timedelta(days=30)).isoformat(),
        "ends_on": (TODAY + timedelta(days=150)).isoformat(),
        "note": "",
    }
    data.update(kw)
    return data


def _placement(application) -> Placement | None:
    _db.session.expire_all()
    return _db.session.scalar(select(Placement).where(Placement.application_id == application.id))


def test_the_office_creates_and_edits_a_placement(admin_client, participant):
    application = participant["application"]
    url = f"/admin/applications/{application.id}/placement"
    assert admin_client.get(url).status_code == 200
    assert admin_client.post(url, data=_form(participant["host"])).status_code == 302
    placement = _placement(application)
    assert placement.host_institution_id == participant["host"].id
    assert placement.status == PlacementStatus.PLANNED
    assert any("Your placement at Zhejiang Lab is planned" in m for m in messages_to(participant["user"]))
    assert (
        admin_client.post(url, data=_form(participant["host"], supervisor_name="Dr. Wu")).status_code == 302
    )
    assert _placement(application).supervisor_name == "Dr. Wu"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"ends_on": (TODAY - timedelta(days=60)).isoformat()}, "cannot end before it starts"),
        ({"supervisor_name": ""}, "This field is required"),
        ({"host_institution_id": "0"}, "Choose the host institution"),
        ({"supervisor_email": "not-an-address"}, "Not a valid e-mail address"),
    ],
)
def test_bad_placement_input_is_refused_next_to_the_field(admin_client, participant, change, message):
    application = participant["application"]
    response = admin_client.post(
        f"/admin/applications/{application.id}/placement", data=_form(participant["host"], **change)
    )
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _placement(application) is None


def test_no_placement_for_a_scholarship_or_an_unanswered_offer(
    admin_client, participant, make_call, make_application, make_programme
):
    scholarship = make_application(
        call=make_call(programme=make_programme(kind=ProgrammeKind.SCHOLARSHIP)),
        status=ApplicationStatus.ACCEPTED,
        offer_status=OfferStatus.ACCEPTED,
    )
    pending = make_application(
        call=make_call(programme=participant["programme"]), status=ApplicationStatus.ACCEPTED
    )
    for application, words in ((scholarship, "Only exchange programmes"), (pending, "accepted the offer")):
        response = admin_client.post(
            f"/admin/applications/{application.id}/placement", data=_form(participant["host"])
        )
        assert response.status_code == 409
        assert words in response.get_data(as_text=True)
        assert _placement(application) is None


def _planned(db, participant, **kw) -> Placement:
    values = {
        "application_id": participant["application"].id,
        "host_institution_id": participant["host"].id,
        "supervisor_name": "Prof. Chen Hua",
        "starts_on": TODAY - timedelta(days=100),
        "ends_on": TODAY - timedelta(days=1),
    }
    values.update(kw)
    placement = Placement(**values)
    db.session.add(placement)
    db.session.commit()
    return placement


def test_host_confirms_arrival_then_completion_and_the_certificate_is_issued(
    app, db, login, participant, make_user
):
    placement = _planned(db, participant)
    staff = make_user("institution", institution=participant["host"])
    client = app.test_client()
    login(client, staff)
    listing = client.get("/placements").get_data(as_text=True)
    assert "Wanjiru Kamau" in listing and "Confirm arrival" in listing

    arrived_on = (TODAY - timedelta(days=99)).isoformat()
    assert client.post(f"/placements/{placement.id}/arrival", data={"on": arrived_on}).status_code == 302
    response = client.post(
        f"/placements/{placement.id}/completion",
        data={"on": TODAY.isoformat(), "outcome": "Built a Swahili speech model"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    placement = db.session.get(Placement, placement.id)
    assert placement.status == PlacementStatus.COMPLETED and placement.completed_on == TODAY

    cert = db.session.scalar(select(Certificate).where(Certificate.placement_id == placement.id))
    assert cert.kind == CertificateKind.PROGRAMME_COMPLETION
    assert cert.status == CertificateStatus.VALID
    assert cert.holder_name == "Wanjiru Kamau"
    assert cert.title == participant["programme"].name
    assert cert.details["host"]["name"] == "Zhejiang Lab"
    assert cert.details["partner"]["name"] == "China Scholarship Council"
    assert cert.details["starts_on"] == arrived_on and cert.details["ends_on"] == TODAY.isoformat()
    assert cert.issuer_name == "China Scholarship Council"
    pdf = Path(current_app.config["DATA_DIR"]) / cert.pdf_path
    assert pdf.read_bytes().startswith(b"%PDF-")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Programme Completion" in text and "Zhejiang Lab" in text and "Swahili speech model" in text
    told = messages_to(participant["user"])
    assert any("completed your placement" in m for m in told)
    assert any("certificate" in m and "is ready" in m for m in told)


def test_completion_rules(app, db, login, participant, users):
    placement = _planned(
        db, participant, starts_on=TODAY - timedelta(days=10), ends_on=TODAY + timedelta(days=10)
    )
    client = app.test_client()
    login(client, users["admin"])
    url = f"/placements/{placement.id}"
    # Completion before arrival is confirmed.
    response = client.post(f"{url}/completion", data={"on": TODAY.isoformat()})
    assert response.status_code == 409 and "arrival first" in response.get_data(as_text=True)
    # An arrival in the future.
    future = (TODAY + timedelta(days=1)).isoformat()
    response = client.post(f"{url}/arrival", data={"on": future})
    assert response.status_code == 422 and "not in advance" in response.get_data(as_text=True)
    assert (
        client.post(f"{url}/arrival", data={"on": (TODAY - timedelta(days=2)).isoformat()}).status_code == 302
    )
    # Completion before the arrival date.
    response = client.post(f"{url}/completion", data={"on": (TODAY - timedelta(days=3)).isoformat()})
    assert response.status_code == 422 and "before the participant arrived" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Placement, placement.id).status == PlacementStatus.ARRIVED
    assert db.session.scalar(select(Certificate).where(Certificate.placement_id == placement.id)) is None


def test_staff_of_another_institution_are_refused(app, db, login, participant, make_user):
    placement = _planned(db, participant)
    other = make_user("institution")  # staff of an institution of their own
    client = app.test_client()
    login(client, other)
    assert (
        client.post(f"/placements/{placement.id}/arrival", data={"on": TODAY.isoformat()}).status_code == 403
    )
    assert "Wanjiru Kamau" not in client.get("/placements").get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Placement, placement.id).status == PlacementStatus.PLANNED


def test_the_participant_sees_the_placement_include(app, db, participant):
    from flask import render_template

    from talent.programmes.placement_views import placement_helpers

    placement = _planned(db, participant)
    with app.test_request_context():
        html = render_template(
            "programmes/placements/_placement.html",
            application=reload(participant["application"]),
            **placement_helpers(),
        )
    assert "Your placement" in html and "Zhejiang Lab" in html and placement.supervisor_name in html


def test_the_placements_list_runs_a_bounded_number_of_queries(
    app, db, login, users, participant, count_queries, make_call, make_application, make_person
):
    client = app.test_client()
    login(client, users["admin"])

    def add(n):
        for _ in range(n):
            application = make_application(
                call=make_call(programme=participant["programme"]),
                person=make_person(),
                status=ApplicationStatus.ACCEPTED,
                offer_status=OfferStatus.ACCEPTED,
            )
            db.session.add(
                Placement(
                    application_id=application.id,
                    host_institution_id=participant["host"].id,
                    supervisor_name="Dr. Wu",
                    starts_on=TODAY,
                    ends_on=TODAY + timedelta(days=30),
                )
            )
        db.session.commit()

    add(2)
    with count_queries() as few:
        assert client.get("/placements").status_code == 200
    add(15)
    with count_queries() as many:
        assert client.get("/placements").status_code == 200
    assert many.count == few.count
