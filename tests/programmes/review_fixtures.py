"""Fixtures for the review tests: reviewers with an institution and a nationality, submitted applications.

Test modules star-import this module (pytest finds fixtures imported into a module); `scores` is a
plain helper imported by name.
"""

from __future__ import annotations

import pytest

from talent.programmes.models import ApplicationStatus

__all__ = ["make_reviewer", "submitted"]


@pytest.fixture
def make_reviewer(db, make_user, make_person):
    """A user with the reviewer role; with `nationality`, also their own person profile."""

    def make(*, institution=None, nationality=None, active=True, **kw):
        reviewer = make_user("reviewer", institution=institution, is_active=active, **kw)
        if nationality is not None:
            make_person(user_id=reviewer.id, nationality_code=nationality, email=reviewer.email)
        return reviewer

    return make


@pytest.fixture
def submitted(make_application, make_person, make_institution):
    """`submitted(call, nationality="ET", institution=None)` → a submitted application."""

    def make(call, *, nationality="ET", institution=None, person=None, **kw):
        if person is None:
            institution = institution or make_institution()
            person = make_person(nationality_code=nationality, affiliation_id=institution.id)
        return make_application(call=call, person=person, status=ApplicationStatus.SUBMITTED, **kw)

    return make


def scores(merit=4, plan=3, impact=5) -> dict[str, int]:
    return {"merit": merit, "plan": plan, "impact": impact}
