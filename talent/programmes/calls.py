"""Programmes and their calls: the use cases behind the admin pages (and any future API or CLI).

Each checks every value field by field (call_checks.py), then the rules across fields here,
changes, audits and flushes; the request commits.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import exists, func, select
from sqlalchemy.exc import IntegrityError

from talent.core import audit
from talent.core.checks import clean
from talent.core.db import utcnow
from talent.core.errors import IllegalTransition
from talent.extensions import db
from talent.programmes.call_checks import CALL_CHECKS, PROGRAMME_CHECKS, fail
from talent.programmes.models import Application, Call, Programme, Review, ReviewStatus

# --- programmes ------------------------------------------------------------------------------


def _check_name_free(programme: Programme | None, name: str) -> None:
    taken = select(Programme.id).where(func.lower(Programme.name) == name.lower())
    if programme is not None:
        taken = taken.where(Programme.id != programme.id)
    if db.session.execute(taken.limit(1)).first() is not None:
        fail("name", _("another programme is already called “%(name)s”.", name=name))


def _flush_unique_name(name: str) -> None:
    # Two admins saving the same name at once: the unique index decides, the other gets a message.
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        fail("name", _("another programme is already called “%(name)s”.", name=name))


def create_programme(
    *,
    kind,
    name,
    names=None,
    description="",
    host_country_code="CN",
    organiser_id=None,
    is_active=True,
    actor=None,
) -> Programme:
    values = clean(
        PROGRAMME_CHECKS,
        {
            "kind": kind,
            "name": name,
            "names": names,
            "description": description,
            "host_country_code": host_country_code,
            "organiser_id": organiser_id,
            "is_active": is_active,
        },
    )
    _check_name_free(None, values["name"])
    programme = Programme(**values)
    db.session.add(programme)
    diff = audit.real_changes(programme)
    _flush_unique_name(programme.name)
    audit.record("programme.created", programme, changes=diff, summary=programme.name, actor=actor)
    db.session.flush()
    return programme


def update_programme(programme: Programme, *, actor=None, **changes) -> Programme:
    """Change some of a programme's facts; values not given stay as they are."""
    values = clean(PROGRAMME_CHECKS, changes)
    if "name" in values:
        _check_name_free(programme, values["name"])
    for key, value in values.items():
        setattr(programme, key, value)
    diff = audit.real_changes(programme)
    if diff:
        _flush_unique_name(programme.name)
        audit.record("programme.updated", programme, changes=diff, summary=programme.name, actor=actor)
    db.session.flush()
    return programme


# --- calls: defaults and rules across fields -------------------------------------------------


CALL_DEFAULTS = {
    "titles": {},
    "description": "",
    "time_zone": "Asia/Shanghai",
    "eligibility_rules": [],
    "required_documents": [],
    "rubric": [],
    "reviewers_per_application": 3,
    "is_blind_review": True,
    "is_nationality_conflict": False,
    "review_days": 21,
    "quota_total": None,
    "country_quotas": {},
    "offer_days": 14,
}


def _has_submitted_reviews(call: Call) -> bool:
    return db.session.scalar(
        select(
            exists()
            .where(Review.application_id == Application.id, Application.call_id == call.id)
            .where(Review.status == ReviewStatus.SUBMITTED)
        )
    )


def _check_call(call: Call | None, values: dict) -> None:
    def current(key):
        return values[key] if key in values else getattr(call, key)

    if current("closes_at") <= current("opens_at"):
        fail("closes_at", _("the call must close after it opens."))
    total, quotas = current("quota_total"), current("country_quotas")
    if total is not None:
        over = [code for code, places in quotas.items() if places > total]
        if over:
            fail(
                "country_quotas",
                _(
                    "%(code)s has %(places)d places, more than the %(total)d places in all.",
                    code=over[0],
                    places=quotas[over[0]],
                    total=total,
                ),
            )
    if call is None:
        return
    if call.is_published and "programme_id" in values and values["programme_id"] != call.programme_id:
        fail("programme_id", _("a published call stays in its programme."))
    if "rubric" in values and values["rubric"] != call.rubric and _has_submitted_reviews(call):
        fail("rubric", _("reviewers have already scored against this rubric; it can no longer change."))


# --- calls: use cases ----------------------------------------------------------------------


def create_call(*, programme_id, title, opens_at, closes_at, actor=None, **values) -> Call:
    """A new, unpublished call. The other values have defaults (see CALL_DEFAULTS)."""
    values = clean(
        CALL_CHECKS,
        {
            **CALL_DEFAULTS,
            **values,
            "programme_id": programme_id,
            "title": title,
            "opens_at": opens_at,
            "closes_at": closes_at,
        },
    )
    _check_call(None, values)
    call = Call(**values, is_published=False)
    db.session.add(call)
    diff = audit.real_changes(call)
    db.session.flush()
    audit.record("call.created", call, changes=diff, summary=call.title, actor=actor)
    db.session.flush()
    return call


def update_call(call: Call, *, actor=None, **changes) -> Call:
    """Change some of a call's settings; values not given stay as they are."""
    values = clean(CALL_CHECKS, changes)
    _check_call(call, values)
    for key, value in values.items():
        setattr(call, key, value)
    diff = audit.real_changes(call)
    if diff:
        audit.record("call.updated", call, changes=diff, summary=call.title, actor=actor)
    db.session.flush()
    return call


def publish_call(call: Call, *, actor=None, now: datetime | None = None) -> Call:
    """Show the call on the public pages. It needs a rubric (reviewers score against it) and a
    closing time still ahead."""
    now = now or utcnow()
    if call.is_published:
        raise IllegalTransition(_("This call is already published."))
    if not call.rubric:
        fail("rubric", _("add the review criteria before publishing."))
    if call.has_closed(now):
        fail("closes_at", _("this call has already closed; move its closing time before publishing."))
    call.is_published = True
    audit.record("call.published", call, summary=call.title, actor=actor)
    db.session.flush()
    return call
