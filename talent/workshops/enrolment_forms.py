"""Forms of the enrolment pages: staff enrol one trainee, requests, withdrawals, the waitlist.

Each holds only what its user may set; the rules (who may be enrolled, the window, the seats,
the waitlist range) are checked by talent.workshops.enrolment and talent.reference.operations.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, EmailField, HiddenField, IntegerField, SearchField, SelectField, StringField
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional

from talent.reference.forms import choices

REASON_MAX_LENGTH = 500


def _stripped(value):
    return value.strip() if isinstance(value, str) else value


class PersonSearchForm(FlaskForm):
    """Find someone to enrol; read from the query string so the results can be bookmarked."""

    class Meta:
        csrf = False

    q = SearchField(_l("Name or e-mail address"), validators=[Optional(), Length(max=254)])


class PickPersonForm(FlaskForm):
    """The button next to a search result. `q` repeats the search, because a person found only
    by their exact e-mail address may be enrolled only by whoever knows that address."""

    person_id = IntegerField(validators=[InputRequired()])
    q = HiddenField(validators=[Length(max=254)])


class NewPersonForm(FlaskForm):
    """The minimum profile of a trainee who has no record yet."""

    name_latin = StringField(
        _l("Name as in the passport (Latin letters)"), validators=[DataRequired(), Length(max=200)]
    )
    name_native = StringField(
        _l("Name in their own script"), validators=[Optional(), Length(max=200)], render_kw={"dir": "auto"}
    )
    email = EmailField(
        _l("E-mail address"),
        validators=[DataRequired(), Length(max=254), Email(message=_l("Not a valid e-mail address."))],
        filters=[_stripped],
    )
    nationality_code = SelectField(_l("Nationality"), validators=[DataRequired()], default="")
    born_on = DateField(_l("Date of birth"), validators=[InputRequired()])

    def __init__(self, *args, countries: list[tuple[str, str]], **kwargs):
        # Beside the search form on the same page, so its fields get ids of their own.
        super().__init__(*args, prefix="new", **kwargs)
        self.nationality_code.choices = choices(countries, blank=_l("Choose a country"))

    def values(self) -> dict:
        return {
            "name_latin": self.name_latin.data,
            "name_native": self.name_native.data,
            "email": self.email.data,
            "nationality_code": self.nationality_code.data,
            "born_on": self.born_on.data,
        }


class WithdrawForm(FlaskForm):
    """Withdraw, remove or decline; the reason is kept in the enrolment's history."""

    reason = StringField(_l("Reason (optional)"), validators=[Optional(), Length(max=REASON_MAX_LENGTH)])
    next = HiddenField()


class WaitlistPositionForm(FlaskForm):
    position = IntegerField(
        _l("New position"),
        validators=[
            InputRequired(message=_l("Give a position in the waitlist.")),
            NumberRange(min=1, message=_l("Give a position from 1 up.")),
        ],
    )


class JoinForm(FlaskForm):
    next = HiddenField()
