"""Forms of the certificate pages: verifying, the administrators' list, revoking, re-issuing, keys."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, IntegerField, SearchField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from talent.certificates.issuance import REASON_MAX_LENGTH
from talent.certificates.models import CertificateKind
from talent.reference.forms import choices

KIND_LABELS = {
    CertificateKind.COURSE_COMPLETION: _l("Course completion"),
    CertificateKind.PROGRAMME_COMPLETION: _l("Programme completion"),
    CertificateKind.RECOGNITION_STATEMENT: _l("Recognition statement"),
}
# Public statuses, `expired` included (it is not stored: a valid certificate past its expiry date).
STATUS_LABELS = {
    "valid": _l("Valid"),
    "revoked": _l("Revoked"),
    "superseded": _l("Replaced"),
    "expired": _l("Expired"),
}


def _required():
    return DataRequired(_l("This field is required."))


class VerifyCodeForm(FlaskForm):
    """Sent with GET, so a verification link can be bookmarked or shared."""

    class Meta:
        csrf = False

    code = StringField(
        _l("Certificate code"),
        validators=[_required(), Length(max=64, message=_l("A certificate code is much shorter."))],
        render_kw={
            "autocomplete": "off",
            "autocapitalize": "characters",
            "spellcheck": "false",
            "placeholder": "ABCD-EFGH-JKMN-PQRS",
        },
    )


class VerifyPdfForm(FlaskForm):
    file = FileField(
        _l("Certificate PDF"),
        validators=[FileRequired(_l("Choose the PDF file of the certificate."))],
        render_kw={"accept": "application/pdf,.pdf"},
    )


class CertificateFilterForm(FlaskForm):
    """The administrators' list filters, read from the query string so links keep them."""

    class Meta:
        csrf = False

    q = SearchField(_l("Code or holder's name"), validators=[Length(max=200)])
    kind = SelectField(_l("Kind"), choices=choices(KIND_LABELS, blank=_l("Any kind")), default="")
    status = SelectField(_l("Status"), choices=choices(STATUS_LABELS, blank=_l("Any status")), default="")
    cohort = IntegerField(
        _l("Cohort number"),
        validators=[Optional(), NumberRange(min=1, max=2**31 - 1, message=_l("Enter a cohort number."))],
    )
    issuer_country = SelectField(_l("Issuer's country"), default="")
    nationality = SelectField(_l("Holder's nationality"), default="")

    def __init__(self, *args, countries: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.issuer_country.choices = choices(countries, blank=_l("Any country"))
        self.nationality.choices = choices(countries, blank=_l("Any nationality"))


class RevokeForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason (shown publicly on the verification page)"),
        validators=[
            _required(),
            Length(max=REASON_MAX_LENGTH, message=_l("At most %(max)d characters.")),
        ],
    )


class ReissueForm(FlaskForm):
    name = StringField(
        _l("Holder's name in Latin letters, as in the passport"),
        validators=[_required(), Length(max=200, message=_l("At most %(max)d characters."))],
    )
    name_native = StringField(
        _l("Holder's name in their own script"),
        validators=[Length(max=200, message=_l("At most %(max)d characters."))],
        render_kw={"dir": "auto"},
    )


class RotateKeyForm(FlaskForm):
    confirm = BooleanField(
        _l("Yes: retire the current key and sign new certificates with a new one"),
        validators=[DataRequired(_l("Tick the box to confirm."))],
    )
