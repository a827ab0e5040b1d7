"""Forms for courses, cohorts and sessions, and the catalogue's filters.

They parse what the browser sends (numbers, dates) and leave the rules to the operations, so a
rule and its message live in one place for the pages and the API alike. Selects of records do
not check the choice themselves for the same reason: "unknown course" is said by the operation.
"""

from __future__ import annotations

import pycountry
from babel import Locale
from babel.dates import get_day_names
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DecimalField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from talent.core.translation_fields import TranslationFields, add_translation_fields
from talent.reference.data.isced import ISCED_FIELDS, ISCED_LEVELS, field_label, level_label
from talent.reference.forms import choices
from talent.workshops.checks import LABELS
from talent.workshops.models import SessionKind

SESSION_KIND_LABELS = {SessionKind.THEORY: _l("Theory"), SessionKind.PRACTICE: _l("Practice")}
COURSE_FIELDS = (
    "code",
    "title",
    "description",
    "field_code",
    "isced_level",
    "framework_level",
    "theory_hours",
    "practice_hours",
    "competencies",
    "theory_weight",
    "practical_weight",
    "pass_mark",
    "min_attendance_pct",
)


def language_name(code: str, locale=None) -> str:
    """A language's name in the reader's language: "sw" is "Swahili" in English, "斯瓦希里语" in Chinese."""
    try:
        name = Locale.parse(str(locale or get_locale() or "en")).languages.get(code)
    except (ValueError, TypeError):
        name = None
    if name:
        return name
    record = pycountry.languages.get(alpha_2=code)
    return record.name if record else code


def language_choices() -> list[tuple[str, str]]:
    locale = get_locale()
    pairs = [
        (lang.alpha_2, f"{language_name(lang.alpha_2, locale)} ({lang.alpha_2})")
        for lang in pycountry.languages
        if hasattr(lang, "alpha_2")
    ]
    return sorted(pairs, key=lambda pair: pair[1].casefold())


def _int_or_none(value):
    return int(value) if value not in (None, "") else None


class CourseForm(TranslationFields, FlaskForm):
    TRANSLATED = "title"
    code = StringField(
        LABELS["code"], validators=[DataRequired()], render_kw={"maxlength": 32, "spellcheck": "false"}
    )
    title = StringField(LABELS["title"], validators=[DataRequired()], render_kw={"maxlength": 200})
    description = TextAreaField(LABELS["description"])
    field_code = SelectField(LABELS["field_code"], validators=[DataRequired()], validate_choice=False)
    isced_level = SelectField(LABELS["isced_level"], validators=[InputRequired()], validate_choice=False)
    framework_level = StringField(LABELS["framework_level"], render_kw={"maxlength": 60})
    theory_hours = IntegerField(LABELS["theory_hours"], validators=[InputRequired()], default=0)
    practice_hours = IntegerField(LABELS["practice_hours"], validators=[InputRequired()], default=0)
    competencies = TextAreaField(LABELS["competencies"])
    theory_weight = IntegerField(LABELS["theory_weight"], validators=[InputRequired()], default=30)
    practical_weight = IntegerField(LABELS["practical_weight"], validators=[InputRequired()], default=70)
    pass_mark = IntegerField(LABELS["pass_mark"], validators=[InputRequired()], default=60)
    min_attendance_pct = IntegerField(LABELS["min_attendance_pct"], validators=[InputRequired()], default=80)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Built per request, so that the labels are in the reader's language.
        self.field_code.choices = choices(((c, field_label(c)) for c in ISCED_FIELDS), blank=_l("Choose"))
        self.isced_level.choices = choices(((n, level_label(n)) for n in ISCED_LEVELS), blank=_l("Choose"))

    def field_for(self, name: str):
        """The field an operation's error names: "titles.zh" is shown at the Chinese title."""
        return self._fields.get(self.translated_field_name(name))

    def fill_from(self, course) -> None:
        for name in COURSE_FIELDS:
            self[name].data = getattr(course, name)
        self.isced_level.data = "" if course.isced_level is None else str(course.isced_level)
        self.competencies.data = "\n".join(course.competencies)
        self.fill_translations(course.titles)

    def values(self) -> dict:
        out = {name: self[name].data for name in COURSE_FIELDS}
        out["titles"] = self.translations()
        return out


add_translation_fields(CourseForm, lambda language: _l("Title in %(language)s", language=language))


class CohortForm(FlaskForm):
    course_id = SelectField(LABELS["course_id"], validators=[DataRequired()], validate_choice=False)
    host_institution_id = SelectField(
        LABELS["host_institution_id"], validators=[DataRequired()], validate_choice=False
    )
    partner_institution_id = SelectField(
        LABELS["partner_institution_id"], validators=[DataRequired()], validate_choice=False
    )
    starts_on = DateField(LABELS["starts_on"], validators=[InputRequired()])
    ends_on = DateField(LABELS["ends_on"], validators=[InputRequired()])
    language = SelectField(
        LABELS["language"], validators=[DataRequired()], validate_choice=False, default="en"
    )
    capacity = IntegerField(LABELS["capacity"], validators=[InputRequired()], default=20)
    enrolment_opens_on = DateField(LABELS["enrolment_opens_on"], validators=[InputRequired()])
    enrolment_closes_on = DateField(LABELS["enrolment_closes_on"], validators=[InputRequired()])
    instructors = TextAreaField(LABELS["instructors"])

    FIELDS = (
        "course_id",
        "host_institution_id",
        "partner_institution_id",
        "starts_on",
        "ends_on",
        "language",
        "capacity",
        "enrolment_opens_on",
        "enrolment_closes_on",
        "instructors",
    )

    def __init__(self, *args, courses, hosts, partners, **kwargs):
        super().__init__(*args, **kwargs)
        self.course_id.choices = choices(courses, blank=_l("Choose a course"))
        self.host_institution_id.choices = choices(hosts, blank=_l("Choose the host site"))
        self.partner_institution_id.choices = choices(partners, blank=_l("Choose the partner"))
        self.language.choices = choices(language_choices())

    def fill_from(self, cohort) -> None:
        for name in self.FIELDS:
            self[name].data = getattr(cohort, name)
        for name in ("course_id", "host_institution_id", "partner_institution_id"):
            self[name].data = str(self[name].data)
        self.instructors.data = "\n".join(cohort.instructors)

    def values(self) -> dict:
        return {name: self[name].data for name in self.FIELDS}


class SessionForm(FlaskForm):
    """One dated session; shown with the prefix "add" beside the weekly-pattern form."""

    held_on = DateField(LABELS["held_on"], validators=[InputRequired()])
    title = StringField(LABELS["title_prefix"], validators=[DataRequired()], render_kw={"maxlength": 200})
    kind = SelectField(
        LABELS["kind"], choices=choices(SESSION_KIND_LABELS), validate_choice=False, default="practice"
    )
    hours = DecimalField(LABELS["hours"], places=1, validators=[InputRequired()], default=4)


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class SessionPatternForm(FlaskForm):
    """Sessions on chosen weekdays between two dates; shown with the prefix "pattern"."""

    weekdays = MultiCheckboxField(LABELS["weekdays"], coerce=int, validate_choice=False)
    start = DateField(LABELS["start"], validators=[Optional()])
    end = DateField(LABELS["end"], validators=[Optional()])
    title_prefix = StringField(
        LABELS["title_prefix"], validators=[DataRequired()], render_kw={"maxlength": 190}
    )
    kind = SelectField(
        LABELS["kind"], choices=choices(SESSION_KIND_LABELS), validate_choice=False, default="practice"
    )
    hours = DecimalField(LABELS["hours"], places=1, validators=[InputRequired()], default=4)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        names = get_day_names("wide", locale=str(get_locale() or "en"))
        self.weekdays.choices = [(day, names[day]) for day in range(7)]


class CatalogueFilterForm(FlaskForm):
    """Read from the query string, so bookmarks and shared links keep the filters."""

    class Meta:
        csrf = False

    field = SelectField(LABELS["field_code"], default="")
    level = SelectField(LABELS["isced_level"], default="")
    country = SelectField(_l("Runs in"), default="")

    def __init__(self, *args, countries: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.field.choices = choices(((c, field_label(c)) for c in ISCED_FIELDS), blank=_l("Any field"))
        self.level.choices = choices(((n, level_label(n)) for n in ISCED_LEVELS), blank=_l("Any level"))
        self.country.choices = choices(countries, blank=_l("Any country"))

    def filters(self) -> dict:
        return {
            "field_code": self.field.data or None,
            "isced_level": _int_or_none(self.level.data),
            "country_code": self.country.data or None,
        }

    def as_args(self) -> dict:
        return {name: self[name].data for name in ("field", "level", "country") if self[name].data}
