"""Who may review which application (conflict rules), and the automatic assignment plan.

Conflict rules — a reviewer is never given an application when:
  * they are not an active user with the reviewer role;
  * their user account's institution is the applicant's institution (as recorded at submission);
  * the call says so (`is_nationality_conflict`) and their own profile's nationality is the
    applicant's nationality (as recorded at submission);
  * they declared a standing conflict with the applicant (the person) or the applicant's institution;
  * they already have a review of that application in any state (one row per pair: a reviewer who
    declared a conflict or was taken off is not brought back).

The plan is computed in memory from a handful of queries: the reviewers (with their institution and
nationality), their declared conflicts, the open applications of the call with the reviewers they
already have, and each reviewer's current load. Load is the number of active reviews (to do or
submitted) a reviewer holds on applications not yet decided, in every call: the work on their desk.
Each application is given the least loaded reviewers it may have (a heap keyed by load, ties broken
by a seeded random draw, so the same seed gives the same plan). Applications are served fewest
possible reviewers first, so scarce reviewers are not used up by applications that had choice.
"""

from __future__ import annotations

import heapq
import random
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import func, select

from talent.accounts.models import User, UserRole
from talent.core.permissions import Role
from talent.extensions import db
from talent.programmes.models import (
    REVIEWABLE_STATES,
    Application,
    Call,
    Review,
    ReviewerConflict,
    ReviewStatus,
)
from talent.reference.models import Person

ACTIVE_REVIEW = (ReviewStatus.ASSIGNED, ReviewStatus.SUBMITTED)
ASSIGNABLE_STATES = REVIEWABLE_STATES


@dataclass(frozen=True)
class ReviewerInfo:
    id: int
    name: str
    institution_id: int | None
    nationality_code: str | None


@dataclass
class DeclaredConflicts:
    persons: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    institutions: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))


@dataclass(frozen=True)
class Applicant:
    """What the conflict rules need to know of an application."""

    id: int
    person_id: int
    institution_id: int | None
    country_code: str | None


@dataclass
class Shortfall:
    application_id: int
    wanted: int
    have: int
    reason: str


@dataclass
class Plan:
    rows: list[tuple[int, int]]  # (application id, reviewer id) to insert
    shortfalls: list[Shortfall]
    already_covered: int  # applications that had all their reviewers before


# --- the rules -----------------------------------------------------------------------------------


def conflict_reason(
    call: Call,
    applicant: Applicant,
    reviewer: ReviewerInfo,
    conflicts: DeclaredConflicts,
    taken: Iterable[int] = (),
) -> str | None:
    """Why `reviewer` may not review `applicant`'s application, or None when they may."""
    if reviewer.id in taken:
        return _("already has (or had) a review of this application")
    if applicant.institution_id is not None and reviewer.institution_id == applicant.institution_id:
        return _("works at the applicant's institution")
    if (
        call.is_nationality_conflict
        and applicant.country_code is not None
        and reviewer.nationality_code == applicant.country_code
    ):
        return _("has the applicant's nationality, and this call excludes that")
    if applicant.person_id in conflicts.persons.get(reviewer.id, ()):
        return _("declared a conflict of interest with this applicant")
    if applicant.institution_id is not None and applicant.institution_id in conflicts.institutions.get(
        reviewer.id, ()
    ):
        return _("declared a conflict of interest with the applicant's institution")
    return None


# --- loading -------------------------------------------------------------------------------------


def load_reviewers(ids: Iterable[int] | None = None) -> dict[int, ReviewerInfo]:
    """Active users with the reviewer role, with their institution and own nationality (one query)."""
    stmt = (
        select(User.id, User.display_name, User.institution_id, Person.nationality_code)
        .join(UserRole, UserRole.user_id == User.id)
        .outerjoin(Person, Person.user_id == User.id)
        .where(UserRole.role == Role.REVIEWER, User.is_active.is_(True))
        .order_by(User.id)
    )
    if ids is not None:
        stmt = stmt.where(User.id.in_(list(ids)))
    return {
        row.id: ReviewerInfo(row.id, row.display_name, row.institution_id, row.nationality_code)
        for row in db.session.execute(stmt)
    }


def load_conflicts(reviewer_ids: Iterable[int] | None = None) -> DeclaredConflicts:
    stmt = select(ReviewerConflict.reviewer_id, ReviewerConflict.person_id, ReviewerConflict.institution_id)
    if reviewer_ids is not None:
        stmt = stmt.where(ReviewerConflict.reviewer_id.in_(list(reviewer_ids)))
    conflicts = DeclaredConflicts()
    for reviewer_id, person_id, institution_id in db.session.execute(stmt):
        if person_id is not None:
            conflicts.persons[reviewer_id].add(person_id)
        if institution_id is not None:
            conflicts.institutions[reviewer_id].add(institution_id)
    return conflicts


def current_loads(reviewer_ids: Iterable[int] | None = None) -> dict[int, int]:
    """Active reviews per reviewer on applications not yet decided, in every call (one grouped query)."""
    stmt = (
        select(Review.reviewer_id, func.count())
        .join(Application, Application.id == Review.application_id)
        .where(Review.status.in_(ACTIVE_REVIEW), Application.status.in_(ASSIGNABLE_STATES))
        .group_by(Review.reviewer_id)
    )
    if reviewer_ids is not None:
        stmt = stmt.where(Review.reviewer_id.in_(list(reviewer_ids)))
    return dict(db.session.execute(stmt).all())


def applicant_of(application: Application) -> Applicant:
    return Applicant(
        application.id, application.person_id, application.institution_id, application.country_code
    )


def open_applicants(call: Call, application_ids: Iterable[int] | None = None) -> list[Applicant]:
    stmt = (
        select(Application.id, Application.person_id, Application.institution_id, Application.country_code)
        .where(Application.call_id == call.id, Application.status.in_(ASSIGNABLE_STATES))
        .order_by(Application.id)
    )
    if application_ids is not None:
        stmt = stmt.where(Application.id.in_(list(application_ids)))
    return [Applicant(*row) for row in db.session.execute(stmt)]


def existing_reviews(call: Call, application_ids: Iterable[int] | None = None) -> tuple[dict, dict]:
    """({application id: reviewer ids with any review}, {application id: active review count})."""
    stmt = (
        select(Review.application_id, Review.reviewer_id, Review.status)
        .join(Application, Application.id == Review.application_id)
        .where(Application.call_id == call.id, Application.status.in_(ASSIGNABLE_STATES))
    )
    if application_ids is not None:
        stmt = stmt.where(Review.application_id.in_(list(application_ids)))
    taken: dict[int, set[int]] = defaultdict(set)
    active: dict[int, int] = defaultdict(int)
    for application_id, reviewer_id, status in db.session.execute(stmt):
        taken[application_id].add(reviewer_id)
        if status in ACTIVE_REVIEW:
            active[application_id] += 1
    return taken, active


# --- the plan ------------------------------------------------------------------------------------


def plan(call: Call, *, seed: int = 0, application_ids: Iterable[int] | None = None) -> Plan:
    """The assignments that fill every open application of `call` up to its reviewers, as far as
    the rules allow. Re-running after it was applied plans nothing new (only gaps are filled)."""
    ids = list(application_ids) if application_ids is not None else None
    reviewers = load_reviewers()
    conflicts = load_conflicts()
    loads = current_loads()
    applicants = open_applicants(call, ids)
    taken, active = existing_reviews(call, ids)
    return compute(call, applicants, reviewers, conflicts, loads, taken, active, seed=seed)


def compute(
    call: Call,
    applicants: list[Applicant],
    reviewers: dict[int, ReviewerInfo],
    conflicts: DeclaredConflicts,
    loads: dict[int, int],
    taken: dict[int, set[int]],
    active: dict[int, int],
    *,
    seed: int = 0,
) -> Plan:
    wanted = call.reviewers_per_application
    rng = random.Random(seed)
    heap = [(loads.get(r, 0), rng.random(), r) for r in reviewers]
    heapq.heapify(heap)

    needing, covered = [], 0
    for applicant in applicants:
        missing = wanted - active.get(applicant.id, 0)
        if missing <= 0:
            covered += 1
        else:
            needing.append((applicant, missing))
    # Hardest first: applications with the most excluded reviewers choose before the others use
    # those few up. The count is an estimate (a reviewer excluded twice counts twice), cheap to get.
    excluded = _exclusion_estimate(call, reviewers, conflicts, taken)
    needing.sort(key=lambda item: (-excluded(item[0]), item[0].id))

    rows: list[tuple[int, int]] = []
    shortfalls: list[Shortfall] = []
    for applicant, missing in needing:
        have = taken.get(applicant.id, set())
        chosen, skipped = [], []
        while heap and len(chosen) < missing:
            entry = heapq.heappop(heap)
            reviewer = reviewers[entry[2]]
            if conflict_reason(call, applicant, reviewer, conflicts, have) is None:
                chosen.append(entry)
            else:
                skipped.append(entry)
        for load, _tie, reviewer_id in chosen:
            rows.append((applicant.id, reviewer_id))
            heapq.heappush(heap, (load + 1, rng.random(), reviewer_id))
        for entry in skipped:
            heapq.heappush(heap, entry)
        if len(chosen) < missing:
            shortfalls.append(_shortfall(call, applicant, wanted, wanted - missing + len(chosen), reviewers))
    return Plan(rows=rows, shortfalls=shortfalls, already_covered=covered)


def _exclusion_estimate(call, reviewers, conflicts, taken):
    by_institution: dict[int, int] = defaultdict(int)
    by_nationality: dict[str, int] = defaultdict(int)
    for reviewer in reviewers.values():
        if reviewer.institution_id is not None:
            by_institution[reviewer.institution_id] += 1
        if reviewer.nationality_code is not None:
            by_nationality[reviewer.nationality_code] += 1
    declared_person: dict[int, int] = defaultdict(int)
    declared_institution: dict[int, int] = defaultdict(int)
    for persons in conflicts.persons.values():
        for person_id in persons:
            declared_person[person_id] += 1
    for institutions in conflicts.institutions.values():
        for institution_id in institutions:
            declared_institution[institution_id] += 1

    def excluded(applicant: Applicant) -> int:
        count = len(taken.get(applicant.id, ())) + declared_person.get(applicant.person_id, 0)
        if applicant.institution_id is not None:
            count += by_institution.get(applicant.institution_id, 0)
            count += declared_institution.get(applicant.institution_id, 0)
        if call.is_nationality_conflict and applicant.country_code is not None:
            count += by_nationality.get(applicant.country_code, 0)
        return count

    return excluded


def _shortfall(call, applicant, wanted, have, reviewers) -> Shortfall:
    if not reviewers:
        reason = _("There are no active reviewers.")
    else:
        reason = _(
            "Only %(have)d of %(wanted)d reviewers can be given: every other reviewer has a conflict "
            "with this applicant or already had this application.",
            have=have,
            wanted=wanted,
        )
    return Shortfall(applicant.id, wanted, have, reason)


# --- one reviewer, one application (manual assignment, replacements) -----------------------------


def reason_against(call: Call, application: Application, reviewer: User) -> str | None:
    """Why `reviewer` may not be given `application` (a sentence), or None when they may."""
    if not reviewer.is_active or Role.REVIEWER not in reviewer.role_set:
        return _("%(name)s is not an active reviewer.", name=reviewer.display_name)
    info = load_reviewers([reviewer.id]).get(reviewer.id)
    if info is None:
        return _("%(name)s is not an active reviewer.", name=reviewer.display_name)
    taken = db.session.scalars(
        select(Review.reviewer_id).where(
            Review.application_id == application.id, Review.reviewer_id == reviewer.id
        )
    ).all()
    why = conflict_reason(call, applicant_of(application), info, load_conflicts([reviewer.id]), taken)
    if why is None:
        return None
    return _("%(name)s cannot review this application: %(reason)s.", name=reviewer.display_name, reason=why)
