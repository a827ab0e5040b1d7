"""Password rules (NIST SP 800-63B: length over composition, refuse the obvious ones)."""

from __future__ import annotations

from flask_babel import gettext as _

MIN_LENGTH = 10

# The most common passwords that pass the length rule; guessed first by every attacker.
COMMON = {
    "1234567890", "12345678910", "0123456789", "1111111111", "0000000000", "qwertyuiop",
    "password12", "password123", "password1234", "iloveyou12", "abcdefghij", "qwerty1234",
    "1q2w3e4r5t", "1qaz2wsx3edc", "passw0rd12", "welcome123", "administrator", "letmein123",
    "talentexchange", "changeme123", "asdfghjkl1", "zxcvbnm123", "aaaaaaaaaa", "abc1234567",
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
