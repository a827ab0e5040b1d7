"""Ed25519 signing keys and the certificate token (a compact JWS, alg EdDSA, RFC 8037).

The private key of each signing key is a PEM file in DATA_DIR/keys/<kid>.pem (mode 0600, folder
0700), so it travels with the file store and its backups and never enters the database; the
SigningKey row keeps only the public JWK. Rotating retires the active key: a retired key signs
nothing new but stays in the JWKS, so tokens it signed keep verifying for as long as their
certificates matter — years, offline, by anyone holding the JWKS.
"""

from __future__ import annotations

import base64
import os
import secrets
import threading
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from flask import current_app
from sqlalchemy import select

from talent.core import audit
from talent.core.db import utcnow
from talent.extensions import db

ALGORITHM = "EdDSA"
KEYS_FOLDER = "keys"

# Private keys read from disk, by file path: a key file never changes once written.
_loaded: dict[str, Ed25519PrivateKey] = {}
_loaded_lock = threading.Lock()


class SigningKeyMissing(RuntimeError):
    """The private key of the active signing key is not on this machine's file store."""


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def base_url() -> str:
    return str(current_app.config["BASE_URL"]).rstrip("/")


def keys_dir() -> Path:
    return Path(current_app.config["DATA_DIR"]) / KEYS_FOLDER


def _key_path(kid: str) -> Path:
    return keys_dir() / f"{kid}.pem"


def public_jwk(public_key: Ed25519PublicKey, kid: str) -> dict[str, str]:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return {"kty": "OKP", "crv": "Ed25519", "x": _b64url(raw), "kid": kid, "use": "sig", "alg": ALGORITHM}


def _write_private_key(kid: str, private_key: Ed25519PrivateKey) -> None:
    folder = keys_dir()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.chmod(0o700)  # mkdir's mode is narrowed by the umask, and an existing folder keeps its own
    pem = private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    # Created with 0600 from the first byte (never readable by others, even briefly); O_EXCL
    # refuses to overwrite a key that exists.
    fd = os.open(_key_path(kid), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
        fh.flush()
        os.fsync(fh.fileno())


def _new_key(actor=None):
    from talent.certificates.models import SigningKey

    kid = f"{utcnow():%Y%m%d}-{secrets.token_hex(4)}"
    private_key = Ed25519PrivateKey.generate()
    _write_private_key(kid, private_key)
    row = SigningKey(kid=kid, public_jwk=public_jwk(private_key.public_key(), kid))
    db.session.add(row)
    db.session.flush()
    audit.record("signing_key.create", row, changes={"kid": [None, kid]}, actor=actor)
    return row, private_key


def _load_private_key(row) -> Ed25519PrivateKey:
    path = _key_path(row.kid)
    cache_key = str(path)
    with _loaded_lock:
        cached = _loaded.get(cache_key)
    if cached is not None:
        return cached
    try:
        pem = path.read_bytes()
    except FileNotFoundError as exc:
        raise SigningKeyMissing(
            f"The private key of signing key {row.kid} is missing ({path}). Restore the data folder's "
            f"keys/ from a backup, or run `talent keys rotate` to sign new certificates with a new key."
        ) from exc
    private_key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(private_key, Ed25519PrivateKey) or public_jwk(private_key.public_key(), row.kid) != (
        row.public_jwk
    ):
        # A key file that does not belong to the published key would sign tokens nobody can verify.
        raise SigningKeyMissing(f"{path} is not the private key of signing key {row.kid}.")
    with _loaded_lock:
        _loaded[cache_key] = private_key
    return private_key


def _active_row():
    from talent.certificates.models import SigningKey

    return db.session.execute(
        select(SigningKey)
        .where(SigningKey.retired_at.is_(None))
        .order_by(SigningKey.created_at.desc(), SigningKey.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def active_key() -> tuple[str, Ed25519PrivateKey]:
    """The key new certificates are signed with; the first one is made on first use."""
    row = _active_row()
    if row is None:
        row, private_key = _new_key()
        return row.kid, private_key
    return row.kid, _load_private_key(row)


def rotate_key(*, actor=None) -> str:
    """Retire every active key and start a new one; returns the new kid."""
    from talent.certificates.models import SigningKey

    now = utcnow()
    for row in db.session.execute(select(SigningKey).where(SigningKey.retired_at.is_(None))).scalars():
        row.retired_at = now
        audit.record("signing_key.retire", row, actor=actor)
    row, _ = _new_key(actor)
    return row.kid


def all_keys() -> list:
    from talent.certificates.models import SigningKey

    return list(
        db.session.execute(select(SigningKey).order_by(SigningKey.created_at.desc(), SigningKey.id.desc()))
        .scalars()
        .all()
    )


def jwks() -> dict[str, Any]:
    """Every key ever used, active and retired, oldest first (RFC 7517 JWK Set)."""
    return {"keys": [dict(row.public_jwk) for row in reversed(all_keys())]}


def _end_of(day) -> datetime:
    # A certificate expiring on a date is good through that whole day.
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=UTC)


def token_claims(cert) -> dict[str, Any]:
    claims: dict[str, Any] = {
        "iss": base_url(),
        "sub": cert.serial,
        "iat": int(cert.issued_at.timestamp()),
    }
    if cert.expires_on is not None:
        claims["exp"] = int(_end_of(cert.expires_on).timestamp())
    claims.update(
        {
            "kind": cert.kind.value,
            "name": cert.holder_name,
            "name_native": cert.holder_name_native,
            "title": cert.title,
            "issuer": {"name": cert.issuer_name, "country": cert.issuer_country},
            "issued_on": cert.issued_on.isoformat(),
        }
    )
    return claims


def sign_certificate_token(cert) -> str:
    """The certificate's token, signed with the active key; sets `cert.key_id`.

    `iat` is the moment of issue: a certificate not yet flushed gets its `issued_at` here.
    """
    if cert.issued_at is None:
        cert.issued_at = utcnow()
    kid, private_key = active_key()
    cert.key_id = kid
    return jwt.encode(token_claims(cert), private_key, algorithm=ALGORITHM, headers={"kid": kid})


def _public_key(kid: str) -> Ed25519PublicKey | None:
    from talent.certificates.models import SigningKey

    row = db.session.execute(select(SigningKey).where(SigningKey.kid == kid)).scalar_one_or_none()
    if row is None:
        return None
    return Ed25519PublicKey.from_public_bytes(_b64url_decode(row.public_jwk["x"]))


def verify_token(token: str) -> dict[str, Any] | None:
    """The claims of a token we signed (with any key, active or retired), else None.

    An expired certificate's token is still genuine: expiry is reported from the certificate
    record, not by refusing its signature.
    """
    if not token or len(token) > 8192:
        return None
    try:
        header = jwt.get_unverified_header(token)
        kid = header.get("kid")
        if not isinstance(kid, str) or header.get("alg") != ALGORITHM:
            return None
        key = _public_key(kid)
        if key is None:
            return None
        return jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            issuer=base_url(),
            options={"verify_exp": False, "require": ["iss", "sub", "iat"]},
        )
    except (jwt.PyJWTError, ValueError, TypeError):
        return None


def verify_url(serial: str, token: str) -> str:
    return f"{base_url()}/verify/{serial}?t={token}"
