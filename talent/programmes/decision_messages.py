"""What the applicant is told of a decision, of their answer to an offer and of a lapsed offer.

Each message is composed in the applicant's language and time zone, shown on their
notifications page with a link to their application, and sent by mail.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from talent.accounts.models import User
from talent.core.notifications import notify, path_for, recipient_locale
from talent.core.times import zoned_time
from talent.extensions import db
from talent.programmes.models import Application, ApplicationStatus, Call, OfferStatus
from talent.reference.models import Person


def application_link(application: Application) -> str:
    """The applicant's page of `application`."""
    return path_for("programmes.application", application_id=application.id)


def local_time(user, moment: datetime) -> str:
    """`moment` as `user` reads it: their language, their time zone, with the zone named."""
    return zoned_time(moment, user.timezone, getattr(user, "locale", None) or "en")


def applicant_user(application: Application):
    """The applicant's account, if they have one (the person may be loaded without it)."""
    return db.session.scalar(
        select(User).join(Person, Person.user_id == User.id).where(Person.id == application.person_id)
    )


def _tell(application: Application, call: Call, compose) -> None:
    user = applicant_user(application)
    if user is None:
        return
    with recipient_locale(user):
        title = call.title_in(user.locale or "en")
        message, subject = compose(user, title)
        notify(user, message, link=application_link(application), mail_subject=subject)


def tell_decision(application: Application, call: Call, *, promoted: bool = False) -> None:
    """The decision on `application`; `promoted`: a freed place offered from the waitlist."""

    def compose(user, title):
        if application.status == ApplicationStatus.ACCEPTED:
            deadline = local_time(user, application.offer_expires_at)
            if promoted:
                text = _(
                    "A place has become free in “%(call)s” and it is offered to you. "
                    "Accept or decline it by %(deadline)s.",
                    call=title,
                    deadline=deadline,
                )
            else:
                text = _(
                    "Congratulations: you are offered a place in “%(call)s”. "
                    "Accept or decline it by %(deadline)s.",
                    call=title,
                    deadline=deadline,
                )
            return text, _("Talent Exchange: you are offered a place")
        if application.status == ApplicationStatus.WAITLISTED:
            return _(
                "Your application to “%(call)s” is on the waitlist, at number %(rank)d. "
                "If a place becomes free, it is offered to the first in line.",
                call=title,
                rank=application.waitlist_rank or 0,
            ), _("Talent Exchange: your application is on the waitlist")
        return _("We are sorry: your application to “%(call)s” was not successful.", call=title), _(
            "Talent Exchange: the decision on your application"
        )

    _tell(application, call, compose)


def tell_answer(application: Application, call: Call) -> None:
    """The applicant's own answer to their offer, confirmed."""

    def compose(user, title):
        if application.offer_status == OfferStatus.ACCEPTED:
            return _("You accepted your place in “%(call)s”. Welcome!", call=title), _(
                "Talent Exchange: you accepted your place"
            )
        return _("You declined your place in “%(call)s”.", call=title), _(
            "Talent Exchange: you declined your place"
        )

    _tell(application, call, compose)


def tell_lapsed(application: Application, call: Call) -> None:
    def compose(user, title):
        return _(
            "Your offer of a place in “%(call)s” was not answered in time and has lapsed.", call=title
        ), _("Talent Exchange: your offer has lapsed")

    _tell(application, call, compose)
