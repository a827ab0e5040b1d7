"""Forms of the review pages: scores against the rubric, conflicts, assignments.

The rules (scores 1–5 for every criterion, who may review what) are checked again by
talent.programmes.reviews; the forms only shape what the user typed.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, IntegerField, RadioField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional

from talent.programmes.review_scores import MAX_COMMENT
from talent.programmes.reviews import MAX_REASON
from talent.reference.forms import choices

SCALE = [SelectChoice(str(n), str(n)) for n in range(1, 6)]


def score_form(call, review=None):
    """A form with a 1–5 radio group per rubric criterion (field names `score-<code>`) and a comment."""

    class ScoreForm(FlaskForm):
        comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=MAX_COMMENT)])

    for criterion in call.rubric:
        setattr(
            ScoreForm,
            f"score-{criterion['code']}",
            RadioField(
                criterion["label"],
                choices=SCALE,
                validators=[InputRequired(message=_l("Choose a score from 1 to 5."))],
            ),
        )
    data = {}
    if review is not None and review.scores:
        data = {f"score-{code}": str(value) for code, value in review.scores.items()}
        data["comment"] = review.comment
    return ScoreForm(data=data)


def score_fields(form, call):
    return [(criterion, form[f"score-{criterion['code']}"]) for criterion in call.rubric]


def scores_from(form, call) -> dict[str, str]:
    return {c["code"]: form[f"score-{c['code']}"].data for c in call.rubric}


class ConflictForm(FlaskForm):
    reason = TextAreaField(
        _l("Why you have a conflict of interest"), validators=[DataRequired(), Length(max=MAX_REASON)]
    )


class StandingConflictForm(FlaskForm):
    institution_id = SelectField(_l("Institution"), validators=[Optional()], default="")
    email = EmailField(
        _l("or a person's e-mail address"),
        validators=[Optional(), Length(max=254), Email(message=_l("Not a valid e-mail address."))],
    )
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=MAX_REASON)])

    def __init__(self, *args, institutions: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.institution_id.choices = choices(institutions, blank=_l("Choose an institution"))


class AssignForm(FlaskForm):
    reviewer_id = IntegerField(_l("Reviewer"), validators=[InputRequired(message=_l("Choose a reviewer."))])
