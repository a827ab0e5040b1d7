"""Forms of the programme office's decision pages, the applicant's offer answer and placements.

Each holds only what its user may set; quotas, states and date rules are checked by
talent.programmes.decisions and talent.programmes.placements.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    EmailField,
    HiddenField,
    RadioField,
    SearchField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional, ValidationError

from talent.programmes.decisions import NOTE_MAX_LENGTH
from talent.programmes.labels import APPLICATION_STATUS
from talent.programmes.models import ApplicationStatus
from talent.programmes.placements import OUTCOME_MAX_LENGTH
from talent.reference.forms import choices


def _stripped(value):
    return value.strip() if isinstance(value, str) else value


def decision_choices():
    return choices(
        [
            (ApplicationStatus.ACCEPTED.value, _l("Accept (offer a place)")),
            (ApplicationStatus.WAITLISTED.value, _l("Waitlist")),
            (ApplicationStatus.REJECTED.value, _l("Reject")),
        ]
    )


class DecisionForm(FlaskForm):
    decision = RadioField(_l("Decision"), choices=decision_choices(), validators=[InputRequired()])
    note = TextAreaField(
        _l("Note (kept with the decision, not sent to the applicant)"),
        validators=[Optional(), Length(max=NOTE_MAX_LENGTH)],
        filters=[_stripped],
    )


class BulkDecisionForm(FlaskForm):
    """Posted by the ranking page: one decision for the ticked applications, which come as
    `application_ids` repeated (read with `application_ids()` in the view)."""

    decision = SelectField(_l("Decision"), choices=decision_choices(), validators=[InputRequired()])
    note = TextAreaField(
        _l("Note"), validators=[Optional(), Length(max=NOTE_MAX_LENGTH)], filters=[_stripped]
    )


class OfferAnswerForm(FlaskForm):
    answer = RadioField(
        _l("Your answer"),
        choices=choices([("accept", _l("Accept the place")), ("decline", _l("Decline the place"))]),
        validators=[InputRequired()],
    )


class ApplicationFilterForm(FlaskForm):
    """Filters of the applications list, read from the query string so a list can be bookmarked."""

    class Meta:
        csrf = False

    status = SelectField(_l("State"), validators=[Optional()], default="")
    country = SelectField(_l("Country"), validators=[Optional()], default="")
    q = SearchField(
        _l("Name or e-mail address"), validators=[Optional(), Length(max=254)], filters=[_stripped]
    )
    after = HiddenField(validators=[Optional()])

    def __init__(self, *args, countries: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.status.choices = choices(
            [(status.value, label) for status, label in APPLICATION_STATUS.items()], blank=_l("Any state")
        )
        self.country.choices = choices(countries, blank=_l("Any country"))

    @property
    def status_value(self) -> ApplicationStatus | None:
        return ApplicationStatus(self.status.data) if self.status.data else None

    @property
    def after_value(self) -> int | None:
        raw = self.after.data or ""
        return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 19 else None


class PlacementForm(FlaskForm):
    host_institution_id = SelectField(_l("Host institution"), coerce=int, validators=[InputRequired()])
    supervisor_name = StringField(
        _l("Supervisor's name"), validators=[DataRequired(), Length(max=200)], filters=[_stripped]
    )
    supervisor_email = EmailField(
        _l("Supervisor's e-mail address"),
        validators=[Optional(), Length(max=254), Email(message=_l("Not a valid e-mail address."))],
        filters=[_stripped],
    )
    starts_on = DateField(_l("Start date"), validators=[InputRequired()])
    ends_on = DateField(_l("End date"), validators=[InputRequired()])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)], filters=[_stripped])

    def __init__(self, *args, institutions: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.host_institution_id.choices = choices([(0, _l("Choose an institution")), *institutions])

    def validate_host_institution_id(self, field) -> None:
        if not field.data:
            raise ValidationError(_l("Choose the host institution."))

    def validate_ends_on(self, field) -> None:
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError(_l("The placement cannot end before it starts."))


class ArrivalForm(FlaskForm):
    on = DateField(_l("Arrival date"), validators=[InputRequired()])


class CompletionForm(FlaskForm):
    on = DateField(_l("Completion date"), validators=[InputRequired()])
    outcome = StringField(
        _l("Result, printed on the certificate (optional)"),
        validators=[Optional(), Length(max=OUTCOME_MAX_LENGTH)],
        filters=[_stripped],
    )
