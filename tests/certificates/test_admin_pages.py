"""The administrators' certificate pages: find, inspect, revoke, re-issue; the signing keys."""

import re
from datetime import date, timedelta

from click.testing import CliRunner
from sqlalchemy import select

from talent.certificates import signing
from talent.certificates.models import Certificate, CertificateKind, CertificateStatus, SigningKey
from talent.certificates.serials import format_serial
from talent.core.audit import AuditEntry
from tests.certificates.conftest import create_certificate, revoke_directly, supersede_directly

TODAY = date.today()


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def _listed(response) -> set[str]:
    return set(re.findall(r'href="/admin/certificates/([^"/]+)"', response.get_data(as_text=True))) - {"keys"}


def test_filters_find_by_kind_status_cohort_and_country(client_as, db, make_person, make_cohort):
    admin = client_as("admin")
    cohort = make_cohort()
    kenyan, peruvian = make_person(nationality_code="KE"), make_person(nationality_code="PE")
    valid = create_certificate(person_id=kenyan.id, cohort_id=cohort.id)
    revoked = revoke_directly(create_certificate(person_id=peruvian.id))
    old = create_certificate(person_id=kenyan.id)
    new = supersede_directly(old)
    expired = create_certificate(expires_on=TODAY - timedelta(days=1), issuer_country="KE")
    statement = create_certificate(kind=CertificateKind.RECOGNITION_STATEMENT, holder_name="Chidi Okafor")
    everything = {c.serial for c in (valid, revoked, old, new, expired, statement)}

    assert _listed(admin.get("/admin/certificates")) == everything
    assert _listed(admin.get("/admin/certificates?status=valid")) == {
        valid.serial,
        new.serial,
        statement.serial,
    }
    assert _listed(admin.get("/admin/certificates?status=expired")) == {expired.serial}
    assert _listed(admin.get("/admin/certificates?status=revoked")) == {revoked.serial}
    assert _listed(admin.get("/admin/certificates?status=superseded")) == {old.serial}
    assert _listed(admin.get("/admin/certificates?kind=recognition_statement")) == {statement.serial}
    assert _listed(admin.get(f"/admin/certificates?cohort={cohort.id}")) == {valid.serial}
    assert _listed(admin.get("/admin/certificates?issuer_country=KE")) == {expired.serial}
    assert _listed(admin.get("/admin/certificates?nationality=PE")) == {revoked.serial}
    assert _listed(admin.get("/admin/certificates?q=okafor")) == {statement.serial}
    typed = format_serial(valid.serial).lower()
    assert _listed(admin.get("/admin/certificates", query_string={"q": typed})) == {valid.serial}


def test_bad_filters_are_explained(client_as, db):
    response = client_as("admin").get("/admin/certificates?cohort=abc&status=lost")
    assert response.status_code == 422
    assert "Correct the filters" in _text(response)


def test_the_list_is_paged_with_bounded_queries(app, client_as, db, count_queries):
    admin = client_as("admin")

    def queries_for(url: str) -> int:
        admin.get(url)
        with count_queries() as counter:
            assert admin.get(url).status_code == 200
        return counter.count

    for _ in range(3):
        create_certificate()
    few = queries_for("/admin/certificates?status=valid")
    page_size = app.config["PAGE_SIZE"]
    for _ in range(page_size):
        create_certificate()
    assert queries_for("/admin/certificates?status=valid") == few
    response = admin.get("/admin/certificates")
    assert len(_listed(response)) == page_size and 'rel="next"' in _text(response)
    assert len(_listed(admin.get("/admin/certificates?page=2"))) == 3


def test_detail_shows_the_record_history_and_forms(client_as, db, make_person):
    person = make_person(name_latin="Amina Njoroge")
    cert = create_certificate(person_id=person.id)
    page = _text(client_as("admin").get(f"/admin/certificates/{cert.serial}"))
    assert format_serial(cert.serial) in page and cert.key_id in page
    assert f'href="/persons/{person.id}"' in page
    assert "Revoke this certificate" in page and "Re-issue" in page
    assert f'value="{cert.holder_name}"' in page  # the re-issue form starts from the printed name
    assert "History" in page


def test_revoking_needs_a_reason_and_is_shown_publicly(client, client_as, db):
    admin = client_as("admin")
    cert = create_certificate()
    url = f"/admin/certificates/{cert.serial}/revoke"
    refused = admin.post(url, data={"reason": "  "})
    assert refused.status_code == 422 and "This field is required." in _text(refused)
    assert db.session.get(Certificate, cert.id).status == CertificateStatus.VALID

    response = admin.post(url, data={"reason": "The assessment was not held"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Certificate, cert.id).status == CertificateStatus.REVOKED
    public = _text(client.get(f"/verify/{cert.serial}"))
    assert "This certificate was revoked on" in public and "The assessment was not held" in public


def test_revoking_twice_says_it_is_already_revoked(client_as, db):
    cert = revoke_directly(create_certificate())
    response = client_as("admin").post(f"/admin/certificates/{cert.serial}/revoke", data={"reason": "Again"})
    assert response.status_code in (409, 422)
    assert "already revoked" in _text(response)


def test_reissuing_with_a_corrected_name_replaces_the_certificate(client, client_as, db):
    admin = client_as("admin")
    old = create_certificate(holder_name="Amina Njorge")
    response = admin.post(
        f"/admin/certificates/{old.serial}/reissue", data={"name": "Amina Njoroge", "name_native": "أمينة"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    new = db.session.execute(select(Certificate).where(Certificate.supersedes_id == old.id)).scalar_one()
    assert response.headers["Location"].endswith(f"/admin/certificates/{new.serial}")
    assert (new.holder_name, new.holder_name_native) == ("Amina Njoroge", "أمينة")
    assert db.session.get(Certificate, old.id).status == CertificateStatus.SUPERSEDED
    public = _text(client.get(f"/verify/{old.serial}"))
    assert "This certificate was replaced by certificate" in public and format_serial(new.serial) in public


def test_keys_page_lists_keys_and_rotation_needs_confirmation(client_as, db):
    admin = client_as("admin")
    first = create_certificate().key_id
    page = _text(admin.get("/admin/certificates/keys"))
    assert first in page and "Active" in page

    refused = admin.post("/admin/certificates/keys/rotate", data={})
    assert refused.status_code == 422 and "Tick the box to confirm." in _text(refused)
    assert signing.active_key()[0] == first

    assert admin.post("/admin/certificates/keys/rotate", data={"confirm": "y"}).status_code == 302
    new_kid = signing.active_key()[0]
    assert new_kid != first
    page = _text(admin.get("/admin/certificates/keys"))
    assert new_kid in page and "Retired" in page
    actions = set(
        db.session.execute(
            select(AuditEntry.action).where(
                AuditEntry.action.like("signing_key.%"), AuditEntry.actor_id.is_not(None)
            )
        ).scalars()
    )
    assert actions == {"signing_key.retire", "signing_key.create"}


def test_cli_lists_and_rotates_keys(app, db):
    runner = CliRunner()
    first = create_certificate().key_id
    listed = runner.invoke(app.cli, ["keys", "list"], catch_exceptions=False)
    assert first in listed.output and "active" in listed.output

    declined = runner.invoke(app.cli, ["keys", "rotate"], input="n\n")
    assert declined.exit_code != 0 and signing.active_key()[0] == first

    rotated = runner.invoke(app.cli, ["keys", "rotate", "--yes"], catch_exceptions=False)
    assert rotated.exit_code == 0
    kids = db.session.execute(select(SigningKey.kid, SigningKey.retired_at)).all()
    assert {kid for kid, retired in kids if retired is None} == {signing.active_key()[0]}
    assert signing.active_key()[0] in rotated.output and first != signing.active_key()[0]
