"""Reads for the enrolment pages: whom staff may pick, pending requests and the waitlist."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement, and_, false, or_, select, true
from sqlalchemy.orm import joinedload

from talent.core.pagination import Page, paginate
from talent.core.permissions import Role
from talent.extensions import db
from talent.reference.models import Person
from talent.reference.search import person_matches
from talent.workshops.models import Cohort, Enrolment, EnrolmentStatus


def _exact_email(search: str) -> str | None:
    search = search.strip().lower()
    return search if "@" in search else None


def _known_to(user) -> ColumnElement[bool]:
    """Persons `user` already deals with: everyone for admins; for institution staff, people
    affiliated to their institution or enrolled in a cohort it hosts or partners."""
    if user.is_admin:
        return true()
    if Role.INSTITUTION not in user.role_set or user.institution_id is None:
        return false()
    institution = user.institution_id
    in_their_cohorts = (
        select(Enrolment.person_id)
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .where(or_(Cohort.host_institution_id == institution, Cohort.partner_institution_id == institution))
    )
    return or_(Person.affiliation_id == institution, Person.id.in_(in_their_cohorts))


def _pickable(user, search: str) -> ColumnElement[bool]:
    """Whom `user` may enrol after searching for `search`: people they already deal with, and
    anyone whose e-mail address is exactly the one they typed (they know that person)."""
    condition = _known_to(user)
    email = _exact_email(search)
    if email is not None:
        condition = or_(condition, Person.email == email)
    return condition


def pickable_persons_page(
    user, search: str, *, per_page: int, number: int | None = None, args: dict | None = None
) -> Page:
    search = search.strip()
    condition = and_(_known_to(user), person_matches(search))
    email = _exact_email(search)
    if email is not None:
        condition = or_(condition, Person.email == email)
    stmt = select(Person).where(condition).order_by(Person.name_latin, Person.id)
    return paginate(stmt, per_page=per_page, number=number, args=args)


def pickable_person(user, person_id: int, search: str) -> Person | None:
    """The person behind a search result's button, if `user` may pick them."""
    return db.session.execute(
        select(Person).where(Person.id == person_id, _pickable(user, search))
    ).scalar_one_or_none()


def enrolment_of(cohort_id: int, person_id: int) -> Enrolment | None:
    return db.session.execute(
        select(Enrolment).where(Enrolment.cohort_id == cohort_id, Enrolment.person_id == person_id)
    ).scalar_one_or_none()


def enrolments_of(cohort: Cohort, person_ids: Iterable[int]) -> dict[int, Enrolment]:
    """This cohort's enrolments of these persons, by person id (one query for a page of results)."""
    ids = list(person_ids)
    if not ids:
        return {}
    rows = db.session.scalars(
        select(Enrolment).where(Enrolment.cohort_id == cohort.id, Enrolment.person_id.in_(ids))
    )
    return {e.person_id: e for e in rows}


def load_enrolment(enrolment_id: int) -> Enrolment | None:
    """An enrolment with its person and cohort, which its access rules read."""
    return db.session.execute(
        select(Enrolment)
        .where(Enrolment.id == enrolment_id)
        .options(joinedload(Enrolment.person), joinedload(Enrolment.cohort))
    ).scalar_one_or_none()


def pending_page(cohort: Cohort, *, per_page: int, number: int | None = None) -> Page:
    """Requests to join, oldest first: the order they were asked in."""
    stmt = (
        select(Enrolment)
        .where(Enrolment.cohort_id == cohort.id, Enrolment.status == EnrolmentStatus.PENDING)
        .options(joinedload(Enrolment.person))
        .order_by(Enrolment.created_at, Enrolment.id)
    )
    return paginate(stmt, per_page=per_page, number=number, args={"cohort_id": cohort.id})


def waitlist_page(cohort: Cohort, *, per_page: int, number: int | None = None) -> Page:
    stmt = (
        select(Enrolment)
        .where(Enrolment.cohort_id == cohort.id, Enrolment.status == EnrolmentStatus.WAITLISTED)
        .options(joinedload(Enrolment.person))
        .order_by(Enrolment.waitlist_position, Enrolment.id)
    )
    return paginate(stmt, per_page=per_page, number=number, args={"cohort_id": cohort.id})
