"""Helpers for the decision, offer, placement and export tests (plain functions over the factories)."""

from __future__ import annotations

from sqlalchemy import select

from talent.core.models import Notification
from talent.extensions import db
from talent.programmes.models import Application, ApplicationStatus


def applicant_and_person(make_user, make_person, *, nationality: str = "ET", name: str | None = None, **kw):
    """A user with the applicant role and their person record: (user, person)."""
    user = make_user("applicant")
    values = {"nationality_code": nationality, "user_id": user.id, "email": user.email}
    if name:
        values["name_latin"] = name
    values.update(kw)
    return user, make_person(**values)


def reload(application: Application) -> Application:
    db.session.expire_all()
    return db.session.get(Application, application.id)


def messages_to(user) -> list[str]:
    return list(
        db.session.scalars(
            select(Notification.message).where(Notification.user_id == user.id).order_by(Notification.id)
        )
    )


def submitted_application(make_application, call, person, **kw) -> Application:
    return make_application(call=call, person=person, status=ApplicationStatus.SUBMITTED, **kw)
