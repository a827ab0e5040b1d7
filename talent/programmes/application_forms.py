"""Forms of the applicant's pages and of the extension the programme office records.

Each holds only what its user may set. Lengths and formats are checked here for the message next
to the field; the operations in talent.programmes.applications check them again (the API uses
them without these forms).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, FieldList, Form, FormField, SelectField, StringField, TextAreaField, TimeField
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional, ValidationError

from talent.core.i18n import is_known_timezone, timezone_choices
from talent.programmes.applications import (
    EMAIL_MAX,
    MAX_REFEREES,
    PLAN_MAX,
    REASON_MAX,
    REFEREE_INSTITUTION_MAX,
    REFEREE_NAME_MAX,
    STATEMENT_MAX,
)
from talent.programmes.labels import DOCUMENT_TYPE
from talent.programmes.models import DocumentType


def _stripped(value):
    return value.strip() if isinstance(value, str) else value


class RefereeForm(Form):
    """One referee; a row left blank is no referee, a row partly filled needs a name and an e-mail."""

    name = StringField(_l("Name"), validators=[Length(max=REFEREE_NAME_MAX)], filters=[_stripped])
    email = StringField(
        _l("E-mail address"),
        validators=[Length(max=EMAIL_MAX)],
        filters=[_stripped],
        render_kw={"type": "email", "autocomplete": "off"},
    )
    institution = StringField(
        _l("Institution"), validators=[Optional(), Length(max=REFEREE_INSTITUTION_MAX)], filters=[_stripped]
    )

    def validate_name(self, field):
        if not field.data and (self.email.data or self.institution.data):
            raise ValidationError(_l("Give the referee's name."))

    def validate_email(self, field):
        if not field.data:
            if self.name.data or self.institution.data:
                raise ValidationError(_l("Give the referee's e-mail address."))
            return
        Email(message=_l("Not a valid e-mail address."))(self, field)


class DraftForm(FlaskForm):
    statement = TextAreaField(
        _l("Statement of motivation"),
        validators=[Optional(), Length(max=STATEMENT_MAX)],
        render_kw={"rows": 10, "dir": "auto"},
    )
    plan = TextAreaField(
        _l("Research or work plan"),
        validators=[Optional(), Length(max=PLAN_MAX)],
        render_kw={"rows": 12, "dir": "auto"},
    )
    referees = FieldList(FormField(RefereeForm), min_entries=MAX_REFEREES, max_entries=MAX_REFEREES)

    def referee_values(self) -> list[dict]:
        return [dict(entry.data) for entry in self.referees.entries]


def document_choices(required: list[DocumentType]) -> list[tuple[str, str]]:
    """Required types first (marked), then every other type as optional."""
    others = [doc_type for doc_type in DocumentType if doc_type not in required]
    return [(t.value, f"{DOCUMENT_TYPE[t]} ({_l('required')})") for t in required] + [
        (t.value, str(DOCUMENT_TYPE[t])) for t in others
    ]


class UploadForm(FlaskForm):
    doc_type = SelectField(_l("Document"), validators=[DataRequired(message=_l("Choose the document type."))])
    file = FileField(
        _l("File (PDF, PNG or JPEG)"),
        validators=[FileRequired(_l("Choose the file to upload."))],
        render_kw={"accept": ".pdf,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg"},
    )

    def __init__(self, *args, required: list[DocumentType], **kwargs):
        super().__init__(*args, **kwargs)
        self.doc_type.choices = document_choices(required)


class ConfirmForm(FlaskForm):
    """A button that only confirms (submit, withdraw, delete a document)."""


class ExtensionForm(FlaskForm):
    """A per-applicant extension: a later time, in a time zone the office chooses, and why."""

    until_on = DateField(_l("New deadline: date"), validators=[InputRequired(_l("Give the date."))])
    until_time = TimeField(_l("Time"), validators=[InputRequired(_l("Give the time."))])
    time_zone = SelectField(_l("Time zone"), validators=[DataRequired()])
    reason = TextAreaField(
        _l("Reason"),
        validators=[DataRequired(_l("Give the reason for the extension.")), Length(max=REASON_MAX)],
        render_kw={"rows": 3},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.time_zone.choices = timezone_choices()

    def validate_time_zone(self, field):
        if not is_known_timezone(field.data):
            raise ValidationError(_l("Unknown time zone."))

    def until(self) -> datetime:
        """The chosen date and time, in the chosen zone, as an aware datetime."""
        return datetime.combine(
            self.until_on.data, self.until_time.data, tzinfo=ZoneInfo(self.time_zone.data)
        )
