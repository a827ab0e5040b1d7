"""Decisions on applications: accept, waitlist, reject; offers, their answers and lapses.

Every change to who holds a place in a call first locks that call's row (SELECT … FOR UPDATE on
PostgreSQL; on SQLite writing transactions already run one at a time), so the places counted
here cannot be taken by a concurrent request: two administrators accepting the last place at
once get one acceptance and one refusal.

An application holds a place while it is accepted and its offer is pending or accepted. A
decision that would give more places than the call's total quota, or than the applicant's
country quota, is refused with the reason and changes nothing.

Bulk decisions (from the ranking) are all or nothing: either every application named gets the
decision, or none does and every reason is reported. A ranking decision is meant as a whole
("these five in, in this order"); applying part of it would silently skip someone in the middle
of the ranking while accepting those below them.

When an offer is declined or lapses, the freed place goes to the first waitlisted applicant whose
country quota still has room: they are accepted with a fresh offer and told by mail.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from talent.core import audit
from talent.core.db import utcnow
from talent.core.errors import DomainError, IllegalTransition, ValidationFailed
from talent.extensions import db
from talent.programmes.admin_queries import places_held
from talent.programmes.decision_messages import tell_answer, tell_decision, tell_lapsed
from talent.programmes.labels import APPLICATION_STATUS
from talent.programmes.models import (
    DECIDABLE_STATES,
    DECISIONS,
    Application,
    ApplicationStatus,
    Call,
    OfferStatus,
)
from talent.reference.models import Country

NOTE_MAX_LENGTH = 2000
MAX_BULK = 500


class QuotaExceeded(DomainError):
    """A decision that would give more places than a quota allows."""

    status_code = 409


class BulkRefused(DomainError):
    """A bulk decision refused as a whole; `reasons` lists every application's problem."""

    status_code = 409

    def __init__(self, reasons: list[str]):
        first = reasons[0]
        if len(reasons) > 1:
            first = _("%(first)s (and %(count)d more problems)", first=first, count=len(reasons) - 1)
        super().__init__(first, field="application_ids")
        self.reasons = reasons


def reference(application: Application) -> str:
    """The neutral reference of an application, as reviewers and exports show it."""
    return f"A-{application.id:06d}"


# --- places and quotas -----------------------------------------------------------------------


def lock_call(call_id: int) -> Call:
    call = db.session.execute(
        select(Call)
        .where(Call.id == call_id)
        .with_for_update(of=Call)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if call is None:
        raise ValidationFailed(_("Unknown call."), field="call_id")
    return call


def _attach(application: Application, call: Call) -> Application:
    # The model reads `application.call` (offer days, deadline); the locked call is that call.
    set_committed_value(application, "call", call)
    return application


def country_name(code: str | None) -> str:
    if not code:
        return _("unknown country")
    country = db.session.get(Country, code)
    return country.name if country else code


def quota_problem(call: Call, held: Counter, country_code: str | None, more: int = 1) -> str | None:
    """Why `more` further places for `country_code` would break a quota, or None."""
    total = sum(held.values())
    if call.quota_total is not None and total + more > call.quota_total:
        return _(
            "The call's quota of %(count)d places is full (%(held)d held).",
            count=call.quota_total,
            held=total,
        )
    limit = (call.country_quotas or {}).get(country_code) if country_code else None
    if limit is not None and held[country_code] + more > limit:
        return _(
            "%(country)s's quota of %(count)d places is full (%(held)d held).",
            country=country_name(country_code),
            count=limit,
            held=held[country_code],
        )
    return None


def _check_note(note: str | None) -> str | None:
    note = (note or "").strip() or None
    if note and len(note) > NOTE_MAX_LENGTH:
        raise ValidationFailed(
            _("The note has at most %(max)d characters.", max=NOTE_MAX_LENGTH), field="decision_note"
        )
    return note


def _check_decision(decision) -> ApplicationStatus:
    try:
        decision = ApplicationStatus(decision)
    except ValueError:
        decision = None
    if decision not in DECISIONS:
        raise ValidationFailed(_("A decision is accept, waitlist or reject."), field="decision")
    return decision


def _check_decidable(application: Application) -> None:
    if application.status not in DECIDABLE_STATES:
        raise IllegalTransition(
            _(
                "Application %(ref)s is %(state)s: only submitted, reviewed or waitlisted applications "
                "can be decided.",
                ref=reference(application),
                state=APPLICATION_STATUS[application.status],
            ),
            field="decision",
        )


# --- deciding --------------------------------------------------------------------------------


def decide(
    application: Application,
    decision: ApplicationStatus | str,
    *,
    actor=None,
    note: str | None = None,
    now: datetime | None = None,
) -> Application:
    """Accept, waitlist or reject one application; accepting checks the quotas under the call lock."""
    decision = _check_decision(decision)
    note = _check_note(note)
    call = lock_call(application.call_id)
    db.session.refresh(application)
    _attach(application, call)
    _check_decidable(application)
    if decision == ApplicationStatus.ACCEPTED:
        problem = quota_problem(call, places_held(call), application.country_code)
        if problem:
            raise QuotaExceeded(problem, field="decision")
    was_waiting = application.status == ApplicationStatus.WAITLISTED
    _apply(application, call, decision, actor=actor, note=note, now=now or utcnow())
    if was_waiting or decision == ApplicationStatus.WAITLISTED:
        renumber_waitlist(call)
    tell_decision(application, call)
    db.session.flush()
    return application


def decide_many(
    call: Call,
    application_ids: Iterable[int],
    decision: ApplicationStatus | str,
    *,
    actor=None,
    note: str | None = None,
    now: datetime | None = None,
) -> list[Application]:
    """The same decision for several applications of `call`: all of them, or none (BulkRefused)."""
    decision = _check_decision(decision)
    note = _check_note(note)
    ids = list(dict.fromkeys(int(i) for i in application_ids))
    if not ids:
        raise ValidationFailed(_("Choose at least one application."), field="application_ids")
    if len(ids) > MAX_BULK:
        raise ValidationFailed(
            _("At most %(max)d applications can be decided at once.", max=MAX_BULK), field="application_ids"
        )
    call = lock_call(call.id)
    applications = list(
        db.session.scalars(
            select(Application)
            .where(Application.id.in_(ids), Application.call_id == call.id)
            .order_by(Application.score_mean.desc().nulls_last(), Application.id)
            .execution_options(populate_existing=True)
        )
    )
    reasons = [
        _("Application %(ref)s is not part of this call.", ref=f"A-{missing:06d}")
        for missing in sorted(set(ids) - {a.id for a in applications})
    ]
    held = places_held(call)
    for application in applications:
        _attach(application, call)
        if application.status not in DECIDABLE_STATES:
            reasons.append(
                _(
                    "Application %(ref)s is %(state)s and cannot be decided.",
                    ref=reference(application),
                    state=APPLICATION_STATUS[application.status],
                )
            )
            continue
        if decision == ApplicationStatus.ACCEPTED:
            problem = quota_problem(call, held, application.country_code)
            if problem:
                reasons.append(
                    _("Application %(ref)s: %(reason)s", ref=reference(application), reason=problem)
                )
                continue
            held[application.country_code] += 1
    if reasons:
        raise BulkRefused(reasons)
    when = now or utcnow()
    for application in applications:
        _apply(application, call, decision, actor=actor, note=note, now=when)
    renumber_waitlist(call)
    for application in applications:
        tell_decision(application, call)
    db.session.flush()
    return applications


def _apply(application: Application, call: Call, decision, *, actor, note, now) -> None:
    before = application.status.value
    application.decide(decision, now, getattr(actor, "id", None), note)
    audit.record(
        "application.decide",
        application,
        changes={
            "status": [before, application.status.value],
            "offer_expires_at": [None, application.offer_expires_at.isoformat()]
            if application.offer_expires_at
            else [None, None],
            "decision_note": [None, note],
        },
        summary=f"{reference(application)} → {application.status.value}",
        actor=actor,
    )


def renumber_waitlist(call: Call) -> None:
    """Waitlisted applications ranked 1..n in ranking order (mean weighted score, best first).

    The caller holds the call lock. Only ranks that change are written.
    """
    rows = db.session.execute(
        select(Application.id, Application.waitlist_rank)
        .where(Application.call_id == call.id, Application.status == ApplicationStatus.WAITLISTED)
        .order_by(Application.score_mean.desc().nulls_last(), Application.submitted_at, Application.id)
    ).all()
    changes = [
        {"id": ident, "waitlist_rank": rank}
        for rank, (ident, current) in enumerate(rows, start=1)
        if current != rank
    ]
    if changes:
        db.session.flush()
        db.session.execute(update(Application), changes)
        # Objects already in the session keep the old ranks otherwise.
        for change in changes:
            loaded = db.session.identity_map.get(identity_key(Application, change["id"]))
            if loaded is not None:
                db.session.expire(loaded, ["waitlist_rank"])


# --- offers ----------------------------------------------------------------------------------


def answer_offer(
    application: Application, accept: bool, *, actor=None, now: datetime | None = None
) -> Application | None:
    """The applicant accepts or declines their offer before its deadline.

    A decline frees the place: returns the waitlisted application that was offered it, if any.
    """
    now = now or utcnow()
    call = lock_call(application.call_id)
    db.session.refresh(application)
    _attach(application, call)
    application.answer_offer(accept, now)
    audit.record(
        "application.offer_accepted" if accept else "application.offer_declined",
        application,
        changes={"offer_status": [OfferStatus.PENDING.value, application.offer_status.value]},
        summary=reference(application),
        actor=actor,
    )
    tell_answer(application, call)
    db.session.flush()
    if accept:
        return None
    return offer_freed_place(call, actor=actor, now=now)


def expired_offer_ids(now: datetime | None = None) -> list[int]:
    """Pending offers past their deadline (what the lapsing job has still to do)."""
    return list(
        db.session.scalars(
            select(Application.id)
            .where(
                Application.status == ApplicationStatus.ACCEPTED,
                Application.offer_status == OfferStatus.PENDING,
                Application.offer_expires_at < (now or utcnow()),
            )
            .order_by(Application.offer_expires_at, Application.id)
        )
    )


@dataclass(frozen=True)
class Lapse:
    lapsed: Application
    promoted: Application | None  # who was offered the freed place


def lapse_offer(application_id: int, *, now: datetime | None = None) -> Lapse | None:
    """Lapse one unanswered offer past its deadline and offer the place to the waitlist.

    Does nothing (returns None) when the offer was answered or already lapsed meanwhile, so it is
    safe to repeat.
    """
    now = now or utcnow()
    application = db.session.get(Application, application_id)
    if application is None:
        return None
    call = lock_call(application.call_id)
    db.session.refresh(application)
    _attach(application, call)
    if application.offer_status != OfferStatus.PENDING or not (
        application.offer_expires_at is not None and application.offer_expires_at < now
    ):
        return None
    application.lapse_offer(now)
    audit.record(
        "application.offer_lapsed",
        application,
        changes={"offer_status": [OfferStatus.PENDING.value, OfferStatus.LAPSED.value]},
        summary=reference(application),
    )
    tell_lapsed(application, call)
    db.session.flush()
    return Lapse(application, offer_freed_place(call, now=now))


def offer_freed_place(call: Call, *, actor=None, now: datetime | None = None) -> Application | None:
    """Give one freed place to the first waitlisted application the quotas allow. Caller holds the lock."""
    now = now or utcnow()
    held = places_held(call)
    if call.quota_total is not None and sum(held.values()) >= call.quota_total:
        return None
    waiting = db.session.execute(
        select(Application.id, Application.country_code)
        .where(Application.call_id == call.id, Application.status == ApplicationStatus.WAITLISTED)
        .order_by(Application.waitlist_rank.asc().nulls_last(), Application.score_mean.desc(), Application.id)
    ).all()
    first = next((ident for ident, country in waiting if quota_problem(call, held, country) is None), None)
    if first is None:
        return None
    candidate = _attach(db.session.get(Application, first), call)
    before_rank = candidate.waitlist_rank
    candidate.decide(ApplicationStatus.ACCEPTED, now, getattr(actor, "id", None), candidate.decision_note)
    audit.record(
        "application.promoted",
        candidate,
        changes={
            "status": [ApplicationStatus.WAITLISTED.value, ApplicationStatus.ACCEPTED.value],
            "waitlist_rank": [before_rank, None],
            "offer_expires_at": [None, candidate.offer_expires_at.isoformat()],
        },
        summary=_("%(ref)s offered a freed place", ref=reference(candidate)),
        actor=actor,
    )
    db.session.flush()
    renumber_waitlist(call)
    tell_decision(candidate, call, promoted=True)
    return candidate
