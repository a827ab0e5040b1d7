"""Signing keys and certificate tokens, checked the way an outside verifier would check them."""

import json
import stat
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from talent.certificates import signing
from talent.certificates.models import SigningKey
from talent.core.audit import AuditEntry
from tests.certificates.conftest import create_certificate


def verify_with_jwks_only(token: str, jwks: dict, issuer: str) -> dict:
    """What a partner system does: pick the key by the token's kid from the published JWKS."""
    kid = jwt.get_unverified_header(token)["kid"]
    jwk = next(key for key in jwks["keys"] if key["kid"] == kid)
    return jwt.decode(token, jwt.PyJWK(jwk).key, algorithms=["EdDSA"], issuer=issuer)


def test_first_key_is_made_on_first_use_with_a_private_file(app, db):
    assert db.session.execute(select(SigningKey)).first() is None
    kid, private_key = signing.active_key()
    assert isinstance(private_key, Ed25519PrivateKey)
    path = Path(app.config["DATA_DIR"]) / "keys" / f"{kid}.pem"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert signing.active_key()[0] == kid  # made once


def test_the_database_holds_only_the_public_jwk(db):
    kid, _ = signing.active_key()
    row = db.session.execute(select(SigningKey).where(SigningKey.kid == kid)).scalar_one()
    assert set(row.public_jwk) == {"kty", "crv", "x", "kid", "use", "alg"}
    assert row.public_jwk | {"x": None} == {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": None,
        "kid": kid,
        "use": "sig",
        "alg": "EdDSA",
    }
    assert signing.jwks() == {"keys": [row.public_jwk]}


def test_token_follows_the_contract(app, db):
    cert = create_certificate(
        holder_name="Nguyen Van An",
        holder_name_native="阮文安",
        expires_on=date.today() + timedelta(days=365),
    )
    header = jwt.get_unverified_header(cert.token)
    assert header["alg"] == "EdDSA"
    assert header["kid"] == cert.key_id == signing.active_key()[0]
    claims = verify_with_jwks_only(cert.token, signing.jwks(), "http://talent.test")
    assert claims == {
        "iss": "http://talent.test",
        "sub": cert.serial,
        "iat": int(cert.issued_at.timestamp()),
        "exp": claims["exp"],
        "kind": "course_completion",
        "name": "Nguyen Van An",
        "name_native": "阮文安",
        "title": cert.title,
        "issuer": {"name": cert.issuer_name, "country": "CN"},
        "issued_on": cert.issued_on.isoformat(),
    }
    # Good through the whole expiry day (UTC).
    end = datetime.combine(cert.expires_on + timedelta(days=1), time.min, tzinfo=UTC)
    assert claims["exp"] == int(end.timestamp())


def test_no_exp_claim_without_an_expiry(db):
    claims = signing.verify_token(create_certificate(expires_on=None).token)
    assert claims is not None and "exp" not in claims


def test_an_expired_certificates_token_is_still_genuine(db):
    cert = create_certificate(issued_on=date(2020, 1, 1), expires_on=date(2021, 1, 1))
    assert signing.verify_token(cert.token)["sub"] == cert.serial


def test_rotation_retires_the_old_key_which_keeps_verifying(client, db):
    old = create_certificate()
    old_kid = old.key_id
    new_kid = signing.rotate_key()
    assert new_kid != old_kid
    retired = db.session.execute(select(SigningKey).where(SigningKey.kid == old_kid)).scalar_one()
    assert retired.retired_at is not None and not retired.is_active
    new = create_certificate()
    assert new.key_id == new_kid

    published = client.get("/.well-known/jwks.json").get_json()
    assert [key["kid"] for key in published["keys"]] == [old_kid, new_kid]
    for cert in (old, new):
        assert verify_with_jwks_only(cert.token, published, "http://talent.test")["sub"] == cert.serial
        assert signing.verify_token(cert.token)["sub"] == cert.serial
    actions = db.session.execute(select(AuditEntry.action).where(AuditEntry.action.like("signing_key.%")))
    assert {"signing_key.create", "signing_key.retire"} <= set(actions.scalars())


def _forge(claims: dict, kid: str) -> str:
    return jwt.encode(claims, Ed25519PrivateKey.generate(), algorithm="EdDSA", headers={"kid": kid})


def test_forged_altered_or_foreign_tokens_are_refused(app, db):
    cert = create_certificate()
    claims = signing.verify_token(cert.token)
    header, payload, signature = cert.token.split(".")
    altered = jwt.utils.base64url_encode(json.dumps({**claims, "name": "Someone Else"}).encode()).decode()
    bad = [
        f"{header}.{altered}.{signature}",  # content changed, signature kept
        _forge(claims, cert.key_id),  # signed by another key under our kid
        _forge(claims, "no-such-kid"),
        jwt.encode(claims, key=None, algorithm="none", headers={"kid": cert.key_id}),
        "not a token",
        "",
        "a.b.c",
    ]
    for token in bad:
        assert signing.verify_token(token) is None, token


def test_a_token_from_another_site_is_refused(app, db):
    cert = create_certificate()
    kid, private_key = signing.active_key()
    foreign = jwt.encode(
        {**signing.token_claims(cert), "iss": "https://elsewhere.example"},
        private_key,
        algorithm="EdDSA",
        headers={"kid": kid},
    )
    assert signing.verify_token(foreign) is None


def test_a_missing_private_key_is_reported_clearly(app, db):
    kid, _ = signing.active_key()
    path = Path(app.config["DATA_DIR"]) / "keys" / f"{kid}.pem"
    moved = path.with_suffix(".moved")
    path.rename(moved)
    signing._loaded.clear()
    try:
        with pytest.raises(signing.SigningKeyMissing) as caught:
            signing.active_key()
        assert kid in str(caught.value) and "talent keys rotate" in str(caught.value)
    finally:
        moved.rename(path)


def test_verify_url_carries_serial_and_token(app, db):
    cert = create_certificate()
    assert (
        signing.verify_url(cert.serial, cert.token)
        == f"http://talent.test/verify/{cert.serial}?t={cert.token}"
    )
