"""Reads for the review pages: the reviewer's queue, one review, the assignments page, the ranking.

Every list runs a fixed number of queries whatever its length. The ranking reads the applications
table through its (call_id, score_mean, id) index — the review figures are kept on each application
when a review is submitted — and joins the applicant only for the rows of the page.

Outliers: a review is an outlier when its weighted score is 1.5 or more away from the mean of the
application's other submitted reviews (a reviewer far from everyone else). On the ranking, where
only the application's figures are read, an application is flagged when its spread (highest −
lowest weighted score) is 1.5 or more: then at least one of its reviews is far from another.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from sqlalchemy import and_, func, select, tuple_
from sqlalchemy.orm import contains_eager, raiseload

from talent.accounts.models import User
from talent.core.pagination import Page, decode_cursor, encode_cursor, page_number
from talent.extensions import db
from talent.programmes import assignment
from talent.programmes.documents import BLIND_SAFE_DOCUMENTS
from talent.programmes.models import (
    Application,
    ApplicationDocument,
    ApplicationStatus,
    Call,
    Review,
    ReviewStatus,
)
from talent.reference.models import Institution, Person

OUTLIER_GAP = Decimal("1.5")
RANKED_STATES = (
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.UNDER_REVIEW,
    ApplicationStatus.ACCEPTED,
    ApplicationStatus.WAITLISTED,
    ApplicationStatus.REJECTED,
)
LACKING_SHOWN = 50


def is_outlier_spread(spread) -> bool:
    return spread is not None and Decimal(spread) >= OUTLIER_GAP


def outlier_review_ids(weighted: dict[int, Decimal]) -> set[int]:
    """Of {review id: weighted score} (an application's submitted reviews), the outliers."""
    out = set()
    if len(weighted) < 2:
        return out
    for review_id, score in weighted.items():
        others = [s for r, s in weighted.items() if r != review_id]
        if abs(Decimal(score) - sum(others) / len(others)) >= OUTLIER_GAP:
            out.add(review_id)
    return out


# --- the reviewer's queue ----------------------------------------------------------------------


QUEUE_TABS = {"todo": (ReviewStatus.ASSIGNED,), "submitted": (ReviewStatus.SUBMITTED,)}


def queue_page(user, tab: str, *, per_page: int) -> Page:
    """My reviews to do (soonest due first) or submitted (latest first), with their call: one query."""
    stmt = (
        select(Review)
        .join(Review.application)
        .join(Call, Call.id == Application.call_id)
        .where(Review.reviewer_id == user.id, Review.status.in_(QUEUE_TABS[tab]))
        .options(contains_eager(Review.application), raiseload(Review.reviewer))
        .add_columns(Call)
    )
    if tab == "todo":
        stmt = stmt.order_by(Review.due_at, Review.id)
    else:
        stmt = stmt.order_by(Review.submitted_at.desc(), Review.id.desc())
    number = page_number()
    rows = db.session.execute(stmt.limit(per_page + 1).offset((number - 1) * per_page)).all()
    items = [QueueRow(review, call) for review, call in rows[:per_page]]
    return Page(items=items, number=number, has_next=len(rows) > per_page, args={"tab": tab})


@dataclass(frozen=True)
class QueueRow:
    review: Review
    call: Call


def queue_counts(user) -> dict[str, int]:
    rows = db.session.execute(
        select(Review.status, func.count()).where(Review.reviewer_id == user.id).group_by(Review.status)
    )
    counts = {ReviewStatus(status): n for status, n in rows}
    return {"todo": counts.get(ReviewStatus.ASSIGNED, 0), "submitted": counts.get(ReviewStatus.SUBMITTED, 0)}


# --- one review --------------------------------------------------------------------------------


def load_review(review_id: int) -> Review | None:
    return db.session.execute(
        select(Review)
        .join(Review.application)
        .where(Review.id == review_id)
        .options(contains_eager(Review.application), raiseload(Review.reviewer))
    ).scalar_one_or_none()


@dataclass
class ReviewPage:
    review: Review
    application: Application
    call: Call
    person: Person | None  # None for blind calls: nothing identifying reaches the template
    institution: Institution | None
    documents: list[ApplicationDocument]


def review_page(review: Review) -> ReviewPage:
    application = review.application
    call = db.session.get(Call, application.call_id)
    documents_stmt = select(ApplicationDocument).where(ApplicationDocument.application_id == application.id)
    person = institution = None
    if call.is_blind_review:
        documents_stmt = documents_stmt.where(ApplicationDocument.doc_type.in_(list(BLIND_SAFE_DOCUMENTS)))
    else:
        person = db.session.get(Person, application.person_id)
        if application.institution_id is not None:
            institution = db.session.get(Institution, application.institution_id)
    documents = list(db.session.scalars(documents_stmt.order_by(ApplicationDocument.doc_type)))
    return ReviewPage(review, application, call, person, institution, documents)


# --- the assignments page ------------------------------------------------------------------------


class ReviewCounts:
    """Reviews counted by state (`by_status`), as the pages name them."""

    by_status: dict[ReviewStatus, int]

    @property
    def to_do(self) -> int:
        return self.by_status.get(ReviewStatus.ASSIGNED, 0)

    @property
    def submitted(self) -> int:
        return self.by_status.get(ReviewStatus.SUBMITTED, 0)

    @property
    def conflicts(self) -> int:
        return self.by_status.get(ReviewStatus.CONFLICT, 0)


@dataclass
class ReviewerLoad(ReviewCounts):
    reviewer: assignment.ReviewerInfo
    email: str
    by_status: dict[ReviewStatus, int] = field(default_factory=dict)  # in this call
    load: int = 0  # active reviews on undecided applications, every call


@dataclass
class Lacking:
    application_id: int
    reference: str
    name: str
    country_code: str | None
    active: int


@dataclass
class AssignmentOverview:
    call: Call
    reviewers: list[ReviewerLoad]
    lacking: list[Lacking]
    lacking_total: int
    open_applications: int


def assignments_overview(call: Call) -> AssignmentOverview:
    """Five queries: reviewers, their load, their reviews in this call, and the applications lacking."""
    from talent.programmes.reviews import reference

    reviewers = assignment.load_reviewers()
    emails = dict(db.session.execute(select(User.id, User.email).where(User.id.in_(list(reviewers)))).all())
    loads = assignment.current_loads()
    per_call = defaultdict(dict)
    rows = db.session.execute(
        select(Review.reviewer_id, Review.status, func.count())
        .join(Application, Application.id == Review.application_id)
        .where(Application.call_id == call.id)
        .group_by(Review.reviewer_id, Review.status)
    )
    for reviewer_id, status, count in rows:
        per_call[reviewer_id][ReviewStatus(status)] = count
    table = [
        ReviewerLoad(info, emails.get(rid, ""), per_call.get(rid, {}), loads.get(rid, 0))
        for rid, info in reviewers.items()
    ]
    table.sort(key=lambda r: (-r.load, r.reviewer.name.lower(), r.reviewer.id))

    active = (
        select(Review.application_id, func.count().label("active"))
        .where(Review.status.in_(assignment.ACTIVE_REVIEW))
        .group_by(Review.application_id)
        .subquery()
    )
    have = func.coalesce(active.c.active, 0)
    lacking_where = and_(
        Application.call_id == call.id,
        Application.status.in_(assignment.ASSIGNABLE_STATES),
        have < call.reviewers_per_application,
    )
    base = (
        select(Application).outerjoin(active, active.c.application_id == Application.id).where(lacking_where)
    )
    lacking_total = db.session.scalar(select(func.count()).select_from(base.subquery()))
    lacking_rows = db.session.execute(
        select(Application.id, Application.country_code, Person.name_latin, have)
        .join(Person, Person.id == Application.person_id)
        .outerjoin(active, active.c.application_id == Application.id)
        .where(lacking_where)
        .order_by(have, Application.id)
        .limit(LACKING_SHOWN)
    ).all()
    lacking = [Lacking(aid, reference(aid), name, country, n) for aid, country, name, n in lacking_rows]
    open_count = db.session.scalar(
        select(func.count())
        .select_from(Application)
        .where(Application.call_id == call.id, Application.status.in_(assignment.ASSIGNABLE_STATES))
    )
    return AssignmentOverview(call, table, lacking, lacking_total, open_count)


@dataclass(frozen=True)
class ReviewerChoice:
    id: int
    label: str
    load: int
    conflict: str | None  # why this reviewer may not be chosen, or None


def reviewer_choices(application: Application) -> list[ReviewerChoice]:
    """Every active reviewer for the manual assignment form of `application`, least loaded first;
    those the conflict rules exclude carry the reason (the form shows them disabled). Four queries."""
    call = db.session.get(Call, application.call_id)
    reviewers = assignment.load_reviewers()
    conflicts = assignment.load_conflicts()
    loads = assignment.current_loads()
    taken = set(db.session.scalars(select(Review.reviewer_id).where(Review.application_id == application.id)))
    applicant = assignment.applicant_of(application)
    out = [
        ReviewerChoice(
            r.id,
            r.name,
            loads.get(r.id, 0),
            assignment.conflict_reason(call, applicant, r, conflicts, taken),
        )
        for r in reviewers.values()
    ]
    out.sort(key=lambda c: (c.conflict is not None, c.load, c.label.lower(), c.id))
    return out


@dataclass(frozen=True)
class ReviewRow:
    review: Review
    reviewer_name: str
    is_outlier: bool


def reviews_of(application: Application, *, order=(Review.id,)) -> list[ReviewRow]:
    """The application's reviews with their reviewer's name and outlier flag (admin pages), one query."""
    rows = db.session.execute(
        select(Review, User.display_name)
        .join(User, User.id == Review.reviewer_id)
        .where(Review.application_id == application.id)
        .order_by(*order)
    ).all()
    submitted = {
        review.id: review.weighted_score
        for review, _name in rows
        if review.status == ReviewStatus.SUBMITTED and review.weighted_score is not None
    }
    outliers = outlier_review_ids(submitted)
    return [ReviewRow(review, name, review.id in outliers) for review, name in rows]


# --- the ranking ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RankingFilter:
    states: tuple[ApplicationStatus, ...] = RANKED_STATES
    country: str | None = None
    after: str | None = None  # cursor: the last row of the previous page

    def as_args(self) -> dict:
        args: dict = {}
        if self.states != RANKED_STATES:
            args["state"] = [s.value for s in self.states]
        if self.country:
            args["country"] = self.country
        return args


@dataclass
class RankingRow:
    application: Application
    person: Person
    assigned: int  # active reviews (to do + submitted)

    @property
    def is_outlier(self) -> bool:
        return is_outlier_spread(self.application.score_spread)


@dataclass
class RankingPage:
    rows: list[RankingRow]
    next_cursor: str | None
    wanted: int


def _cursor(application: Application) -> str:
    score = application.score_mean
    return encode_cursor((str(score) if score is not None else None, application.id))


def _decode(cursor: str | None) -> tuple[Decimal | None, int] | None:
    values = decode_cursor(cursor) if cursor else None
    if not values or len(values) != 2 or not isinstance(values[1], int) or isinstance(values[1], bool):
        return None
    try:
        score = Decimal(values[0]) if values[0] is not None else None
    except (InvalidOperation, TypeError, ValueError):
        return None
    return score, values[1]


def ranking_page(call: Call, filters: RankingFilter, *, per_page: int) -> RankingPage:
    """Best mean first, unscored last, newest id first among equals: at most three queries.

    Scored rows come from a backward scan of the (call_id, score_mean, id) index with a row-value
    cursor; when they run out, the unscored rows follow by id in a second query.
    """
    base = (
        select(Application)
        .join(Person, Person.id == Application.person_id)
        .where(Application.call_id == call.id, Application.status.in_(list(filters.states)))
        .options(contains_eager(Application.person), raiseload(Application.call))
    )
    if filters.country:
        base = base.where(Application.country_code == filters.country)
    position = _decode(filters.after)
    items: list[Application] = []
    if position is None or position[0] is not None:
        scored = base.where(Application.score_mean.is_not(None))
        if position is not None:
            scored = scored.where(tuple_(Application.score_mean, Application.id) < tuple_(*position))
        items = list(
            db.session.scalars(
                scored.order_by(Application.score_mean.desc(), Application.id.desc()).limit(per_page + 1)
            )
        )
    if len(items) <= per_page:
        unscored = base.where(Application.score_mean.is_(None))
        if position is not None and position[0] is None:
            unscored = unscored.where(Application.id < position[1])
        items += list(
            db.session.scalars(unscored.order_by(Application.id.desc()).limit(per_page + 1 - len(items)))
        )
    page, more = items[:per_page], len(items) > per_page
    assigned = _active_counts([a.id for a in page])
    rows = [RankingRow(a, a.person, assigned.get(a.id, 0)) for a in page]
    return RankingPage(rows, _cursor(page[-1]) if more and page else None, call.reviewers_per_application)


def _active_counts(application_ids: list[int]) -> dict[int, int]:
    if not application_ids:
        return {}
    rows = db.session.execute(
        select(Review.application_id, func.count())
        .where(Review.application_id.in_(application_ids), Review.status.in_(assignment.ACTIVE_REVIEW))
        .group_by(Review.application_id)
    )
    return dict(rows.all())
