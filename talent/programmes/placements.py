"""Placements of exchange participants: where they work, confirmed arrival and completion.

Rules:
- Only exchange programmes have placements, and only for an accepted application whose offer
  the applicant accepted. The programme office creates and edits them while they are planned or
  under way (dates and supervisor may change; a completed placement is final).
- The host institution's staff (or the programme office) confirm arrival, then completion:
  arrival on a day that has come (not in the future) and not after the placement's end date;
  completion on a day that has come, not before arrival and not before the start date.
- Completion issues the programme-completion certificate at once, in the same transaction, and
  tells the participant.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from talent.certificates.issuance import issue_for_placement
from talent.certificates.models import Certificate
from talent.core import audit
from talent.core.errors import IllegalTransition, ValidationFailed
from talent.core.notifications import notify, path_for, recipient_locale
from talent.core.pagination import Page, page_number
from talent.extensions import db
from talent.programmes.decision_messages import applicant_user, application_link
from talent.programmes.decisions import reference
from talent.programmes.models import (
    Application,
    Call,
    Placement,
    PlacementStatus,
    Programme,
)
from talent.reference.models import Institution, Person

NOTE_MAX_LENGTH = 2000
OUTCOME_MAX_LENGTH = 300
EDITABLE = (PlacementStatus.PLANNED, PlacementStatus.ARRIVED)


@dataclass(frozen=True)
class PlacementDetails:
    host_institution_id: int
    supervisor_name: str
    supervisor_email: str | None
    starts_on: date
    ends_on: date
    note: str = ""


def placement_of(application: Application) -> Placement | None:
    return db.session.execute(
        select(Placement).where(Placement.application_id == application.id)
    ).scalar_one_or_none()


def programme_of(application: Application) -> Programme:
    call = db.session.get(Call, application.call_id)
    return db.session.get(Programme, call.programme_id)


def check_placeable(application: Application) -> None:
    if not programme_of(application).is_exchange:
        raise ValidationFailed(
            _("Only exchange programmes place participants at a host institution."), field="application_id"
        )
    if not application.has_accepted_offer:
        raise ValidationFailed(
            _("A placement is made once the applicant was accepted and accepted the offer."),
            field="application_id",
        )


def _check_details(details: PlacementDetails) -> PlacementDetails:
    if db.session.get(Institution, details.host_institution_id) is None:
        raise ValidationFailed(_("Choose the host institution."), field="host_institution_id")
    name = (details.supervisor_name or "").strip()
    if not name:
        raise ValidationFailed(_("Enter the supervisor's name."), field="supervisor_name")
    if details.ends_on < details.starts_on:
        raise ValidationFailed(_("The placement cannot end before it starts."), field="ends_on")
    if len(details.note or "") > NOTE_MAX_LENGTH:
        raise ValidationFailed(
            _("The note has at most %(max)d characters.", max=NOTE_MAX_LENGTH), field="note"
        )
    email = (details.supervisor_email or "").strip() or None
    return PlacementDetails(
        details.host_institution_id, name, email, details.starts_on, details.ends_on, details.note or ""
    )


def save_placement(application: Application, details: PlacementDetails, *, actor=None) -> Placement:
    """Create the placement of `application`, or change its details while it is not finished."""
    check_placeable(application)
    details = _check_details(details)
    placement = placement_of(application)
    created = placement is None
    if created:
        placement = Placement(application_id=application.id)
        db.session.add(placement)
    elif placement.status not in EDITABLE:
        raise IllegalTransition(_("This placement is finished; it can no longer be changed."))
    placement.host_institution_id = details.host_institution_id
    placement.supervisor_name = details.supervisor_name
    placement.supervisor_email = details.supervisor_email
    placement.starts_on = details.starts_on
    placement.ends_on = details.ends_on
    placement.note = details.note
    if created:
        db.session.flush()
    audit.record(
        "placement.created" if created else "placement.changed",
        placement,
        changes=None if not created else _created_changes(placement),
        summary=reference(application),
        actor=actor,
    )
    db.session.flush()
    db.session.refresh(placement, ["host"])
    _tell_participant(
        placement,
        application,
        lambda host: _(
            "Your placement at %(host)s is planned from %(start)s to %(end)s.",
            host=host,
            start=placement.starts_on.isoformat(),
            end=placement.ends_on.isoformat(),
        ),
        lambda: _("Talent Exchange: your placement"),
    )
    return placement


def _created_changes(placement: Placement) -> dict:
    return {
        "host_institution_id": [None, placement.host_institution_id],
        "supervisor_name": [None, placement.supervisor_name],
        "starts_on": [None, placement.starts_on.isoformat()],
        "ends_on": [None, placement.ends_on.isoformat()],
    }


def confirm_arrival(placement: Placement, on: date, *, today: date, actor=None) -> Placement:
    if on > today:
        raise ValidationFailed(
            _("Arrival can be confirmed once it has happened, not in advance."), field="on"
        )
    if on > placement.ends_on:
        raise ValidationFailed(_("The arrival date is after the end of the placement."), field="on")
    placement.confirm_arrival(on, getattr(actor, "id", None))
    audit.record("placement.arrived", placement, actor=actor)
    db.session.flush()
    application = db.session.get(Application, placement.application_id)
    _tell_participant(
        placement,
        application,
        lambda host: _("%(host)s confirmed your arrival on %(date)s.", host=host, date=on.isoformat()),
        None,
    )
    return placement


def confirm_completion(
    placement: Placement, on: date, *, today: date, actor=None, outcome: str = ""
) -> Certificate:
    """Confirm completion and issue the programme-completion certificate; returns it."""
    if placement.status == PlacementStatus.PLANNED:
        raise IllegalTransition(_("Confirm the participant's arrival first."))
    if on > today:
        raise ValidationFailed(
            _("Completion can be confirmed once it has happened, not in advance."), field="on"
        )
    if placement.arrived_on is not None and on < placement.arrived_on:
        raise ValidationFailed(
            _("The placement cannot be completed before the participant arrived."), field="on"
        )
    if on < placement.starts_on:
        raise ValidationFailed(_("The placement cannot be completed before its start date."), field="on")
    outcome = (outcome or "").strip()
    if len(outcome) > OUTCOME_MAX_LENGTH:
        raise ValidationFailed(
            _("The result has at most %(max)d characters.", max=OUTCOME_MAX_LENGTH), field="outcome"
        )
    placement.confirm_completion(on, getattr(actor, "id", None))
    audit.record("placement.completed", placement, actor=actor)
    db.session.flush()
    cert = issue_for_placement(placement, actor=actor, outcome=outcome)
    application = db.session.get(Application, placement.application_id)
    _tell_participant(
        placement,
        application,
        lambda host: _(
            "%(host)s confirmed that you completed your placement. Your programme certificate is ready.",
            host=host,
        ),
        lambda: _("Talent Exchange: placement completed"),
        link=_certificates_link(),
    )
    return cert


def _certificates_link() -> str:
    return path_for("certificates.my_certificates")


def _tell_participant(placement, application, message, subject, *, link=None) -> None:
    user = applicant_user(application)
    if user is None:
        return
    with recipient_locale(user):
        notify(
            user,
            message(placement.host.name),
            link=link or application_link(application),
            mail_subject=subject() if subject else None,
        )


# --- reads -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlacementRow:
    placement: Placement
    application: Application
    person_name: str
    programme_name: str


def placements_page(user, *, per_page: int):
    """Placements the user may confirm (admins: all; host staff: their institution's), latest start
    first, with participant and programme in the same query."""
    stmt = (
        select(Placement, Application, Person.name_latin, Programme.name)
        .join(Application, Application.id == Placement.application_id)
        .join(Person, Person.id == Application.person_id)
        .join(Call, Call.id == Application.call_id)
        .join(Programme, Programme.id == Call.programme_id)
        .order_by(Placement.starts_on.desc(), Placement.id.desc())
    )
    if not user.is_admin:
        stmt = stmt.where(Placement.host_institution_id == user.institution_id)
    page = paginate_rows(stmt, per_page=per_page)
    page.items = [PlacementRow(*row) for row in page.items]
    return page


def paginate_rows(stmt, *, per_page: int):
    """`talent.core.pagination.paginate` for statements that select several things per row."""
    number = page_number()
    rows = db.session.execute(stmt.limit(per_page + 1).offset((number - 1) * per_page)).all()
    return Page(items=list(rows[:per_page]), number=number, has_next=len(rows) > per_page)
