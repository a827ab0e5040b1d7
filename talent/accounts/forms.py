"""Account forms. Each holds only what its user may edit."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from talent.accounts.passwords import password_problem
from talent.core.i18n import LANGUAGES, timezone_choices


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])
    remember = BooleanField(_l("Keep me logged in on this device"))


class RegisterForm(FlaskForm):
    display_name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])
    confirm = PasswordField(
        _l("Repeat the password"), validators=[DataRequired(), EqualTo("password", _l("The passwords differ."))]
    )
    locale = SelectField(_l("Language"), choices=list(LANGUAGES.items()), default="en")
    timezone = SelectField(_l("Time zone"), default="UTC")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.timezone.choices = timezone_choices()

    def validate_password(self, field):
        problem = password_problem(field.data, email=self.email.data or "", name=self.display_name.data or "")
        if problem:
            raise ValidationError(problem)
