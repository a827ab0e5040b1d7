"""Account forms. Each holds only what its user may edit."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SearchField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, ValidationError

from talent.accounts.passwords import password_problem
from talent.core.i18n import LANGUAGES, timezone_choices
from talent.core.permissions import Role

NAME_TOO_LONG = _l("The name is too long: at most %(max)d characters.")
EMAIL_INVALID = _l("Enter a valid e-mail address.")
PASSWORDS_DIFFER = _l("The passwords differ.")

ROLE_LABELS = {
    Role.APPLICANT: _l("Applicant"),
    Role.INSTITUTION: _l("Institution staff"),
    Role.REVIEWER: _l("Reviewer"),
    Role.ADMIN: _l("Administrator"),
}


def _language_choices() -> list[SelectChoice]:
    return [SelectChoice(code, name, render_kw={"lang": code}) for code, name in LANGUAGES.items()]


def _timezone_choices() -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in timezone_choices()]


def _role_choices() -> list[SelectChoice]:
    return [SelectChoice(role.value, label) for role, label in ROLE_LABELS.items()]


def _required():
    return DataRequired(_l("This field is required."))


def _name_field():
    return StringField(_l("Your name"), validators=[_required(), Length(max=200, message=NAME_TOO_LONG)])


def _email_field():
    return EmailField(
        _l("E-mail"),
        validators=[_required(), Email(EMAIL_INVALID, check_deliverability=False), Length(max=254)],
    )


def _new_password_field(label=None):
    return PasswordField(label or _l("Password"), validators=[_required(), Length(max=1024)])


def _confirm_field(other: str):
    return PasswordField(
        _l("Repeat the password"), validators=[_required(), EqualTo(other, PASSWORDS_DIFFER)]
    )


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[_required(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[_required(), Length(max=1024)])
    remember = BooleanField(_l("Keep me logged in on this device"))


class RegisterForm(FlaskForm):
    display_name = _name_field()
    email = _email_field()
    password = _new_password_field()
    confirm = _confirm_field("password")
    locale = SelectField(_l("Language"), choices=_language_choices(), default="en")
    timezone = SelectField(_l("Time zone"), default="UTC")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.timezone.choices = _timezone_choices()

    def validate_password(self, field):
        problem = password_problem(field.data, email=self.email.data or "", name=self.display_name.data or "")
        if problem:
            raise ValidationError(problem)


class SettingsForm(FlaskForm):
    display_name = _name_field()
    locale = SelectField(_l("Interface language"), choices=_language_choices())
    timezone = SelectField(_l("Time zone"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.timezone.choices = _timezone_choices()


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[_required(), Length(max=1024)])
    new_password = _new_password_field(_l("New password"))
    confirm = _confirm_field("new_password")


class ForgotPasswordForm(FlaskForm):
    email = _email_field()


class ResetPasswordForm(FlaskForm):
    password = _new_password_field(_l("New password"))
    confirm = _confirm_field("password")


class TokenForm(FlaskForm):
    name = StringField(
        _l("Token name"),
        validators=[
            _required(),
            Length(max=100, message=_l("The name is too long: at most %(max)d characters.")),
        ],
    )


def _optional_int(value):
    if value in (None, "", "None"):
        return None
    return int(value)


class _AdminUserFields(FlaskForm):
    display_name = StringField(_l("Name"), validators=[_required(), Length(max=200, message=NAME_TOO_LONG)])
    roles = SelectMultipleField(_l("Roles"), choices=_role_choices())
    institution_id = SelectField(_l("Institution"), coerce=_optional_int)

    def __init__(self, *args, institutions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.institution_id.choices = [SelectChoice("", _l("— none —"))] + [
            SelectChoice(i.id, i.name) for i in institutions
        ]

    def validate_roles(self, field):
        if not field.data:
            raise ValidationError(_l("Choose at least one role."))

    def validate_institution_id(self, field):
        if Role.INSTITUTION.value in (self.roles.data or []) and field.data is None:
            raise ValidationError(_l("Institution staff must belong to an institution."))


class AdminUserCreateForm(_AdminUserFields):
    email = _email_field()
    password = _new_password_field(_l("Initial password"))

    def validate_password(self, field):
        problem = password_problem(field.data, email=self.email.data or "", name=self.display_name.data or "")
        if problem:
            raise ValidationError(problem)


class AdminUserEditForm(_AdminUserFields):
    is_active = BooleanField(_l("Active (can log in)"))


class UserSearchForm(FlaskForm):
    """The filters above the user list (GET; no CSRF token needed to read)."""

    class Meta:
        csrf = False

    q = SearchField(_l("Search by e-mail or name"), validators=[Optional(), Length(max=100)])
    role = SelectField(
        _l("Role"),
        choices=[SelectChoice("", _l("All roles")), *_role_choices()],
        default="",
        validators=[Optional()],
    )
