"""Certificate serials: 15 random Crockford base-32 symbols and a Crockford check symbol.

Shown in four hyphenated groups of four (e.g. 8Y1N-X24Q-9JVK-9W43). People read serials off paper and type them in, so input is
forgiving (any case, hyphens and spaces ignored, O read as 0, I and L read as 1) and the check
symbol (the data's value modulo 37, a prime) catches every single mistyped symbol and every swap
of two neighbouring data symbols, so a typo is told apart from a certificate we never issued.
"""

from __future__ import annotations

import secrets

from flask_babel import gettext as _

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# The check alphabet extends the data alphabet with five symbols for the values 32–36.
CHECK_ALPHABET = ALPHABET + "*~$=U"
DATA_LENGTH = 15
LENGTH = DATA_LENGTH + 1
GROUP = 4

_VALUE = {symbol: value for value, symbol in enumerate(CHECK_ALPHABET)}
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1", "-": None, " ": None})


class SerialError(ValueError):
    """A code that cannot be a serial; `message` says why, for the person who typed it."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class SerialTypo(SerialError):
    """Well-formed, but the check symbol does not match: almost certainly a typing mistake."""


class SerialMalformed(SerialError):
    """Wrong length or a character no serial contains."""


def check_symbol(data: str) -> str:
    value = 0
    for symbol in data:
        value = value * 32 + _VALUE[symbol]
    return CHECK_ALPHABET[value % 37]


def new_serial() -> str:
    """A fresh serial (16 symbols, no hyphens). 75 random bits: not sequential, not guessable."""
    data = "".join(secrets.choice(ALPHABET) for _ in range(DATA_LENGTH))
    return data + check_symbol(data)


def format_serial(serial: str) -> str:
    return "-".join(serial[i : i + GROUP] for i in range(0, len(serial), GROUP))


def normalise_serial(text: str) -> str:
    """The stored form of a typed serial, or SerialMalformed / SerialTypo saying what is wrong."""
    cleaned = (text or "").upper().translate(_READ_AS)
    # Other white space (tabs, no-break spaces from a copied page) is ignored like spaces.
    cleaned = "".join(cleaned.split())
    if len(cleaned) != LENGTH:
        raise SerialMalformed(
            _(
                "A certificate code has %(expected)d characters (not counting hyphens); this one has %(found)d.",
                expected=LENGTH,
                found=len(cleaned),
            )
        )
    data, check = cleaned[:DATA_LENGTH], cleaned[DATA_LENGTH]
    for position, symbol in enumerate(data, 1):
        if symbol not in ALPHABET:
            raise SerialMalformed(
                _(
                    "Character %(position)d, “%(symbol)s”, cannot appear in a certificate code.",
                    position=position,
                    symbol=symbol,
                )
            )
    if check not in CHECK_ALPHABET:
        raise SerialMalformed(
            _("The last character, “%(symbol)s”, cannot end a certificate code.", symbol=check)
        )
    if check_symbol(data) != check:
        raise SerialTypo(_("Check the code: the last character does not match the others."))
    return cleaned


def is_serial(text: str) -> bool:
    try:
        normalise_serial(text)
    except SerialError:
        return False
    return True
