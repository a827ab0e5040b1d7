"""Application use cases: start (or resume), save a draft, submit, withdraw, record an extension.

Each function takes loaded models and clean values, checks the rules, changes state through the
model's transitions, writes the audit entry, tells the applicant (in-app and by mail, after the
commit) and flushes; the request or job around it commits. Functions that change an application
expect it loaded with `application_queries.load_application(id, lock=True)`, so two requests on
the same application run one after the other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from talent.core import audit
from talent.core.db import utcnow
from talent.core.errors import IllegalTransition, ValidationFailed
from talent.core.notifications import notify, path_for, recipient_locale
from talent.core.times import zoned_time
from talent.extensions import db
from talent.programmes import application_queries as queries
from talent.programmes import eligibility
from talent.programmes.labels import APPLICATION_STATUS, DOCUMENT_TYPE
from talent.programmes.models import (
    Application,
    ApplicationStatus,
    Call,
    OfferStatus,
    Review,
    ReviewStatus,
)
from talent.reference.models import Person

STATEMENT_MAX = 8000
PLAN_MAX = 12000
MAX_REFEREES = 3
REFEREE_NAME_MAX = 200
REFEREE_INSTITUTION_MAX = 200
EMAIL_MAX = 254
REASON_MAX = 1000
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class SubmissionRefused(ValidationFailed):
    """Submission refused; `reasons` lists every unmet condition, in words for the applicant."""

    def __init__(self, reasons: list[str]):
        super().__init__(" ".join(reasons))
        self.reasons = reasons


@dataclass(frozen=True)
class StartResult:
    application: Application
    created: bool  # False: the person had already started one for this call, which is resumed


# --- times in words ------------------------------------------------------------------------


def next_step(application: Application, now: datetime, zone: str | None) -> str:
    """What the applicant should do next (or wait for), in plain words."""
    status = application.status
    if status == ApplicationStatus.DRAFT:
        deadline = application.deadline()
        if now < deadline:
            return _("Finish and submit by %(when)s.", when=zoned_time(deadline, zone))
        return _(
            "The deadline passed on %(when)s; this draft can no longer be submitted.",
            when=zoned_time(deadline, zone),
        )
    if application.is_reviewable:
        return _("Waiting for the review. Nothing to do for now; you will be told of the decision.")
    if status == ApplicationStatus.WAITLISTED:
        if application.waitlist_rank:
            return _(
                "You are number %(rank)d on the waitlist; you will be told if a place frees up.",
                rank=application.waitlist_rank,
            )
        return _("You are on the waitlist; you will be told if a place frees up.")
    if status == ApplicationStatus.ACCEPTED:
        if application.offer_status == OfferStatus.PENDING:
            if application.offer_expires_at is not None:
                return _("Answer the offer by %(when)s.", when=zoned_time(application.offer_expires_at, zone))
            return _("Answer the offer.")
        if application.offer_status == OfferStatus.ACCEPTED:
            return _("You accepted the offer. The programme office will contact you about what comes next.")
        if application.offer_status == OfferStatus.DECLINED:
            return _("You declined the offer. Nothing more to do.")
        if application.offer_status == OfferStatus.LAPSED:
            return _("The offer lapsed without an answer. Nothing more to do.")
    if status == ApplicationStatus.REJECTED:
        return _("Not selected this time. Nothing more to do.")
    return _("Withdrawn. Nothing more to do.")


# --- start ---------------------------------------------------------------------------------


def start(call: Call, person: Person, *, actor=None, now: datetime | None = None) -> StartResult:
    """Start `person`'s application to `call`, or return the one they already have (one per call)."""
    existing = queries.application_of(call.id, person.id)
    if existing is not None:
        return StartResult(existing, created=False)
    now = now or utcnow()
    if not call.is_open(now):
        if call.has_closed(now):
            raise ValidationFailed(
                _(
                    "This call closed on %(when)s; it takes no new applications.",
                    when=zoned_time(call.closes_at, getattr(actor, "timezone", None)),
                )
            )
        raise ValidationFailed(_("This call is not open for applications."))
    application = Application(call_id=call.id, person_id=person.id, statement="", plan="", referees=[])
    try:
        with db.session.begin_nested():
            db.session.add(application)
            db.session.flush()
    except IntegrityError:
        # The same person pressed "Apply" twice at once: the first request's application stands.
        return StartResult(queries.application_of(call.id, person.id), created=False)
    application = queries.load_application(application.id)
    audit.record(
        "application.started",
        application,
        changes={"status": [None, application.status.value], "call_id": [None, call.id]},
        summary=f"{person.name_latin} → {call.title}",
        actor=actor,
    )
    _tell_applicant(application, "started")
    db.session.flush()
    return StartResult(application, created=True)


# --- the draft -----------------------------------------------------------------------------


def _text(value, field: str, max_length: int) -> str:
    text = (value or "").replace("\r\n", "\n").strip()
    if len(text) > max_length:
        raise ValidationFailed(_("At most %(n)d characters.", n=max_length), field=field)
    if _CONTROL.search(text):
        raise ValidationFailed(_("Control characters are not allowed."), field=field)
    return text


def clean_referees(raw: list[dict]) -> list[dict[str, str]]:
    """Referees as stored: name and e-mail required for each given one, blank rows dropped.

    Errors name the field as `referees-<n>-<name>` (n from 0), the form's own field names.
    """
    if len(raw) > MAX_REFEREES:
        raise ValidationFailed(_("At most %(n)d referees.", n=MAX_REFEREES), field="referees")
    out = []
    for index, referee in enumerate(raw):
        name = _text(referee.get("name"), f"referees-{index}-name", REFEREE_NAME_MAX)
        email = _text(referee.get("email"), f"referees-{index}-email", EMAIL_MAX).lower()
        institution = _text(
            referee.get("institution"), f"referees-{index}-institution", REFEREE_INSTITUTION_MAX
        )
        if not (name or email or institution):
            continue
        if not name:
            raise ValidationFailed(_("Give the referee's name."), field=f"referees-{index}-name")
        if not email:
            raise ValidationFailed(_("Give the referee's e-mail address."), field=f"referees-{index}-email")
        if not _EMAIL.match(email):
            raise ValidationFailed(_("Not a valid e-mail address."), field=f"referees-{index}-email")
        out.append({"name": name, "email": email, "institution": institution})
    return out


def check_editable(application: Application) -> None:
    if not application.is_editable:
        raise IllegalTransition(
            _(
                "This application is %(state)s, so it can no longer be changed. Only drafts can be edited.",
                state=APPLICATION_STATUS[application.status],
            )
        )


def save_draft(
    application: Application,
    *,
    statement: str | None = None,
    plan: str | None = None,
    referees: list[dict] | None = None,
    actor=None,
) -> bool:
    """Save what the applicant wrote (None leaves a field as it is). Returns whether anything changed."""
    check_editable(application)
    values = {}
    if statement is not None:
        values["statement"] = _text(statement, "statement", STATEMENT_MAX)
    if plan is not None:
        values["plan"] = _text(plan, "plan", PLAN_MAX)
    if referees is not None:
        values["referees"] = clean_referees(referees)
    changed = {name: value for name, value in values.items() if getattr(application, name) != value}
    if not changed:
        return False
    for name, value in changed.items():
        setattr(application, name, value)
    audit.record("application.saved", application, actor=actor)
    db.session.flush()
    return True


# --- submit --------------------------------------------------------------------------------


def submission_problems(
    application: Application, person: Person, now: datetime, zone: str | None
) -> list[str]:
    """Everything that stands in the way of submitting, in words; empty when it can be submitted."""
    problems = []
    deadline = application.deadline()
    if now >= deadline:
        problems.append(
            _(
                "The deadline for this application was %(when)s. Nothing can be submitted after it.",
                when=zoned_time(deadline, zone),
            )
        )
    elif now < application.call.opens_at or not application.call.is_published:
        problems.append(_("This call is not open for applications yet."))
    result = eligibility.evaluate(application.call, person, now=now)
    for failure in result.results:
        if not failure.passed:
            problems.append(_("Not eligible: %(reason)s", reason=failure.reason))
    present = {document.doc_type for document in queries.documents_of(application)}
    for doc_type in eligibility.required_documents(application.call):
        if doc_type not in present:
            problems.append(_("Upload the %(document)s.", document=DOCUMENT_TYPE[doc_type]))
    if not application.statement.strip():
        problems.append(_("Write your statement."))
    if not application.plan.strip():
        problems.append(_("Write your research or work plan."))
    return problems


def submit(application: Application, *, actor=None, now: datetime | None = None) -> None:
    """Submit a draft: before its deadline, eligible, with every required document and text.

    Refused with SubmissionRefused listing every problem; nothing changes then.
    """
    check_editable(application)
    now = now or utcnow()
    person = application.person
    zone = person.user.timezone if person.user is not None else None
    problems = submission_problems(application, person, now, zone)
    if problems:
        raise SubmissionRefused(problems)
    application.submit(now, person.nationality_code, person.affiliation_id)
    audit.record("application.submitted", application, actor=actor)
    db.session.flush()
    _tell_applicant(application, "submitted")


# --- withdraw ------------------------------------------------------------------------------


def withdraw(application: Application, *, actor=None, now: datetime | None = None) -> None:
    """Withdraw before a decision (a draft, or a submitted application under review or not)."""
    if application.status == ApplicationStatus.WITHDRAWN:
        raise IllegalTransition(_("This application is already withdrawn."))
    if application.is_decided:
        raise IllegalTransition(
            _(
                "This application was already decided (%(state)s); it can no longer be withdrawn.",
                state=APPLICATION_STATUS[application.status],
            )
        )
    application.withdraw(now or utcnow())
    audit.record("application.withdrawn", application, actor=actor)
    # Nobody should spend time scoring a withdrawn application: open assignments end with it.
    open_reviews = db.session.scalars(
        select(Review).where(Review.application_id == application.id, Review.status == ReviewStatus.ASSIGNED)
    )
    for review in open_reviews:
        review.withdraw()
        audit.record("review.withdrawn", review, actor=actor)
    db.session.flush()
    _tell_applicant(application, "withdrawn")


# --- extension (programme office) ----------------------------------------------------------


def record_extension(
    application: Application, until: datetime, reason: str, *, actor=None, now: datetime | None = None
) -> None:
    """Let one applicant submit until `until` (later than the call's closing), for `reason`."""
    now = now or utcnow()
    if application.status != ApplicationStatus.DRAFT:
        raise IllegalTransition(
            _(
                "This application is %(state)s; an extension only helps an application not yet submitted.",
                state=APPLICATION_STATUS[application.status],
            ),
            field="until",
        )
    if until.tzinfo is None:
        raise ValueError("the extension's time must be aware")
    zone = getattr(actor, "timezone", None)
    if until <= application.call.closes_at:
        raise ValidationFailed(
            _(
                "The new time must be later than the call's closing (%(when)s).",
                when=zoned_time(application.call.closes_at, zone),
            ),
            field="until",
        )
    if until <= now:
        raise ValidationFailed(_("The new time must be in the future."), field="until")
    reason = _text(reason, "reason", REASON_MAX)
    if not reason:
        raise ValidationFailed(_("Give the reason for the extension."), field="reason")
    application.extended_until = until
    application.extension_reason = reason
    audit.record("application.extended", application, summary=reason, actor=actor)
    db.session.flush()
    _tell_applicant(application, "extended")


# --- telling the applicant -----------------------------------------------------------------


def _tell_applicant(application: Application, step: str) -> None:
    user = application.person.user
    if user is None:
        return
    with recipient_locale(user):
        title = application.call.title_in(user.locale or "en")
        deadline = zoned_time(application.deadline(), user.timezone)
        if step == "started":
            message = _(
                "You started an application to %(call)s. Finish and submit it by %(when)s.",
                call=title,
                when=deadline,
            )
        elif step == "submitted":
            message = _(
                "Your application to %(call)s is submitted. It can no longer be changed; you will hear "
                "from the programme office after the review.",
                call=title,
            )
        elif step == "withdrawn":
            message = _("Your application to %(call)s is withdrawn.", call=title)
        else:
            message = _(
                "The programme office gave you until %(when)s to submit your application to %(call)s.",
                call=title,
                when=deadline,
            )
        notify(
            user,
            message,
            link=path_for("programmes.application", application_id=application.id),
            mail_subject=_("Talent Exchange: your application"),
        )
