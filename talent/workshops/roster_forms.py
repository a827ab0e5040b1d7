"""Forms of the roster, attendance, scores, closing and dashboard pages.

The attendance and scores forms have one field (or two) per enrolled trainee, named after the
enrolment id, so a post can only ever speak about trainees the page listed.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SearchField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional, ValidationError

from talent.core.errors import ValidationFailed
from talent.workshops.labels import ATTENDANCE_STATUS, COHORT_STATUS, ENROLMENT_STATUS
from talent.workshops.models import AttendanceStatus, CohortStatus, EnrolmentStatus
from talent.workshops.progress import clean_score

SORT_LABELS = {
    "name": _l("Name"),
    "status": _l("Status"),
    "attendance": _l("Attendance"),
    "score": _l("Weighted score"),
}
ORDER_LABELS = {"asc": _l("Ascending"), "desc": _l("Descending")}


def _choices(pairs: dict, *, blank=None) -> list[SelectChoice]:
    out = [SelectChoice(str(value), label) for value, label in pairs.items()]
    return [SelectChoice("", blank), *out] if blank is not None else out


class RosterFilterForm(FlaskForm):
    """Read from the query string, so links and bookmarks keep the search, filter and order."""

    class Meta:
        csrf = False

    q = SearchField(_l("Search name or e-mail"), validators=[Length(max=200)])
    status = SelectField(_l("Status"), default="")
    sort = SelectField(_l("Sort by"), default="name")
    order = SelectField(_l("Order"), default="asc")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Built per request, so that the labels are in the reader's language.
        self.status.choices = _choices(ENROLMENT_STATUS, blank=_l("Any status"))
        self.sort.choices = _choices(SORT_LABELS)
        self.order.choices = _choices(ORDER_LABELS)

    @property
    def status_value(self) -> EnrolmentStatus | None:
        return EnrolmentStatus(self.status.data) if self.status.data else None


class ScoreField(StringField):
    """A score typed by a person: 72.5 or 72,5; the rules are those of `progress.clean_score`."""

    def __init__(self, label=None, **kwargs):
        render_kw = {"inputmode": "decimal", "autocomplete": "off", "size": "6"}
        super().__init__(label, validators=[_score_rule], render_kw=render_kw, **kwargs)


def _score_rule(form, field) -> None:
    try:
        clean_score(field.data, field.name)
    except ValidationFailed as error:
        raise ValidationError(error.message) from None


def attendance_form(enrolments, marks: dict[int, AttendanceStatus], **kwargs) -> FlaskForm:
    """Present / absent / excused for each trainee, the saved mark chosen."""

    class AttendanceForm(FlaskForm):
        # Who was on the page: "mark everyone left unmarked" must not reach a trainee enrolled
        # after the page was loaded, whom the person marking never saw.
        listed = HiddenField(default=" ".join(str(e.id) for e in enrolments))
        rest = SelectField(
            _l("Mark everyone left unmarked as"),
            choices=_choices(ATTENDANCE_STATUS, blank=_l("Leave them unmarked")),
            default="",
        )

    # Translated once: the page repeats the three words for every trainee.
    options = _choices({status: str(word) for status, word in ATTENDANCE_STATUS.items()})
    for enrolment in enrolments:
        saved = marks.get(enrolment.id)
        setattr(
            AttendanceForm,
            f"mark-{enrolment.id}",
            RadioField(
                enrolment.person.name_latin,
                choices=options,
                default=saved.value if saved else None,
                validators=[Optional()],
            ),
        )
    return AttendanceForm(**kwargs)


def chosen_marks(form, enrolments) -> dict[int, AttendanceStatus]:
    listed = set((form.listed.data or "").split())
    marks = {}
    for enrolment in enrolments:
        value = form[f"mark-{enrolment.id}"].data
        if not value and str(enrolment.id) in listed:
            value = form.rest.data or None
        if value:
            marks[enrolment.id] = AttendanceStatus(value)
    return marks


def scores_form(enrolments, **kwargs) -> FlaskForm:
    class ScoresForm(FlaskForm):
        pass

    for enrolment in enrolments:
        name = enrolment.person.name_latin
        for part, label, value in (
            ("theory", _l("Theory score of %(name)s", name=name), enrolment.theory_score),
            ("practical", _l("Practical score of %(name)s", name=name), enrolment.practical_score),
        ):
            setattr(
                ScoresForm,
                f"{part}-{enrolment.id}",
                ScoreField(label, default=format(value.normalize(), "f") if value is not None else ""),
            )
    return ScoresForm(**kwargs)


def chosen_scores(form, formdata, enrolments) -> dict[int, tuple[str, str]]:
    """The scores posted, for the trainees the page showed: a trainee enrolled after the page was
    loaded has no fields in the post, and their scores (perhaps uploaded meanwhile) stay."""
    return {
        e.id: (form[f"theory-{e.id}"].data, form[f"practical-{e.id}"].data)
        for e in enrolments
        if f"theory-{e.id}" in formdata and f"practical-{e.id}" in formdata
    }


class CloseForm(FlaskForm):
    """Only the CSRF token: closing takes no input, it is confirmed by posting."""


class DashboardFilterForm(FlaskForm):
    class Meta:
        csrf = False

    institution = SelectField(_l("Institution"), default="")
    status = SelectField(_l("Cohorts"), default="")

    def __init__(self, *args, institutions: list[tuple[int, str]] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.status.choices = _choices(COHORT_STATUS, blank=_l("All cohorts"))
        if institutions is None:
            del self.institution
        else:
            self.institution.choices = _choices(dict(institutions), blank=_l("All institutions"))

    @property
    def status_value(self) -> CohortStatus | None:
        return CohortStatus(self.status.data) if self.status.data else None
