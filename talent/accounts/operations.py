"""Account use cases. They validate, change, audit and flush; the request commits."""

from __future__ import annotations

from flask_babel import gettext as _

from talent.accounts.auth import find_user_by_email
from talent.accounts.models import User
from talent.accounts.passwords import password_problem
from talent.core import audit
from talent.core.db import utcnow
from talent.core.errors import ValidationFailed
from talent.core.i18n import LANGUAGES, is_known_timezone
from talent.core.permissions import Role
from talent.extensions import db


def create_user(
    *,
    email: str,
    password: str,
    display_name: str,
    roles: set[Role],
    institution_id: int | None = None,
    locale: str | None = None,
    timezone: str = "UTC",
    actor=None,
) -> User:
    email = User.normalise_email(email)
    display_name = display_name.strip()
    if not display_name:
        raise ValidationFailed(_("A name is required."), field="display_name")
    if find_user_by_email(email) is not None:
        raise ValidationFailed(_("An account with this e-mail address already exists."), field="email")
    problem = password_problem(password, email=email, name=display_name)
    if problem:
        raise ValidationFailed(problem, field="password")
    if locale is not None and locale not in LANGUAGES:
        raise ValidationFailed(_("Unknown language."), field="locale")
    if not is_known_timezone(timezone):
        raise ValidationFailed(_("Unknown time zone."), field="timezone")
    if Role.INSTITUTION in roles and institution_id is None:
        raise ValidationFailed(_("Institution staff must belong to an institution."), field="institution_id")
    user = User(
        email=email, display_name=display_name, locale=locale, timezone=timezone, institution_id=institution_id
    )
    user.set_password(password)
    user.set_roles(roles)
    db.session.add(user)
    db.session.flush()
    audit.record(
        "user.created",
        user,
        changes={"email": [None, email], "roles": [None, sorted(roles)]},
        actor=actor,
    )
    return user


def register_applicant(*, email: str, password: str, display_name: str, locale: str, timezone: str) -> User:
    """Self-registration: everyone who signs up is an applicant; other roles are granted by admins."""
    user = create_user(
        email=email,
        password=password,
        display_name=display_name,
        roles={Role.APPLICANT},
        locale=locale,
        timezone=timezone,
    )
    return user


def record_login(user: User) -> None:
    user.last_login_at = utcnow()
