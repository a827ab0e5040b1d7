"""Forms for institutions and person profiles. Each holds only what its user may edit; the
rules (lengths, known countries, URL schemes, dates) are checked again by the operations."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SearchField, SelectField, StringField, URLField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from talent.reference.data.isced import ISCED_FIELDS, ISCED_LEVELS, field_label, level_label
from talent.reference.models import Gender, InstitutionKind, PartnerStatus

KIND_LABELS = {
    InstitutionKind.UNIVERSITY: _l("University"),
    InstitutionKind.VOCATIONAL_COLLEGE: _l("Vocational college"),
    InstitutionKind.ENTERPRISE: _l("Enterprise"),
    InstitutionKind.RESEARCH_INSTITUTE: _l("Research institute"),
    InstitutionKind.GOVERNMENT: _l("Government body"),
    InstitutionKind.WORKSHOP_SITE: _l("Workshop site"),
}
STATUS_LABELS = {
    PartnerStatus.PROSPECTIVE: _l("Prospective"),
    PartnerStatus.ACTIVE: _l("Active partner"),
    PartnerStatus.SUSPENDED: _l("Suspended"),
    PartnerStatus.FORMER: _l("Former partner"),
}
GENDER_LABELS = {
    Gender.FEMALE: _l("Female"),
    Gender.MALE: _l("Male"),
    Gender.OTHER: _l("Other"),
    Gender.UNDISCLOSED: _l("Prefer not to say"),
}


def choices(pairs, *, blank=None) -> list[SelectChoice]:
    """Options from (value, label) pairs or a {value: label} dict, after an optional empty one."""
    items = pairs.items() if isinstance(pairs, dict) else pairs
    out = [SelectChoice(str(value), label) for value, label in items]
    return [SelectChoice("", blank), *out] if blank is not None else out


class InstitutionForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    name_native = StringField(
        _l("Name in its own language and script"), validators=[Length(max=200)], render_kw={"dir": "auto"}
    )
    kind = SelectField(_l("Kind"), choices=choices(KIND_LABELS))
    country_code = SelectField(_l("Country"), validators=[DataRequired()])
    city = StringField(_l("City"), validators=[Length(max=120)])
    website = URLField(_l("Website"), validators=[Length(max=255)])
    partner_status = SelectField(_l("Partner status"), choices=choices(STATUS_LABELS))

    def __init__(self, *args, countries: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.country_code.choices = choices(countries, blank=_l("Choose a country"))


class InstitutionFilterForm(FlaskForm):
    """The list's search and filters; read from the query string, so bookmarks and links keep them."""

    class Meta:
        csrf = False

    q = SearchField(_l("Search name or city"), validators=[Length(max=200)])
    kind = SelectField(_l("Kind"), choices=choices(KIND_LABELS, blank=_l("Any kind")), default="")
    country = SelectField(_l("Country"), default="")
    status = SelectField(
        _l("Partner status"), choices=choices(STATUS_LABELS, blank=_l("Any status")), default=""
    )

    def __init__(self, *args, countries: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.country.choices = choices(countries, blank=_l("Any country"))


class PersonSearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = SearchField(_l("Search name"), validators=[Length(max=200)])


class ProfileForm(FlaskForm):
    name_latin = StringField(
        _l("Name as in the passport (Latin letters)"), validators=[DataRequired(), Length(max=200)]
    )
    name_native = StringField(
        _l("Name in your own script"), validators=[Length(max=200)], render_kw={"dir": "auto"}
    )
    born_on = DateField(_l("Date of birth"), validators=[Optional()])
    gender = SelectField(_l("Gender"), choices=choices(GENDER_LABELS, blank=_l("Not given")), default="")
    nationality_code = SelectField(_l("Nationality"), default="")
    passport_number = StringField(
        _l("Passport number"),
        validators=[Length(max=40)],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    passport_expires_on = DateField(_l("Passport expiry date"), validators=[Optional()])
    isced_level = SelectField(_l("Highest education completed"), default="")
    field_code = SelectField(_l("Field of study"), default="")
    languages = StringField(_l("Languages you speak"), validators=[Length(max=200)])
    affiliation_id = SelectField(_l("Institution you belong to"), default="")

    def __init__(
        self, *args, countries: list[tuple[str, str]], institutions: list[tuple[int, str]], **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.nationality_code.choices = choices(countries, blank=_l("Not given"))
        self.affiliation_id.choices = choices(institutions, blank=_l("None"))
        # Built per request, so that the labels are in the reader's language.
        self.isced_level.choices = choices(((n, level_label(n)) for n in ISCED_LEVELS), blank=_l("Not given"))
        self.field_code.choices = choices(((c, field_label(c)) for c in ISCED_FIELDS), blank=_l("Not given"))

    def fill_from(self, person) -> None:
        """Show the saved values; the passport number is never sent back to the browser."""
        self.name_latin.data = person.name_latin
        self.name_native.data = person.name_native or ""
        self.born_on.data = person.born_on
        self.gender.data = person.gender.value if person.gender else ""
        self.nationality_code.data = person.nationality_code or ""
        self.passport_expires_on.data = person.passport_expires_on
        self.isced_level.data = "" if person.isced_level is None else str(person.isced_level)
        self.field_code.data = person.field_code or ""
        self.languages.data = ", ".join(person.language_list)
        self.affiliation_id.data = "" if person.affiliation_id is None else str(person.affiliation_id)

    def values(self) -> dict:
        return {
            "name_latin": self.name_latin.data,
            "name_native": self.name_native.data,
            "born_on": self.born_on.data,
            "gender": self.gender.data or None,
            "nationality_code": self.nationality_code.data,
            "passport_number": self.passport_number.data,
            "passport_expires_on": self.passport_expires_on.data,
            "isced_level": self.isced_level.data,
            "field_code": self.field_code.data,
            "languages": self.languages.data,
            "affiliation_id": self.affiliation_id.data,
        }
