"""Reference data use cases: the country list, partner institutions and person profiles.

Each validates, changes, audits and flushes; the request (or the command) commits.
"""

from __future__ import annotations

import csv
import hashlib
import re
import unicodedata
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import pycountry
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from talent.core import audit
from talent.core.errors import ValidationFailed
from talent.extensions import db
from talent.reference.data.isced import ISCED_FIELDS, ISCED_LEVELS
from talent.reference.models import Country, Gender, Institution, InstitutionKind, PartnerStatus, Person

COUNTRIES_CSV = Path(__file__).parent / "data" / "countries.csv"
EARLIEST_BIRTH = date(1900, 1, 1)
PASSPORT_PATTERN = re.compile(r"[A-Z0-9]{5,20}")
# Bidirectional overrides and isolates can make a name display as something it is not.
_BIDI_CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _read_countries() -> list[dict]:
    with COUNTRIES_CSV.open(encoding="utf-8", newline="") as handle:
        return [
            {
                "code": row["code"],
                "name": row["name"],
                "region": row["region"],
                "subregion": row["subregion"],
                "is_global_south": row["is_global_south"] == "true",
            }
            for row in csv.DictReader(handle)
        ]


def load_countries() -> int:
    """Bring the countries table in line with the shipped list; returns how many rows changed.

    Idempotent: a second run changes nothing. Countries no longer in the list are kept, because
    people and institutions may still refer to them. The list's history is the data file's.
    """
    existing = {c.code: c for c in db.session.execute(select(Country)).scalars()}
    changed = 0
    for values in _read_countries():
        country = existing.get(values["code"])
        if country is None:
            db.session.add(Country(**values))
            changed += 1
        elif any(getattr(country, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(country, key, value)
            changed += 1
    db.session.flush()
    return changed


# --- shared checks -------------------------------------------------------------------------


def clean_text(value, field: str, *, max_length: int, required: bool = False) -> str | None:
    """Trimmed text without control characters, or None when empty and optional."""
    text = "" if value is None else str(value).strip()
    if not text:
        if required:
            raise ValidationFailed(_("This field is required."), field=field)
        return None
    if len(text) > max_length:
        raise ValidationFailed(_("At most %(n)s characters.", n=max_length), field=field)
    if any(unicodedata.category(ch) in ("Cc", "Zl", "Zp") or ch in _BIDI_CONTROLS for ch in text):
        raise ValidationFailed(_("Control characters are not allowed."), field=field)
    return text


def _country_code(value, field: str, *, required: bool) -> str | None:
    code = (value or "").strip().upper()
    if not code:
        if required:
            raise ValidationFailed(_("Choose a country."), field=field)
        return None
    if db.session.get(Country, code) is None:
        raise ValidationFailed(_("Unknown country."), field=field)
    return code


def _enum(enum_cls, value, field: str):
    try:
        return enum_cls(value)
    except ValueError:
        raise ValidationFailed(_("Not a valid choice."), field=field) from None


# --- institutions --------------------------------------------------------------------------


def _website(value) -> str | None:
    url = clean_text(value, "website", max_length=255)
    if url is None:
        return None
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or " " in url:
        raise ValidationFailed(_("Give a web address starting with http:// or https://."), field="website")
    return url


def _institution_values(values: dict) -> dict:
    out = {}
    for key, value in values.items():
        if key == "name":
            out[key] = clean_text(value, key, max_length=200, required=True)
        elif key == "name_native":
            out[key] = clean_text(value, key, max_length=200)
        elif key == "kind":
            out[key] = _enum(InstitutionKind, value, key)
        elif key == "country_code":
            out[key] = _country_code(value, key, required=True)
        elif key == "city":
            out[key] = clean_text(value, key, max_length=120) or ""
        elif key == "website":
            out[key] = _website(value)
        elif key == "partner_status":
            out[key] = _enum(PartnerStatus, value, key)
        else:
            raise ValidationFailed(_("Unknown field."), field=key)
    return out


def create_institution(
    *,
    name: str,
    kind: InstitutionKind | str,
    country_code: str,
    city: str = "",
    name_native: str | None = None,
    website: str | None = None,
    partner_status: PartnerStatus | str = PartnerStatus.PROSPECTIVE,
    actor=None,
) -> Institution:
    values = _institution_values(
        {
            "name": name,
            "name_native": name_native,
            "kind": kind,
            "country_code": country_code,
            "city": city,
            "website": website,
            "partner_status": partner_status,
        }
    )
    institution = Institution(**values)
    db.session.add(institution)
    diff = audit.real_changes(institution)
    db.session.flush()
    audit.record("institution.created", institution, changes=diff, summary=institution.name, actor=actor)
    db.session.flush()
    return institution


def update_institution(institution: Institution, *, actor=None, **changes) -> Institution:
    """Change some of an institution's facts; values not given stay as they are."""
    values = _institution_values(changes)
    for key, value in values.items():
        setattr(institution, key, value)
    diff = audit.real_changes(institution)
    if diff:
        audit.record("institution.updated", institution, changes=diff, summary=institution.name, actor=actor)
    db.session.flush()
    return institution


# --- person profiles -----------------------------------------------------------------------


def _languages(value) -> str:
    if isinstance(value, (list, tuple)):
        value = ",".join(value)
    codes: list[str] = []
    for raw in (value or "").replace(";", ",").split(","):
        code = raw.strip().lower()
        if not code:
            continue
        if len(code) != 2 or pycountry.languages.get(alpha_2=code) is None:
            raise ValidationFailed(
                _(
                    "“%(code)s” is not an ISO 639-1 language code (two letters, e.g. en, zh, ar).",
                    code=raw.strip(),
                ),
                field="languages",
            )
        if code not in codes:
            codes.append(code)
    return ",".join(codes)


def _latin_name(value) -> str:
    name = clean_text(value, "name_latin", max_length=200, required=True)
    # Letters with accents are fine (they are Latin); other scripts belong in name_native.
    if any(ch.isalpha() and not unicodedata.name(ch, "").startswith("LATIN") for ch in name):
        raise ValidationFailed(
            _(
                "Write this name in Latin letters, as in your passport; your own script goes in the next field."
            ),
            field="name_latin",
        )
    return name


def _passport(value) -> str | None:
    number = re.sub(r"[\s-]", "", value or "").upper()
    if not number:
        return None
    if not PASSPORT_PATTERN.fullmatch(number):
        raise ValidationFailed(
            _("A passport number has 5 to 20 letters (A–Z) and digits."), field="passport_number"
        )
    return number


def _optional_int(value, field: str, allowed) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationFailed(_("Not a valid choice."), field=field) from None
    if number not in allowed:
        raise ValidationFailed(_("Not a valid choice."), field=field)
    return number


def _profile_values(values: dict, *, today: date) -> dict:
    out: dict = {}
    for key, value in values.items():
        if key == "name_latin":
            out[key] = _latin_name(value)
        elif key == "name_native":
            out[key] = clean_text(value, key, max_length=200)
        elif key == "born_on":
            if value is not None and not (EARLIEST_BIRTH < value < today):
                raise ValidationFailed(_("Give a date of birth in the past, after 1900."), field=key)
            out[key] = value
        elif key == "gender":
            out[key] = _enum(Gender, value, key) if value else None
        elif key == "nationality_code":
            out[key] = _country_code(value, key, required=False)
        elif key == "passport_number":
            out[key] = _passport(value)
        elif key == "passport_expires_on":
            out[key] = value
        elif key == "isced_level":
            out[key] = _optional_int(value, key, ISCED_LEVELS)
        elif key == "field_code":
            if value and value not in ISCED_FIELDS:
                raise ValidationFailed(_("Not a valid choice."), field=key)
            out[key] = value or None
        elif key == "languages":
            out[key] = _languages(value)
        elif key == "affiliation_id":
            out[key] = _affiliation(value)
        else:
            raise ValidationFailed(_("Unknown field."), field=key)
    return out


def _affiliation(value) -> int | None:
    if value in (None, ""):
        return None
    try:
        ident = int(value)
    except (TypeError, ValueError):
        raise ValidationFailed(_("Unknown institution."), field="affiliation_id") from None
    if db.session.get(Institution, ident) is None:
        raise ValidationFailed(_("Unknown institution."), field="affiliation_id")
    return ident


def profile_of(user) -> Person | None:
    return db.session.execute(select(Person).where(Person.user_id == user.id)).scalar_one_or_none()


def save_profile(user, *, actor=None, today: date | None = None, **values) -> Person:
    """Create or update `user`'s own person record.

    An empty passport number keeps the number on file: it is never shown back in full to its
    owner, so the form cannot be pre-filled with it.
    """
    today = today or date.today()
    cleaned = _profile_values(values, today=today)
    person = profile_of(user)
    if person is None and "name_latin" not in cleaned:
        raise ValidationFailed(_("This field is required."), field="name_latin")
    born_on = cleaned.get("born_on", person.born_on if person else None)
    expires_on = cleaned.get("passport_expires_on", person.passport_expires_on if person else None)
    if born_on and expires_on and expires_on <= born_on:
        raise ValidationFailed(
            _("The passport expiry date must come after the date of birth."), field="passport_expires_on"
        )

    is_new = person is None
    if is_new:
        person = Person(user_id=user.id, email=user.email, name_latin=cleaned["name_latin"])
        db.session.add(person)
    passport = cleaned.pop("passport_number", None)
    for key, value in cleaned.items():
        setattr(person, key, value)
    # Fernet tokens differ on each encryption: re-encrypting the same number would look like a change.
    if passport is not None and passport != person.passport_number:
        person.passport_number = passport

    diff = audit.real_changes(person)
    db.session.flush()
    if diff:
        action = "person.created" if is_new else "person.updated"
        audit.record(action, person, changes=diff, summary=person.name_latin, actor=actor or user)
        db.session.flush()
    return person


def find_person_by_email(email: str) -> Person | None:
    """The person an e-mail address names: their own account's profile first, else a record staff made."""
    email = (email or "").strip().lower()
    if not email:
        return None
    return db.session.execute(
        select(Person).where(Person.email == email).order_by(Person.user_id.is_(None), Person.id).limit(1)
    ).scalar_one_or_none()


def reserve_new_emails(emails: Iterable[str]) -> None:
    """Before adding several people at once: wait for any other transaction that reserved one of
    these e-mail addresses, and keep them until this one ends (PostgreSQL advisory locks).

    Two transactions adding the same new addresses in a different order (two uploads into two
    cohorts) would otherwise each wait for the other's not yet committed person on the unique
    index, a deadlock PostgreSQL ends by failing one of them; rolling back to a savepoint does not
    help, since the other keeps waiting for the whole transaction. Reserved in one order
    everywhere (sorted keys), the second waits for the first, then finds its people. SQLite runs
    one writer at a time, so there it is nothing to do.
    """
    if db.session.get_bind().dialect.name != "postgresql":
        return
    keys = sorted({_email_lock_key(email) for email in emails if email})
    for key in keys:
        db.session.execute(select(func.pg_advisory_xact_lock(key)))


def _email_lock_key(email: str) -> int:
    # A signed 64-bit number, as pg_advisory_xact_lock takes; two addresses sharing one only wait
    # for each other needlessly.
    digest = hashlib.blake2b(b"person-email:" + email.strip().lower().encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _email(value) -> str | None:
    email = (value or "").strip().lower() or None
    if email is not None and ("@" not in email or len(email) > 254 or any(ch.isspace() for ch in email)):
        raise ValidationFailed(_("Not a valid e-mail address."), field="email")
    return email


def validate_person_values(*, today: date | None = None, **values) -> dict:
    """The checks `create_person` makes, for callers that check many rows before creating anyone
    (uploads, API batches). Only the fields given are checked; returns them cleaned, or raises
    ValidationFailed naming the first field in error."""
    has_email = "email" in values
    email = values.pop("email", None)
    cleaned = _profile_values(values, today=today or date.today())
    if has_email:
        cleaned["email"] = _email(email)
    return cleaned


def create_person(*, name_latin, email=None, actor=None, today: date | None = None, **values) -> Person:
    """A person record made by staff (enrolment by form, upload or API), not tied to an account.

    When the person later registers with the same e-mail address, their account can claim it.
    """
    return add_person(name_latin=name_latin, email=email, actor=actor, today=today, **values)[0]


def add_person(
    *, name_latin, email=None, actor=None, today: date | None = None, **values
) -> tuple[Person, bool]:
    """`create_person`, also telling whether the record was made (True) or found (False).

    Staff adding the same new address at the same moment (two cohorts, two uploads) get one
    record: the unique index lets the first in, and the others get that one back, unchanged.
    """
    cleaned = validate_person_values(name_latin=name_latin, email=email, today=today, **values)
    passport = cleaned.pop("passport_number", None)
    person = Person(**cleaned)
    if passport:
        person.passport_number = passport
    diff = audit.real_changes(person)
    try:
        with db.session.begin_nested():
            db.session.add(person)
            db.session.flush()
    except IntegrityError:
        existing = find_person_by_email(person.email) if person.email else None
        if existing is None:
            raise
        return existing, False
    audit.record("person.created", person, changes=diff, summary=person.name_latin, actor=actor)
    return person, True
