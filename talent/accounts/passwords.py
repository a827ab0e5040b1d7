"""Password rules (NIST SP 800-63B: length over composition, refuse the obvious ones) and the
signed, single-use links that let someone choose a new password."""

from __future__ import annotations

import hashlib

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

MIN_LENGTH = 10

# The most common passwords that pass the length rule; guessed first by every attacker.
COMMON = {
    "1234567890",
    "12345678910",
    "0123456789",
    "1111111111",
    "0000000000",
    "qwertyuiop",
    "password12",
    "password123",
    "password1234",
    "iloveyou12",
    "abcdefghij",
    "qwerty1234",
    "1q2w3e4r5t",
    "1qaz2wsx3edc",
    "passw0rd12",
    "welcome123",
    "administrator",
    "letmein123",
    "talentexchange",
    "changeme123",
    "asdfghjkl1",
    "zxcvbnm123",
    "aaaaaaaaaa",
    "abc1234567",
}


def password_problem(password: str, *, email: str = "", name: str = "") -> str | None:
    """The reason a password is refused, or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return _("Use at least %(n)d characters.", n=MIN_LENGTH)
    lowered = password.lower()
    if lowered in COMMON or len(set(lowered)) < 4:
        return _("This password is too easy to guess. Choose another.")
    local_part = email.split("@")[0].lower()
    if (local_part and len(local_part) >= 4 and local_part in lowered) or (name and lowered == name.lower()):
        return _("The password must not contain your name or e-mail address.")
    return None


# --- Password-reset links -------------------------------------------------------------------

RESET_SALT = "talent.accounts.password-reset"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=RESET_SALT)


def password_fingerprint(password_hash: str) -> str:
    # A digest of the hash rather than a slice of it: the link travels by e-mail, and a
    # slice would hand out part of the stored hash. Any password change alters it, which
    # makes every earlier link unusable.
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


def make_reset_token(user) -> str:
    return _serializer().dumps([user.id, password_fingerprint(user.password_hash)])


class ResetLinkProblem(Exception):
    """The link cannot be used; `message` says why, already translated."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def read_reset_token(token: str) -> tuple[int, str]:
    """(user id, fingerprint) carried by a link this app made within the allowed age."""
    max_age = int(current_app.config["PASSWORD_RESET_MAX_AGE"])
    try:
        payload = _serializer().loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise ResetLinkProblem(_("This link has expired. Ask for a new one.")) from exc
    except BadSignature as exc:
        raise ResetLinkProblem(_("This link is not valid. Ask for a new one.")) from exc
    if (
        not isinstance(payload, list)
        or len(payload) != 2
        or not isinstance(payload[0], int)
        or not isinstance(payload[1], str)
    ):
        raise ResetLinkProblem(_("This link is not valid. Ask for a new one."))
    return payload[0], payload[1]
