"""A holder's certificates: status, download, the link to share, and when they were checked."""

import re
from datetime import date, timedelta

from werkzeug.http import parse_options_header

from talent.certificates import verification
from talent.certificates.serials import format_serial
from tests.certificates.conftest import create_certificate, pdf_of, revoke_directly

TODAY = date.today()


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def test_holder_sees_status_download_and_link(client, db, users, login, make_person):
    person = make_person(user_id=users["applicant"].id)
    valid = create_certificate(person_id=person.id, title="Industrial robotics")
    revoked = revoke_directly(create_certificate(person_id=person.id, title="Welding"), "Issued twice")
    login(client, users["applicant"])
    page = _text(client.get("/my/certificates"))
    for cert in (valid, revoked):
        assert format_serial(cert.serial) in page
        assert f'href="/certificates/{cert.serial}.pdf"' in page
        link = f"http://talent.test/verify/{cert.serial}?t={cert.token}"
        assert re.search(rf'<input id="link-{cert.id}" type="text" readonly value="{re.escape(link)}"', page)
        assert f'<label for="link-{cert.id}">' in page
    assert "This certificate is valid." in page
    assert "This certificate was revoked on" in page and "Issued twice" in page


def test_holder_sees_checks_per_day_and_in_total(client, db, users, login, make_person):
    person = make_person(user_id=users["applicant"].id)
    cert = create_certificate(person_id=person.id)
    for days_ago, times in ((0, 3), (2, 1), (45, 4)):
        for _ in range(times):
            verification.record_verification(cert, TODAY - timedelta(days=days_ago))
    db.session.commit()
    login(client, users["applicant"])
    page = _text(client.get("/my/certificates"))
    assert "Checked 8 times in all." in page
    rows = re.findall(r'<time datetime="(\d{4}-\d\d-\d\d)">[^<]*</time></th><td>(\d+)</td>', page)
    assert rows == [(TODAY.isoformat(), "3"), ((TODAY - timedelta(days=2)).isoformat(), "1")]


def test_others_see_none_of_them(client, db, users, login, make_person):
    create_certificate(person_id=make_person(user_id=users["applicant"].id).id)
    login(client, users["reviewer"])
    page = _text(client.get("/my/certificates"))
    assert "You have no certificates yet" in page


def test_download_serves_the_stored_pdf(client, db, users, login, make_person):
    cert = create_certificate(person_id=make_person(user_id=users["applicant"].id).id)
    login(client, users["applicant"])
    response = client.get(f"/certificates/{cert.serial}.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    # A check symbol such as "=" makes the header quote the name; parse it rather than compare text.
    disposition, options = parse_options_header(response.headers["Content-Disposition"])
    assert disposition == "attachment"
    assert options["filename"] == f"certificate-{format_serial(cert.serial)}.pdf"
    assert response.get_data() == pdf_of(cert)


def test_download_is_for_the_holder_and_administrators_only(client_as, db, users, make_person):
    cert = create_certificate(person_id=make_person(user_id=users["applicant"].id).id)
    url = f"/certificates/{cert.serial}.pdf"
    assert client_as("admin").get(url).status_code == 200
    assert client_as("reviewer").get(url).status_code == 403
    assert client_as("anonymous").get(url).status_code == 302
    assert client_as("admin").get("/certificates/0000000000000000.pdf").status_code == 404
    assert client_as("admin").get("/certificates/not-a-code.pdf").status_code == 404


def test_a_missing_or_outside_file_is_a_404(client_as, db):
    cert = create_certificate()
    cert.pdf_path = "certificates/gone.pdf"
    db.session.commit()
    assert client_as("admin").get(f"/certificates/{cert.serial}.pdf").status_code == 404
    cert.pdf_path = "../../etc/passwd"
    db.session.commit()
    assert client_as("admin").get(f"/certificates/{cert.serial}.pdf").status_code == 404


def test_the_list_costs_the_same_queries_for_many_certificates(
    client, db, users, login, make_person, count_queries
):
    person = make_person(user_id=users["applicant"].id)
    login(client, users["applicant"])

    def queries_for_page() -> int:
        client.get("/my/certificates")  # warm-up: the session's user is loaded once per request anyway
        with count_queries() as counter:
            assert client.get("/my/certificates").status_code == 200
        return counter.count

    create_certificate(person_id=person.id)
    few = queries_for_page()
    for _ in range(12):
        cert = create_certificate(person_id=person.id)
        verification.record_verification(cert, TODAY)
    db.session.commit()
    assert queries_for_page() == few
