"""What every feature's field checks share: running a set of checks, plain text, ids of rows.

Each feature keeps its own `fail` (its labels name its fields); these helpers return a problem or
a row and leave the refusing to it.
"""

from __future__ import annotations

import unicodedata

from flask_babel import gettext as _

from talent.core.errors import ValidationFailed
from talent.extensions import db

# Bidirectional overrides and isolates can make a text display as something it is not.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def clean(checks: dict, values: dict) -> dict:
    """Run each value through its field's check; a field nobody checks is refused."""
    out = {}
    for key, value in values.items():
        check = checks.get(key)
        if check is None:
            raise ValidationFailed(_("Unknown field: %(field)s.", field=key), field=key)
        out[key] = check(value, key)
    return out


def text_problem(text: str, *, max_length: int, required: bool, multiline: bool) -> str | None:
    """What is wrong with an already stripped text, or None when it may be stored."""
    if not text:
        return _("this field is required.") if required else None
    if len(text) > max_length:
        return _("at most %(n)d characters.", n=max_length)
    allowed = {"\n"} if multiline else set()
    if any(
        (unicodedata.category(ch) in ("Cc", "Zl", "Zp") and ch not in allowed) or ch in BIDI_CONTROLS
        for ch in text
    ):
        return _("control characters are not allowed.")
    return None


def row_by_id(model, value):
    """The row `value` (an id, as a number or digits) names, or None."""
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        return None
    return db.session.get(model, value)
