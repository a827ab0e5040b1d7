"""Account use cases. They validate, change, audit and flush; the request (or CLI command) commits."""

from __future__ import annotations

import contextlib
import functools
import hmac

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from email_validator import EmailNotValidError, validate_email
from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from talent.accounts.auth import find_user_by_email
from talent.accounts.models import ApiToken, User
from talent.accounts.passwords import (
    ResetLinkProblem,
    make_reset_token,
    password_fingerprint,
    password_problem,
    read_reset_token,
)
from talent.core import audit
from talent.core.db import utcnow
from talent.core.errors import ValidationFailed
from talent.core.i18n import LANGUAGES, is_known_timezone
from talent.core.mail import send_mail
from talent.core.permissions import Role
from talent.extensions import db
from talent.reference.models import Institution

NAME_MAX = 200
EMAIL_MAX = 254
TOKEN_NAME_MAX = 100


def _clean_name(display_name: str | None) -> str:
    name = (display_name or "").strip()
    if not name:
        raise ValidationFailed(_("A name is required."), field="display_name")
    if len(name) > NAME_MAX:
        raise ValidationFailed(
            _("The name is too long: at most %(n)d characters.", n=NAME_MAX), field="display_name"
        )
    return name


def _clean_email(email: str | None) -> str:
    email = User.normalise_email(email or "")
    if not email or len(email) > EMAIL_MAX:
        raise ValidationFailed(_("Enter a valid e-mail address."), field="email")
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValidationFailed(_("Enter a valid e-mail address."), field="email") from exc
    return email


def _check_institution(roles: set[Role], institution_id: int | None) -> None:
    if institution_id is not None and db.session.get(Institution, institution_id) is None:
        raise ValidationFailed(_("There is no institution with this number."), field="institution_id")
    if Role.INSTITUTION in roles and institution_id is None:
        raise ValidationFailed(_("Institution staff must belong to an institution."), field="institution_id")


def _role_values(roles) -> list[str]:
    return sorted(Role(r).value for r in roles)


def create_user(
    *,
    email: str,
    password: str,
    display_name: str,
    roles: set[Role],
    institution_id: int | None = None,
    locale: str | None = None,
    timezone: str = "UTC",
    is_active: bool = True,
    actor=None,
) -> User:
    email = _clean_email(email)
    display_name = _clean_name(display_name)
    roles = {Role(r) for r in roles}
    if not roles:
        raise ValidationFailed(_("Choose at least one role."), field="roles")
    if find_user_by_email(email) is not None:
        raise ValidationFailed(_("An account with this e-mail address already exists."), field="email")
    problem = password_problem(password, email=email, name=display_name)
    if problem:
        raise ValidationFailed(problem, field="password")
    if locale is not None and locale not in LANGUAGES:
        raise ValidationFailed(_("Unknown language."), field="locale")
    if not is_known_timezone(timezone):
        raise ValidationFailed(_("Unknown time zone."), field="timezone")
    _check_institution(roles, institution_id)
    user = User(
        email=email,
        display_name=display_name,
        locale=locale,
        timezone=timezone,
        institution_id=institution_id,
        is_active=is_active,
    )
    user.set_password(password)
    user.set_roles(roles)
    try:
        # Two sign-ups with one address at the same moment: the unique index decides, and
        # the loser gets the same message as if it had come second.
        with db.session.begin_nested():
            db.session.add(user)
    except IntegrityError as exc:
        raise ValidationFailed(
            _("An account with this e-mail address already exists."), field="email"
        ) from exc
    audit.record(
        "user.created",
        user,
        changes={
            "email": [None, email],
            "display_name": [None, display_name],
            "roles": [None, _role_values(roles)],
            "institution_id": [None, institution_id],
            "is_active": [None, is_active],
        },
        actor=actor,
    )
    db.session.flush()
    return user


def register_applicant(*, email: str, password: str, display_name: str, locale: str, timezone: str) -> User:
    """Self-registration: everyone who signs up is an applicant; other roles are granted by admins."""
    return create_user(
        email=email,
        password=password,
        display_name=display_name,
        roles={Role.APPLICANT},
        locale=locale,
        timezone=timezone,
    )


@functools.cache
def _decoy_hash() -> str:
    return PasswordHasher().hash("a password nobody has")


def authenticate(email: str, password: str) -> User:
    """The active user with these credentials, or ValidationFailed on the password field."""
    user = find_user_by_email(email or "")
    if user is None:
        # Spend the same time as a real check, so response times do not reveal which
        # addresses have accounts.
        with contextlib.suppress(VerificationError):
            PasswordHasher().verify(_decoy_hash(), password)
        raise ValidationFailed(_("The e-mail address or the password is wrong."), field="password")
    if not user.check_password(password):
        raise ValidationFailed(_("The e-mail address or the password is wrong."), field="password")
    if not user.is_active:
        raise ValidationFailed(
            _("This account has been deactivated. Please contact the programme office."), field="email"
        )
    return user


def record_login(user: User) -> None:
    user.last_login_at = utcnow()
    db.session.flush()


def update_settings(user: User, *, display_name: str, locale: str, timezone: str) -> bool:
    """Save the user's own preferences; True when something changed."""
    display_name = _clean_name(display_name)
    if locale not in LANGUAGES:
        raise ValidationFailed(_("Unknown language."), field="locale")
    if not is_known_timezone(timezone):
        raise ValidationFailed(_("Unknown time zone."), field="timezone")
    user.display_name = display_name
    user.locale = locale
    user.timezone = timezone
    changes = audit.changes_of(user)
    if not changes:
        return False
    audit.record("user.settings_changed", user, changes=changes, actor=user)
    db.session.flush()
    return True


def _set_new_password(user: User, new_password: str, *, field: str) -> None:
    problem = password_problem(new_password, email=user.email, name=user.display_name)
    if problem:
        raise ValidationFailed(problem, field=field)
    user.set_password(new_password)


def change_password(user: User, *, current_password: str, new_password: str) -> None:
    """The user's own change. The new hash changes the session id, so other sessions end."""
    if not user.check_password(current_password):
        raise ValidationFailed(_("The current password is wrong."), field="current_password")
    if new_password == current_password:
        raise ValidationFailed(_("Choose a password different from the current one."), field="new_password")
    _set_new_password(user, new_password, field="new_password")
    audit.record("user.password_changed", user, actor=user)
    db.session.flush()


def request_password_reset(email: str) -> None:
    """Mail a reset link when the address belongs to an active account; otherwise do nothing,
    silently: the answer must not reveal which addresses have accounts."""
    user = find_user_by_email(email or "")
    if user is None or not user.is_active:
        return
    link = current_app.config["BASE_URL"].rstrip("/") + url_for(
        "accounts.reset_password", token=make_reset_token(user)
    )
    minutes = max(1, int(current_app.config["PASSWORD_RESET_MAX_AGE"]) // 60)
    with force_locale(user.locale or "en"):
        subject = _("Choose a new password for Talent Exchange")
        body = _(
            "Hello %(name)s,\n\n"
            "someone (hopefully you) asked to reset the password of your Talent Exchange account.\n"
            "Open this link within %(minutes)d minutes to choose a new password:\n\n"
            "%(link)s\n\n"
            "The link works once. If you did not ask for it, ignore this message: "
            "your password stays as it is.\n",
            name=user.display_name,
            minutes=minutes,
            link=link,
        )
    send_mail(user.email, subject, body)
    audit.record("user.password_reset_requested", user, changes={})
    db.session.flush()


def user_for_reset_token(token: str) -> User:
    """The account a reset link was made for, if the link is still usable (else ResetLinkProblem)."""
    user_id, fingerprint = read_reset_token(token)
    user = db.session.get(User, user_id)
    if (
        user is None
        or not user.is_active
        or not hmac.compare_digest(password_fingerprint(user.password_hash), fingerprint)
    ):
        raise ResetLinkProblem(_("This link was already used or is no longer valid. Ask for a new one."))
    return user


def reset_password(user: User, new_password: str) -> None:
    _set_new_password(user, new_password, field="password")
    audit.record("user.password_reset", user, actor=user)
    db.session.flush()


def create_api_token(user: User, name: str) -> tuple[ApiToken, str]:
    """A new token for `user`; the plaintext is returned once and never stored."""
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(_("Give the token a name, so you recognise it later."), field="name")
    if len(name) > TOKEN_NAME_MAX:
        raise ValidationFailed(
            _("The name is too long: at most %(n)d characters.", n=TOKEN_NAME_MAX), field="name"
        )
    token, plaintext = ApiToken.issue(user, name)
    db.session.add(token)
    db.session.flush()
    audit.record(
        "api_token.created",
        token,
        changes={"user_id": [None, user.id], "name": [None, name], "hint": [None, token.hint]},
    )
    db.session.flush()
    return token, plaintext


def revoke_api_token(token: ApiToken) -> bool:
    """Revoke `token`; False when it was already revoked (nothing changes then)."""
    if not token.is_active:
        return False
    token.revoke()
    audit.record("api_token.revoked", token)
    db.session.flush()
    return True


def update_user(
    user: User,
    *,
    display_name: str,
    roles: set[Role],
    institution_id: int | None,
    is_active: bool,
    actor: User,
) -> bool:
    """An administrator's change to an account; True when something changed."""
    display_name = _clean_name(display_name)
    roles = {Role(r) for r in roles}
    if not roles:
        raise ValidationFailed(_("Choose at least one role."), field="roles")
    _check_institution(roles, institution_id)
    if actor.id == user.id:
        # Keeps at least one administrator: nobody can lock themselves out.
        if user.is_admin and Role.ADMIN not in roles:
            raise ValidationFailed(
                _("You cannot remove your own administrator role. Ask another administrator."), field="roles"
            )
        if not is_active:
            raise ValidationFailed(_("You cannot deactivate your own account."), field="is_active")
    roles_before = _role_values(user.role_set)
    user.display_name = display_name
    user.institution_id = institution_id
    user.is_active = is_active
    changes = audit.changes_of(user)
    if roles_before != _role_values(roles):
        user.set_roles(roles)
        changes["roles"] = [roles_before, _role_values(roles)]
    if not changes:
        return False
    audit.record("user.updated", user, changes=changes, actor=actor)
    db.session.flush()
    return True
