"""Scheduled programme work: offers nobody answered in time lapse, and their places go to the waitlist.

Idempotent: the job picks offers still pending past their deadline (the "not done yet"
condition), and `decisions.lapse_offer` checks that again under the call's lock, so a re-run
after a crash, or an applicant answering at the same moment, never lapses an offer twice nor
gives its place away twice. Each offer is one unit of work with its own commit.
"""

from __future__ import annotations

import logging
from datetime import datetime

from talent.core.db import utcnow
from talent.programmes import decisions
from talent.scheduler import scheduled, unit_of_work

log = logging.getLogger(__name__)


@scheduled("programmes.lapse_offers", trigger="interval", minutes=15)
def lapse_expired_offers(now: datetime | None = None) -> int:
    """Lapse every pending offer past its deadline; returns how many lapsed."""
    now = now or utcnow()
    lapsed = 0
    for application_id in decisions.expired_offer_ids(now):
        try:
            with unit_of_work():
                if decisions.lapse_offer(application_id, now=now) is not None:
                    lapsed += 1
        except Exception:
            log.exception("could not lapse the offer of application %s", application_id)
    return lapsed
