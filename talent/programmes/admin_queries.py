"""Reads for the programme office: a call's dashboard, its applications list, one application.

Built to stay fast with 100 000 applications in a call: the dashboard is a handful of grouped
queries answered from the (call_id, country_code, status) index, and the list is a keyset page
over (call_id, status, id) — page 4 000 costs what page 1 costs, and no page counts the table.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import contains_eager
from sqlalchemy.orm.attributes import set_committed_value

from talent.extensions import db
from talent.programmes import review_queries
from talent.programmes.models import (
    PLACE_HOLDING_OFFERS,
    Application,
    ApplicationDocument,
    ApplicationStatus,
    Call,
    Review,
    ReviewStatus,
)
from talent.reference.models import Country, Person
from talent.reference.search import person_id_matches

# --- the call's dashboard --------------------------------------------------------------------


@dataclass
class CountryRow:
    code: str | None
    name: str
    by_status: dict[ApplicationStatus, int] = field(default_factory=dict)
    held: int = 0
    quota: int | None = None

    @property
    def total(self) -> int:
        return sum(self.by_status.values())

    @property
    def is_full(self) -> bool:
        return self.quota is not None and self.held >= self.quota


@dataclass(frozen=True)
class ReviewProgress(review_queries.ReviewCounts):
    by_status: dict[ReviewStatus, int]
    overdue: int

    @property
    def assigned(self) -> int:
        return self.to_do + self.submitted


@dataclass
class CallOverview:
    by_status: dict[ApplicationStatus, int]
    countries: list[CountryRow]
    held: int
    reviews: ReviewProgress
    quota_total: int | None

    @property
    def total(self) -> int:
        return sum(self.by_status.values())

    @property
    def places_left(self) -> int | None:
        return None if self.quota_total is None else max(self.quota_total - self.held, 0)


def call_overview(call: Call, now: datetime) -> CallOverview:
    """Counts by state and by country, places held against the quotas, review progress: 4 queries."""
    counts = db.session.execute(
        select(Application.country_code, Application.status, func.count())
        .where(Application.call_id == call.id)
        .group_by(Application.country_code, Application.status)
    ).all()
    held = places_held(call)
    quotas = call.country_quotas or {}
    codes = {code for code, _, _ in counts if code} | set(quotas)
    names = dict(db.session.execute(select(Country.code, Country.name).where(Country.code.in_(codes))).all())
    by_status: dict[ApplicationStatus, int] = {}
    rows: dict[str | None, CountryRow] = {}
    for code, status, count in counts:
        status = ApplicationStatus(status)
        by_status[status] = by_status.get(status, 0) + count
        if status == ApplicationStatus.DRAFT and code is None:
            continue  # drafts have no country until they are submitted
        row = rows.setdefault(code, CountryRow(code, names.get(code, code or "—")))
        row.by_status[status] = row.by_status.get(status, 0) + count
    for code, count in held.items():
        rows.setdefault(code, CountryRow(code, names.get(code, code or "—"))).held = count
    for code, quota in quotas.items():
        rows.setdefault(code, CountryRow(code, names.get(code, code))).quota = quota
    countries = sorted(rows.values(), key=lambda r: (-r.total, r.name))
    return CallOverview(
        by_status=by_status,
        countries=countries,
        held=sum(held.values()),
        reviews=review_progress(call, now),
        quota_total=call.quota_total,
    )


def places_held(call: Call) -> Counter:
    """Places held per country code (None: unknown country), in one grouped query."""
    rows = db.session.execute(
        select(Application.country_code, func.count())
        .where(
            Application.call_id == call.id,
            Application.status == ApplicationStatus.ACCEPTED,
            Application.offer_status.in_(PLACE_HOLDING_OFFERS),
        )
        .group_by(Application.country_code)
    )
    return Counter({code: count for code, count in rows})


def review_progress(call: Call, now: datetime) -> ReviewProgress:
    overdue = func.sum(case(((Review.status == ReviewStatus.ASSIGNED) & (Review.due_at < now), 1), else_=0))
    rows = db.session.execute(
        select(Review.status, func.count(), overdue)
        .join(Application, Application.id == Review.application_id)
        .where(Application.call_id == call.id)
        .group_by(Review.status)
    ).all()
    return ReviewProgress(
        by_status={ReviewStatus(status): count for status, count, _ in rows},
        overdue=sum(int(late or 0) for _, _, late in rows),
    )


# --- the applications list -------------------------------------------------------------------


@dataclass(frozen=True)
class ApplicationFilter:
    status: ApplicationStatus | None = None
    country: str | None = None
    search: str = ""

    def as_args(self) -> dict[str, str]:
        args = {}
        if self.status:
            args["status"] = self.status.value
        if self.country:
            args["country"] = self.country
        if self.search:
            args["q"] = self.search
        return args

    @property
    def is_filtered(self) -> bool:
        return bool(self.status or self.country or self.search)


@dataclass
class KeysetPage:
    items: list[Application]
    after: int | None  # the cursor this page started after (None: the first page)
    next_after: int | None  # the cursor of the next page (None: this is the last)
    args: dict[str, str]

    @property
    def next_args(self) -> dict:
        return {**self.args, "after": self.next_after}


def _with_person(stmt: Select) -> Select:
    return stmt.join(Application.person).options(
        contains_eager(Application.person).joinedload(Person.nationality),
        contains_eager(Application.person).raiseload(Person.affiliation),
        contains_eager(Application.person).raiseload(Person.user),
    )


def page_ids(call: Call, filters: ApplicationFilter, *, after: int | None, limit: int) -> Select:
    """The ids of a page, chosen from the applications' indexes alone. A search matching thousands
    of persons then sorts their ids only, and whole rows are read for the page's rows alone."""
    stmt = select(Application.id).where(Application.call_id == call.id)
    if filters.status:
        stmt = stmt.where(Application.status == filters.status)
    if filters.country:
        stmt = stmt.where(Application.country_code == filters.country)
    if filters.search:
        stmt = stmt.where(person_id_matches(Application.person_id, filters.search))
    if after:
        stmt = stmt.where(Application.id > after)
    return stmt.order_by(Application.id).limit(limit)


def applications_page(
    call: Call, filters: ApplicationFilter, *, after: int | None, per_page: int
) -> KeysetPage:
    """One page of the call's applications in the order they were started, after id `after`: 1 query."""
    ids = page_ids(call, filters, after=after, limit=per_page + 1)
    stmt = _with_person(select(Application)).where(Application.id.in_(ids)).order_by(Application.id)
    rows = list(db.session.scalars(stmt).unique())
    items = rows[:per_page]
    for application in items:
        set_committed_value(application, "call", call)
    next_after = items[-1].id if len(rows) > per_page else None
    return KeysetPage(items, after, next_after, {"call_id": call.id, **filters.as_args()})


def application_batches(call: Call, size: int = 1000) -> Iterator[list[Application]]:
    """Every application of the call but drafts, `size` at a time (exports): memory stays bounded."""
    after = 0
    while True:
        batch = list(
            db.session.scalars(
                _with_person(select(Application))
                .where(
                    Application.call_id == call.id,
                    Application.status != ApplicationStatus.DRAFT,
                    Application.id > after,
                )
                .order_by(Application.id)
                .limit(size)
            ).unique()
        )
        if not batch:
            return
        yield batch
        after = batch[-1].id


def submitted_scores(application_ids: list[int]) -> dict[int, list[dict]]:
    """{application id: [scores of each submitted review]} in one query."""
    if not application_ids:
        return {}
    rows = db.session.execute(
        select(Review.application_id, Review.scores).where(
            Review.application_id.in_(application_ids), Review.status == ReviewStatus.SUBMITTED
        )
    )
    out: dict[int, list[dict]] = {}
    for application_id, scores in rows:
        out.setdefault(application_id, []).append(scores or {})
    return out


# --- one application -------------------------------------------------------------------------


def load_application(application_id: int) -> Application | None:
    """The application with its applicant and call (2 queries at most)."""
    application = db.session.execute(
        _with_person(select(Application))
        .where(Application.id == application_id)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if application is not None:
        set_committed_value(application, "call", db.session.get(Call, application.call_id))
    return application


def documents_of(application: Application) -> list[ApplicationDocument]:
    return list(
        db.session.scalars(
            select(ApplicationDocument)
            .where(ApplicationDocument.application_id == application.id)
            .order_by(ApplicationDocument.doc_type)
        )
    )


def reviews_of(application: Application) -> list[review_queries.ReviewRow]:
    """Every review of the application with its reviewer's name, in the order they were assigned;
    submitted ones far from the others' mean are flagged as outliers."""
    return review_queries.reviews_of(application, order=(Review.assigned_at, Review.id))
