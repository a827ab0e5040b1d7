"""The public verification pages, as an employer or a border officer uses them."""

import gzip
import re
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from talent import PROJECT_ROOT
from talent.certificates.models import CertificateVerification
from talent.certificates.serials import format_serial, new_serial
from tests.access import Case, allowed
from tests.certificates.conftest import create_certificate, pdf_of, revoke_directly, supersede_directly

EVERYONE = {"applicant", "institution", "reviewer", "admin"}


def _serial_url(template: str, key: str = "certificate"):
    return lambda ctx: template.format(serial=ctx[key].serial)


VERIFY_MATRIX = [
    Case("GET", "/verify", {}, default=200),
    Case("POST", "/verify", {}, default=422),  # no file chosen: the form says so
    Case("GET", "/verify/<serial>", {}, default=200, url=_serial_url("/verify/{serial}")),
    Case("GET", "/verify/<serial>", {}, default=200, url=_serial_url("/verify/{serial}", "revoked")),
    Case("GET", "/.well-known/jwks.json", {}, default=200),
    # The public API answers everyone alike, cookie or not (the token-only routes are in tests/api).
    Case(
        "GET",
        "/api/v1/certificates/<serial>",
        {},
        default=200,
        url=_serial_url("/api/v1/certificates/{serial}"),
    ),
    Case("POST", "/api/v1/certificates/verify", {}, default=422),
    Case("GET", "/my/certificates", allowed(EVERYONE)),
    Case(
        "GET",
        "/certificates/<serial>.pdf",
        allowed({"applicant", "admin"}),
        url=_serial_url("/certificates/{serial}.pdf"),
    ),
    Case("GET", "/admin/certificates", allowed({"admin"})),
    Case(
        "GET",
        "/admin/certificates/<serial>",
        allowed({"admin"}),
        url=_serial_url("/admin/certificates/{serial}"),
    ),
    # Empty forms: administrators get the form back with its errors, nothing changes.
    Case(
        "POST",
        "/admin/certificates/<serial>/revoke",
        allowed({"admin"}, ok=422),
        url=_serial_url("/admin/certificates/{serial}/revoke"),
        data={"reason": ""},
    ),
    Case(
        "POST",
        "/admin/certificates/<serial>/reissue",
        allowed({"admin"}, ok=422),
        url=_serial_url("/admin/certificates/{serial}/reissue"),
        data={"name": ""},
    ),
    Case("GET", "/admin/certificates/keys", allowed({"admin"})),
    Case("POST", "/admin/certificates/keys/rotate", allowed({"admin"}, ok=422), data={}),
]


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def _wrong_check(serial: str) -> str:
    return serial[:15] + ("0" if serial[15] != "0" else "1")


def test_the_form_offers_both_ways_to_verify(client):
    page = _text(client.get("/verify"))
    assert 'name="code"' in page and '<label for="code">' in page
    assert 'enctype="multipart/form-data"' in page and 'type="file"' in page and '<label for="file">' in page


def test_a_typed_code_leads_to_the_certificate_page(client, db):
    cert = create_certificate()
    typed = format_serial(cert.serial).lower().replace("-", " ")
    response = client.get("/verify", query_string={"code": typed})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/verify/{cert.serial}")


def test_a_typo_is_called_a_typo_not_an_unknown_code(client, db):
    cert = create_certificate()
    response = client.get("/verify", query_string={"code": format_serial(_wrong_check(cert.serial))})
    assert response.status_code == 422
    page = _text(response).lower()
    assert "check the code: the last character does not match" in page
    assert "no certificate has this code" not in page


def test_an_unknown_code_says_so(client, db):
    response = client.get("/verify", query_string={"code": new_serial()})
    assert response.status_code == 404
    assert "No certificate has this code" in _text(response)


def test_a_certificate_address_is_normalised_keeping_the_token(client, db):
    cert = create_certificate()
    response = client.get(f"/verify/{format_serial(cert.serial).lower()}?t={cert.token}")
    assert response.status_code == 301
    assert response.headers["Location"].endswith(f"/verify/{cert.serial}?t={cert.token}")


def test_a_typo_or_unknown_code_in_the_address(client, db):
    cert = create_certificate()
    typo = client.get(f"/verify/{_wrong_check(cert.serial)}")
    assert typo.status_code == 400
    assert "the last character does not match" in _text(typo)
    unknown = client.get(f"/verify/{new_serial()}")
    assert unknown.status_code == 404 and "No certificate has this code" in _text(unknown)


def test_a_valid_certificate_shows_every_fact(client, db):
    cert = create_certificate(
        holder_name="Tsegaye Bekele", holder_name_native="ፀጋዬ በቀለ", expires_on=date(2031, 6, 30)
    )
    response = client.get(f"/verify/{cert.serial}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-cache"
    page = _text(response)
    assert "This certificate is valid until June 30, 2031." in page
    assert format_serial(cert.serial) in page
    assert '<span dir="auto">Tsegaye Bekele</span>' in page and '<span dir="auto">ፀጋዬ በቀለ</span>' in page
    for fact in (cert.title, "Course completion", "40", "120", "Operate a six-axis robot safely"):
        assert fact in page
    assert "Nairobi Luban Workshop" in page and "天津职业技术学院" in page  # both institutions
    assert "Kenya" in page and "March 2, 2026" in page and "English" in page
    assert 'Chinese: <span dir="auto">工业机器人操作与维护</span>' in page
    assert cert.issuer_name in page and cert.sha256 in page
    assert cert.issued_on.strftime("%B") in page


def test_a_revoked_certificate_says_when_and_why(client, db):
    cert = revoke_directly(create_certificate(), "Issued to the wrong person")
    page = _text(client.get(f"/verify/{cert.serial}"))
    assert "Revoked" in page and "This certificate was revoked on" in page
    assert "Issued to the wrong person" in page


def test_a_replaced_certificate_links_to_its_replacement(client, db):
    old = create_certificate()
    new = supersede_directly(old, holder_name="Corrected Name")
    page = _text(client.get(f"/verify/{old.serial}"))
    assert "This certificate was replaced by certificate" in page
    assert f'href="/verify/{new.serial}"' in page and format_serial(new.serial) in page
    assert f'href="/verify/{old.serial}"' in _text(client.get(f"/verify/{new.serial}"))  # "Replaces"


def test_an_expired_certificate_says_since_when(client, db):
    cert = create_certificate(issued_on=date(2020, 3, 1), expires_on=date(2022, 3, 1))
    page = _text(client.get(f"/verify/{cert.serial}"))
    assert "Expired" in page and "This certificate expired on March 1, 2022." in page


def test_the_token_in_the_link_is_checked(client, db):
    cert = create_certificate()
    other = create_certificate()
    genuine = _text(client.get(f"/verify/{cert.serial}?t={cert.token}"))
    assert "The signature is genuine" in genuine
    for token in (other.token, cert.token[:-4] + "AAAA", "garbage"):
        page = _text(client.get(f"/verify/{cert.serial}", query_string={"t": token}))
        assert "The token does not match" in page and "The signature is genuine" not in page
    plain = _text(client.get(f"/verify/{cert.serial}"))
    assert "The token does not match" not in plain and "The signature is genuine" not in plain


def test_markup_in_names_and_reasons_is_shown_as_text(client, db):
    cert = create_certificate(
        holder_name='<script>alert("x")</script>',
        holder_name_native="<b>bold</b>",
        title="<img src=x onerror=alert(1)>",
        details={"competencies": ["<i>italic</i>"]},
    )
    revoke_directly(cert, "<a href='//evil.example'>see</a>")
    page = client.get(f"/verify/{cert.serial}").get_data(as_text=True)
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    assert "<b>bold</b>" not in page and "<img src=x" not in page and "<i>italic</i>" not in page
    assert "<a href='//evil.example'>" not in page and "&lt;a href=" in page


def test_each_page_view_is_counted_for_the_day(client, db):
    cert = create_certificate()
    for _ in range(3):
        client.get(f"/verify/{cert.serial}")
    count = db.session.execute(
        select(CertificateVerification.count).where(
            CertificateVerification.certificate_id == cert.id,
            CertificateVerification.verified_on == date.today(),
        )
    ).scalar_one()
    assert count == 3


def _upload(client, data: bytes, name: str = "certificate.pdf"):
    from io import BytesIO

    return client.post("/verify", data={"file": (BytesIO(data), name)}, content_type="multipart/form-data")


def test_dropping_the_issued_pdf_shows_a_match(client, db):
    cert = create_certificate()
    response = _upload(client, pdf_of(cert))
    assert response.status_code == 200
    page = _text(response)
    assert "This PDF matches a certificate issued here" in page
    assert f'href="/verify/{cert.serial}"' in page and cert.holder_name in page


def test_an_altered_or_foreign_pdf_does_not_match(client, db):
    cert = create_certificate()
    altered = pdf_of(cert).replace(b"certificate", b"certificatf")
    for data in (altered, b"%PDF-1.4\n%%EOF\n"):
        response = _upload(client, data)
        assert response.status_code == 200
        assert "No match: this PDF is not a certificate issued here" in _text(response)


def test_a_file_that_is_not_a_pdf_is_refused_by_its_content(client, db):
    cert = create_certificate()
    response = _upload(client, b"\x89PNG\r\n\x1a\n" + pdf_of(cert), name="certificate.pdf")
    assert response.status_code == 422
    assert "This file is not a PDF" in _text(response)


def test_a_huge_upload_gets_a_clear_message(app, client, db):
    limit = app.config["UPLOAD_MAX_BYTES"]
    for size in (limit + 10, 50 * 1024 * 1024):  # over the limit; far over the request size limit
        response = _upload(client, b"%PDF-1.7\n" + b"0" * size)
        assert response.status_code == 413
        page = _text(response)
        assert "This file is larger than 10 MB" in page and 'type="file"' in page


def test_the_pdf_form_keeps_its_csrf_check(app, client, db):
    cert = create_certificate()
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert _upload(client, pdf_of(cert)).status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_jwks_is_public_and_cacheable(client, db):
    cert = create_certificate()
    response = client.get("/.well-known/jwks.json")
    assert response.headers["Cache-Control"] == "public, max-age=300"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.mimetype == "application/json"
    (key,) = response.get_json()["keys"]
    assert key["kid"] == cert.key_id and key["kty"] == "OKP" and key["crv"] == "Ed25519"


def test_the_verification_page_is_light(client, db):
    cert = create_certificate()
    html = client.get(f"/verify/{cert.serial}?t={cert.token}").get_data()
    assert b"<img" not in html and b"<script" not in html and b" style=" not in html
    css = Path(PROJECT_ROOT, "static", "css", "app.css").read_bytes()
    assert len(gzip.compress(html)) + len(gzip.compress(css)) < 15 * 1024
    assert b'name="viewport"' in html


@pytest.fixture
def limited_app(app):
    """A second app on the same database with rate limits on. Flask-Limiter keeps `enabled` on its
    one shared instance: the session app's setting is put back afterwards."""
    from talent import create_app
    from talent.extensions import db as _db
    from talent.extensions import limiter

    was_enabled = limiter.enabled
    keys = ("DATA_DIR", "DATABASE_URL", "SECRET_KEY", "BASE_URL")
    limited = create_app({**{k: app.config[k] for k in keys}, "TESTING": True, "RATELIMIT_ENABLED": True})
    try:
        yield limited
    finally:
        limiter.enabled = was_enabled
        with limited.app_context():
            _db.engine.dispose()


def test_checks_are_rate_limited_per_client(limited_app):
    from talent.certificates.verify_views import VERIFY_RATE_LIMIT

    allowed_per_minute = int(VERIFY_RATE_LIMIT.split()[0])
    client = limited_app.test_client()
    serial = new_serial()
    codes = [client.get(f"/api/v1/certificates/{serial}").status_code for _ in range(allowed_per_minute)]
    assert codes == [404] * allowed_per_minute
    refused = client.get(f"/api/v1/certificates/{serial}")
    assert refused.status_code == 429 and refused.mimetype == "application/problem+json"
    assert limited_app.test_client().get("/verify").status_code == 200  # each route has its own budget
    other_client = limited_app.test_client()
    other_client.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    assert other_client.get(f"/api/v1/certificates/{serial}").status_code == 404
