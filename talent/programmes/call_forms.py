"""Forms for programmes and calls. They parse what the browser sends into the values the
operations in calls.py take, and leave the rules (and their messages) to those operations.

The call form needs no JavaScript: times are a local date and time in a chosen zone, the
eligibility rules are plain fields, and the rubric is a fixed number of rows (blank rows ignored).
"""

from __future__ import annotations

import re
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Optional, ValidationError

from talent.core.errors import DomainError
from talent.core.i18n import timezone_choices
from talent.core.translation_fields import TranslationFields, add_translation_fields
from talent.programmes import call_checks
from talent.programmes import eligibility as rules
from talent.programmes.call_checks import LABELS, MAX_CRITERIA
from talent.programmes.labels import DOCUMENT_TYPE, PROGRAMME_KIND
from talent.reference.data.isced import ISCED_LEVELS, level_label
from talent.reference.forms import choices
from talent.workshops.forms import MultiCheckboxField, language_choices

QUOTA_LINE = re.compile(r"\s*([A-Za-z]{2})\s*[:=]?\s*(-?\d{1,9})\s*")
# Where an operation's error about a rule is shown: "eligibility_rules.max_age" at the max_age field.
RULE_FIELDS = {
    rules.NATIONALITY_IN: "nationalities",
    rules.GLOBAL_SOUTH: "global_south",
    rules.NOT_HOST_COUNTRY: "not_host_country",
    rules.MAX_AGE: "max_age",
    rules.MIN_AGE: "min_age",
    rules.MIN_ISCED_LEVEL: "min_isced_level",
    rules.LANGUAGE_CERTIFICATE: "certificate_language",
}


def _attach(field, message: str) -> None:
    field.errors = [*field.errors, message]


# --- programmes ----------------------------------------------------------------------------


class ProgrammeForm(TranslationFields, FlaskForm):
    TRANSLATED = "name"
    kind = SelectField(LABELS["kind"], choices=choices(PROGRAMME_KIND), validate_choice=False)
    name = StringField(LABELS["name"], validators=[DataRequired()], render_kw={"maxlength": 200})
    description = TextAreaField(LABELS["description"])
    host_country_code = SelectField(
        LABELS["host_country_code"], validators=[DataRequired()], validate_choice=False, default="CN"
    )
    organiser_id = SelectField(LABELS["organiser_id"], validate_choice=False, default="")
    is_active = BooleanField(LABELS["is_active"], default=True)

    FIELDS = ("kind", "name", "description", "host_country_code", "organiser_id", "is_active")

    def __init__(self, *args, countries, institutions, **kwargs):
        super().__init__(*args, **kwargs)
        self.host_country_code.choices = choices(countries, blank=_l("Choose a country"))
        self.organiser_id.choices = choices(institutions, blank=_l("None"))

    def fill_from(self, programme) -> None:
        for name in self.FIELDS:
            self[name].data = getattr(programme, name)
        self.kind.data = programme.kind.value
        self.organiser_id.data = "" if programme.organiser_id is None else str(programme.organiser_id)
        self.fill_translations(programme.names)

    def values(self) -> dict:
        out = {name: self[name].data for name in self.FIELDS}
        out["organiser_id"] = out["organiser_id"] or None
        out["names"] = self.translations()
        return out

    def attach(self, error: DomainError) -> bool:
        """Show the message at its field; False when no field matches (the page shows it on top)."""
        target = self._fields.get(self.translated_field_name(error.field or ""))
        if target is None:
            return False
        _attach(target, error.message)
        return True


add_translation_fields(ProgrammeForm, lambda language: _l("Name in %(language)s", language=language))


# --- calls ---------------------------------------------------------------------------------


class CriterionForm(Form):
    """One rubric row; a row left blank is no criterion."""

    code = StringField(_l("Code"), render_kw={"maxlength": 32, "spellcheck": "false"})
    label = StringField(_l("Criterion"), render_kw={"maxlength": 200})
    weight = IntegerField(_l("Weight (%)"), validators=[Optional()])
    guidance = TextAreaField(_l("Guidance for reviewers"), render_kw={"rows": 2})

    @property
    def is_blank(self) -> bool:
        return not (
            (self.code.data or "").strip()
            or (self.label.data or "").strip()
            or (self.weight.raw_data or [""])[0].strip()
            or self.weight.data is not None
            or (self.guidance.data or "").strip()
        )


RUBRIC_ROWS = MAX_CRITERIA


class CallForm(FlaskForm):
    programme_id = SelectField(LABELS["programme_id"], validators=[DataRequired()], validate_choice=False)
    title = StringField(LABELS["title"], validators=[DataRequired()], render_kw={"maxlength": 200})
    description = TextAreaField(LABELS["description"], render_kw={"rows": 6})
    time_zone = SelectField(LABELS["time_zone"], validate_choice=False, default="Asia/Shanghai")
    opens_on = DateField(_l("Opening date"), validators=[InputRequired()])
    opens_time = TimeField(_l("Opening time"), validators=[InputRequired()])
    closes_on = DateField(_l("Closing date"), validators=[InputRequired()])
    closes_time = TimeField(_l("Closing time"), validators=[InputRequired()])

    nationalities = StringField(_l("Only nationals of these countries"), render_kw={"spellcheck": "false"})
    global_south = BooleanField(_l("Only nationals of Global South countries"))
    not_host_country = BooleanField(_l("Not nationals of the host country"))
    min_age = IntegerField(_l("Minimum age on the closing date"), validators=[Optional()])
    max_age = IntegerField(_l("Maximum age on the closing date"), validators=[Optional()])
    min_isced_level = SelectField(_l("Minimum education completed"), validate_choice=False, default="")
    certificate_language = SelectField(_l("Language certificate in"), validate_choice=False, default="")

    required_documents = MultiCheckboxField(LABELS["required_documents"], validate_choice=False)
    rubric = FieldList(FormField(CriterionForm), min_entries=RUBRIC_ROWS, max_entries=RUBRIC_ROWS)

    reviewers_per_application = IntegerField(
        LABELS["reviewers_per_application"], validators=[InputRequired()], default=3
    )
    is_blind_review = BooleanField(LABELS["is_blind_review"], default=True)
    is_nationality_conflict = BooleanField(LABELS["is_nationality_conflict"])
    review_days = IntegerField(LABELS["review_days"], validators=[InputRequired()], default=21)
    quota_total = IntegerField(LABELS["quota_total"], validators=[Optional()])
    country_quotas = TextAreaField(LABELS["country_quotas"], render_kw={"rows": 4, "spellcheck": "false"})
    offer_days = IntegerField(LABELS["offer_days"], validators=[InputRequired()], default=14)

    PLAIN = (
        "programme_id",
        "title",
        "description",
        "time_zone",
        "reviewers_per_application",
        "is_blind_review",
        "is_nationality_conflict",
        "review_days",
        "quota_total",
        "offer_days",
    )

    def __init__(self, *args, programmes, **kwargs):
        super().__init__(*args, **kwargs)
        self.programme_id.choices = choices(programmes, blank=_l("Choose a programme"))
        self.time_zone.choices = choices(timezone_choices())
        self.min_isced_level.choices = choices(
            ((n, level_label(n)) for n in ISCED_LEVELS), blank=_l("No minimum")
        )
        self.certificate_language.choices = choices(language_choices(), blank=_l("No certificate needed"))
        self.required_documents.choices = [(doc.value, label) for doc, label in DOCUMENT_TYPE.items()]
        self._rubric_rows: list[int] = []  # form row of each criterion sent to the operation

    # --- reading -------------------------------------------------------------------------

    def validate_country_quotas(self, field) -> None:
        self.parsed_quotas = {}
        for number, line in enumerate((field.data or "").splitlines(), start=1):
            if not line.strip():
                continue
            match = QUOTA_LINE.fullmatch(line)
            if match is None:
                raise ValidationError(
                    _("Line %(n)d: write a country code and a number of places, e.g. KE 2.", n=number)
                )
            code, places = match.group(1).upper(), int(match.group(2))
            if code in self.parsed_quotas:
                raise ValidationError(_("Line %(n)d: %(code)s is given twice.", n=number, code=code))
            self.parsed_quotas[code] = places

    def eligibility_rules(self) -> list[dict]:
        out: list[dict] = []
        codes = [code for code in re.split(r"[\s,;]+", self.nationalities.data or "") if code]
        if codes:
            out.append({"rule": rules.NATIONALITY_IN, "countries": codes})
        if self.global_south.data:
            out.append({"rule": rules.GLOBAL_SOUTH})
        if self.not_host_country.data:
            out.append({"rule": rules.NOT_HOST_COUNTRY})
        if self.min_age.data is not None:
            out.append({"rule": rules.MIN_AGE, "years": self.min_age.data})
        if self.max_age.data is not None:
            out.append({"rule": rules.MAX_AGE, "years": self.max_age.data})
        if self.min_isced_level.data not in (None, ""):
            level = self.min_isced_level.data
            out.append({"rule": rules.MIN_ISCED_LEVEL, "level": int(level) if level.isdigit() else level})
        if self.certificate_language.data:
            out.append({"rule": rules.LANGUAGE_CERTIFICATE, "language": self.certificate_language.data})
        return out

    def criteria(self) -> list[dict]:
        out = []
        self._rubric_rows = []
        for index, row in enumerate(self.rubric):
            if row.form.is_blank:
                continue
            self._rubric_rows.append(index)
            out.append(
                {
                    "code": (row.form.code.data or "").strip().lower(),
                    "label": row.form.label.data or "",
                    "weight": row.form.weight.data,
                    "guidance": row.form.guidance.data or "",
                }
            )
        return out

    def values(self) -> dict:
        """What the operation takes. Raises ValidationFailed for an unknown zone or a time the clocks skip."""
        out = {name: self[name].data for name in self.PLAIN}
        zone = self.time_zone.data
        out["opens_at"] = call_checks.utc_from_local(
            datetime.combine(self.opens_on.data, self.opens_time.data), zone, "opens_at"
        )
        out["closes_at"] = call_checks.utc_from_local(
            datetime.combine(self.closes_on.data, self.closes_time.data), zone, "closes_at"
        )
        out["eligibility_rules"] = self.eligibility_rules()
        out["required_documents"] = list(self.required_documents.data or [])
        out["rubric"] = self.criteria()
        out["country_quotas"] = getattr(self, "parsed_quotas", {})
        return out

    # --- showing -------------------------------------------------------------------------

    def fill_from(self, call) -> None:
        for name in self.PLAIN:
            self[name].data = getattr(call, name)
        self.programme_id.data = str(call.programme_id)
        tz = call_checks.zone(call.time_zone)
        opens, closes = call.opens_at.astimezone(tz), call.closes_at.astimezone(tz)
        self.opens_on.data, self.opens_time.data = opens.date(), opens.time().replace(tzinfo=None)
        self.closes_on.data, self.closes_time.data = closes.date(), closes.time().replace(tzinfo=None)
        for rule in call.eligibility_rules:
            kind = rule.get("rule")
            if kind == rules.NATIONALITY_IN:
                self.nationalities.data = ", ".join(rule["countries"])
            elif kind in (rules.GLOBAL_SOUTH, rules.NOT_HOST_COUNTRY):
                self[RULE_FIELDS[kind]].data = True
            elif kind in (rules.MIN_AGE, rules.MAX_AGE):
                self[RULE_FIELDS[kind]].data = rule["years"]
            elif kind == rules.MIN_ISCED_LEVEL:
                self.min_isced_level.data = str(rule["level"])
            elif kind == rules.LANGUAGE_CERTIFICATE:
                self.certificate_language.data = rule["language"]
        self.required_documents.data = list(call.required_documents)
        for row, criterion in zip(self.rubric, call.rubric, strict=False):
            for name in ("code", "label", "weight", "guidance"):
                row.form[name].data = criterion.get(name)
        self.country_quotas.data = "\n".join(
            f"{code} {places}" for code, places in call.country_quotas.items()
        )

    def attach(self, error: DomainError) -> bool:
        """Show the message at its field (a rubric row, a rule's field …); False when none matches."""
        name = error.field or ""
        target = None
        if name in ("opens_at", "closes_at"):
            target = self.opens_on if name == "opens_at" else self.closes_on
        elif name.startswith("eligibility_rules."):
            target = self._fields.get(RULE_FIELDS.get(name.removeprefix("eligibility_rules."), ""))
        elif name.startswith("rubric."):
            parts = name.split(".")
            index = int(parts[1]) if parts[1].isdigit() else -1
            if 0 <= index < len(self._rubric_rows):
                row = self.rubric[self._rubric_rows[index]].form
                target = row[parts[2]] if len(parts) > 2 and parts[2] in row else row.code
        elif name == "rubric":
            self.rubric_errors = [*getattr(self, "rubric_errors", []), error.message]
            return True
        else:
            target = self._fields.get(name)
        if target is None:
            return False
        _attach(target, error.message)
        return True
