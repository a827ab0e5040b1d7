"""Programmes, their calls, applications with documents, expert reviews, decisions and placements."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from talent.core.db import Base, created_at, enum_column, intpk, utcnow
from talent.core.errors import IllegalTransition
from talent.core.permissions import Role
from talent.reference.models import Institution, Person


class ProgrammeKind(StrEnum):
    SCHOLARSHIP = "scholarship"  # e.g. the South–South AI scholarship
    SCIENTIST_EXCHANGE = "scientist_exchange"  # mutual employment of chief AI scientists
    YOUNG_SCHOLARS = "young_scholars"  # Digital Silk Road young scholars
    ENGINEER_PLACEMENT = "engineer_placement"  # algorithm engineers in enterprises


# Kinds whose accepted participants are placed at a host institution (and get a completion
# certificate when the host confirms completion).
EXCHANGE_KINDS = frozenset(
    {ProgrammeKind.SCIENTIST_EXCHANGE, ProgrammeKind.YOUNG_SCHOLARS, ProgrammeKind.ENGINEER_PLACEMENT}
)


class Programme(Base):
    __tablename__ = "programmes"

    id: Mapped[intpk]
    kind: Mapped[ProgrammeKind] = enum_column(ProgrammeKind)
    name: Mapped[str] = mapped_column(String(200), unique=True)  # English, always present
    names: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)  # {"zh": "...", ...}
    description: Mapped[str] = mapped_column(Text, default="")
    # The country hosting participants; "not the host country" eligibility rules refer to it.
    host_country_code: Mapped[str] = mapped_column(ForeignKey("countries.code"), default="CN")
    # Issues the programme-completion certificates (name and country printed on them).
    organiser_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id", ondelete="SET NULL"))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[created_at]

    organiser: Mapped[Institution | None] = relationship(lazy="joined")
    calls: Mapped[list[Call]] = relationship(back_populates="programme", lazy="raise")

    @property
    def is_exchange(self) -> bool:
        return self.kind in EXCHANGE_KINDS

    def name_in(self, locale: str) -> str:
        return self.names.get(locale) or self.name

    def can_view(self, user) -> bool:
        return True

    def can_manage(self, user) -> bool:
        return user.is_authenticated and user.is_admin


class Call(Base):
    """One round of a programme: open for applications between two instants, then reviewed and decided.

    `eligibility_rules` is a list of rules as data, each {"rule": <kind>, ...parameters}; see
    `talent.programmes.eligibility` for the kinds. `rubric` is a list of
    {"code", "label", "weight", "guidance"} whose weights total 100; each criterion is scored 1–5.
    `country_quotas` maps ISO 3166 codes to the most places nationals of that country may be offered.
    """

    __tablename__ = "calls"
    __table_args__ = (
        CheckConstraint("closes_at > opens_at", name="window_in_order"),
        CheckConstraint("reviewers_per_application BETWEEN 1 AND 10", name="reviewers_range"),
        CheckConstraint("quota_total IS NULL OR quota_total >= 0", name="quota_not_negative"),
        CheckConstraint("offer_days BETWEEN 1 AND 90", name="offer_days_range"),
        CheckConstraint("review_days BETWEEN 1 AND 180", name="review_days_range"),
    )

    id: Mapped[intpk]
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    titles: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    description: Mapped[str] = mapped_column(Text, default="")
    opens_at: Mapped[datetime]
    closes_at: Mapped[datetime] = mapped_column(index=True)
    time_zone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")  # IANA, shown with times
    is_published: Mapped[bool] = mapped_column(Boolean, default=False)
    eligibility_rules: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    required_documents: Mapped[list[str]] = mapped_column(JSON, default=list)  # DocumentType values
    rubric: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    reviewers_per_application: Mapped[int] = mapped_column(Integer, default=3)
    is_blind_review: Mapped[bool] = mapped_column(Boolean, default=True)
    # When set, a reviewer never reviews an applicant of their own nationality.
    is_nationality_conflict: Mapped[bool] = mapped_column(Boolean, default=False)
    review_days: Mapped[int] = mapped_column(Integer, default=21)  # an assignment is due this long after
    quota_total: Mapped[int | None] = mapped_column(Integer)
    country_quotas: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    offer_days: Mapped[int] = mapped_column(Integer, default=14)  # time to accept an offer
    created_at: Mapped[created_at]

    programme: Mapped[Programme] = relationship(back_populates="calls", lazy="joined")

    def title_in(self, locale: str) -> str:
        return self.titles.get(locale) or self.title

    def is_open(self, now: datetime) -> bool:
        return self.is_published and self.opens_at <= now < self.closes_at

    def has_closed(self, now: datetime) -> bool:
        return now >= self.closes_at

    @property
    def criterion_codes(self) -> list[str]:
        return [criterion["code"] for criterion in self.rubric]

    def can_view(self, user) -> bool:
        return self.is_published or (user.is_authenticated and user.is_admin)

    def can_manage(self, user) -> bool:
        return user.is_authenticated and user.is_admin


class DocumentType(StrEnum):
    CV = "cv"
    PASSPORT = "passport"
    DEGREE = "degree"
    TRANSCRIPT = "transcript"
    LANGUAGE_CERTIFICATE = "language_certificate"
    RECOMMENDATION = "recommendation"
    RESEARCH_PLAN = "research_plan"
    EMPLOYER_LETTER = "employer_letter"


class ApplicationStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    UNDER_REVIEW = "under_review"
    ACCEPTED = "accepted"
    WAITLISTED = "waitlisted"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


UNDECIDED_STATES = frozenset(
    {ApplicationStatus.DRAFT, ApplicationStatus.SUBMITTED, ApplicationStatus.UNDER_REVIEW}
)
DECIDABLE_STATES = frozenset(
    {ApplicationStatus.SUBMITTED, ApplicationStatus.UNDER_REVIEW, ApplicationStatus.WAITLISTED}
)
DECISIONS = frozenset({ApplicationStatus.ACCEPTED, ApplicationStatus.WAITLISTED, ApplicationStatus.REJECTED})
# Submitted and not yet decided: reviewers may be assigned and may score.
REVIEWABLE_STATES = frozenset({ApplicationStatus.SUBMITTED, ApplicationStatus.UNDER_REVIEW})


class OfferStatus(StrEnum):
    """The accepted applicant's answer to the offer of a place."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    LAPSED = "lapsed"  # no answer by the deadline: the place goes to the waitlist


# An accepted application holds a place unless its offer was declined or lapsed.
PLACE_HOLDING_OFFERS = frozenset({OfferStatus.PENDING, OfferStatus.ACCEPTED})


class Application(Base):
    """draft → submitted → under_review → accepted | waitlisted | rejected; withdrawn before a decision.

    Review figures (`review_count`, `score_mean`, `score_spread`) are kept up to date when a review
    is submitted, so ranking 100 000 applications reads one indexed table.
    """

    __tablename__ = "applications"
    __table_args__ = (
        UniqueConstraint("call_id", "person_id"),
        # The list in id order: without it a later call's page walks the primary key through
        # every earlier call's rows.
        Index("ix_applications_call_id", "call_id", "id"),
        Index("ix_applications_call_status_id", "call_id", "status", "id"),
        Index("ix_applications_call_score", "call_id", "score_mean", "id"),
        # The ranking of one country, read in score order instead of sorting all of its rows.
        Index("ix_applications_call_country_score", "call_id", "country_code", "score_mean", "id"),
        Index("ix_applications_call_country_status", "call_id", "country_code", "status"),
        CheckConstraint("review_count >= 0", name="review_count_not_negative"),
    )

    id: Mapped[intpk]
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    status: Mapped[ApplicationStatus] = enum_column(ApplicationStatus, default=ApplicationStatus.DRAFT)
    # Nationality when submitted: quotas and country counts use it (a later profile change does not
    # move a decided place from one country's quota to another's).
    country_code: Mapped[str | None] = mapped_column(String(2))
    # The applicant's affiliation when submitted, for conflict checks.
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id", ondelete="SET NULL"))

    statement: Mapped[str] = mapped_column(Text, default="")  # motivation
    plan: Mapped[str] = mapped_column(Text, default="")  # research or work plan
    referees: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)  # [{name, email, institution}]

    # A per-applicant extension recorded by the programme office.
    extended_until: Mapped[datetime | None]
    extension_reason: Mapped[str | None] = mapped_column(Text)

    review_count: Mapped[int] = mapped_column(Integer, default=0)
    score_mean: Mapped[Decimal | None] = mapped_column(Numeric(6, 3))  # mean weighted score, 1–5
    score_spread: Mapped[Decimal | None] = mapped_column(Numeric(6, 3))  # highest minus lowest

    decision_note: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    waitlist_rank: Mapped[int | None] = mapped_column(Integer)  # 1 = first offered a freed place
    offer_status: Mapped[OfferStatus | None] = enum_column(OfferStatus, nullable=True)
    offer_expires_at: Mapped[datetime | None]

    created_at: Mapped[created_at]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    withdrawn_at: Mapped[datetime | None]
    offer_answered_at: Mapped[datetime | None]

    call: Mapped[Call] = relationship(lazy="raise")
    person: Mapped[Person] = relationship(lazy="raise")

    # --- state -------------------------------------------------------------------------------

    @property
    def is_editable(self) -> bool:
        return self.status == ApplicationStatus.DRAFT

    @property
    def is_decided(self) -> bool:
        return self.status in DECISIONS

    @property
    def is_withdrawable(self) -> bool:
        return self.status in UNDECIDED_STATES

    @property
    def is_decidable(self) -> bool:
        return self.status in DECIDABLE_STATES

    @property
    def is_reviewable(self) -> bool:
        return self.status in REVIEWABLE_STATES

    @property
    def has_accepted_offer(self) -> bool:
        return self.status == ApplicationStatus.ACCEPTED and self.offer_status == OfferStatus.ACCEPTED

    @property
    def holds_place(self) -> bool:
        return self.status == ApplicationStatus.ACCEPTED and self.offer_status in PLACE_HOLDING_OFFERS

    def deadline(self) -> datetime:
        """When this applicant's submission window closes (the call's, or the recorded extension)."""
        if self.extended_until is not None and self.extended_until > self.call.closes_at:
            return self.extended_until
        return self.call.closes_at

    def _move(self, allowed_from: set[ApplicationStatus], to: ApplicationStatus) -> None:
        if self.status not in allowed_from:
            from talent.programmes.labels import APPLICATION_STATUS  # labels import this module

            raise IllegalTransition(
                _(
                    "An application that is %(state)s cannot become %(target)s.",
                    state=APPLICATION_STATUS[self.status],
                    target=APPLICATION_STATUS[to],
                )
            )
        self.status = to

    def submit(self, now: datetime, country_code: str | None, institution_id: int | None) -> None:
        self._move({ApplicationStatus.DRAFT}, ApplicationStatus.SUBMITTED)
        self.submitted_at = now
        self.country_code = country_code
        self.institution_id = institution_id

    def start_review(self) -> None:
        self._move({ApplicationStatus.SUBMITTED}, ApplicationStatus.UNDER_REVIEW)

    def withdraw(self, now: datetime) -> None:
        self._move(set(UNDECIDED_STATES), ApplicationStatus.WITHDRAWN)
        self.withdrawn_at = now

    def decide(
        self, decision: ApplicationStatus, now: datetime, by_user_id: int | None, note: str | None = None
    ) -> None:
        if decision not in DECISIONS:
            raise IllegalTransition(_("A decision is accept, waitlist or reject."))
        self._move(set(DECIDABLE_STATES), decision)
        self.decided_at = now
        self.decided_by_id = by_user_id
        self.decision_note = note
        self.waitlist_rank = None
        if decision == ApplicationStatus.ACCEPTED:
            self.offer_status = OfferStatus.PENDING
            self.offer_expires_at = now + timedelta(days=self.call.offer_days)
        else:
            self.offer_status = None
            self.offer_expires_at = None

    def answer_offer(self, accept: bool, now: datetime) -> None:
        if self.status != ApplicationStatus.ACCEPTED or self.offer_status != OfferStatus.PENDING:
            raise IllegalTransition(_("There is no open offer to answer."))
        if self.offer_expires_at is not None and now > self.offer_expires_at:
            raise IllegalTransition(_("The time to answer this offer has passed."))
        self.offer_status = OfferStatus.ACCEPTED if accept else OfferStatus.DECLINED
        self.offer_answered_at = now

    def lapse_offer(self, now: datetime) -> None:
        if self.offer_status != OfferStatus.PENDING:
            raise IllegalTransition(_("There is no open offer to answer."))
        self.offer_status = OfferStatus.LAPSED
        self.offer_answered_at = now

    # --- access ------------------------------------------------------------------------------

    def is_own(self, user) -> bool:
        return user.is_authenticated and self.person.user_id == user.id

    def can_view(self, user) -> bool:
        """The applicant and the programme office. Reviewers see it through their assignment."""
        if not user.is_authenticated:
            return False
        return user.is_admin or self.is_own(user)

    def can_edit(self, user) -> bool:
        return self.is_own(user)

    def can_manage(self, user) -> bool:
        return user.is_authenticated and user.is_admin


class ApplicationDocument(Base):
    """An uploaded file, stored under a random name outside the web root; one per type."""

    __tablename__ = "application_documents"
    __table_args__ = (UniqueConstraint("application_id", "doc_type"),)

    id: Mapped[intpk]
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"))
    doc_type: Mapped[DocumentType] = enum_column(DocumentType)
    original_name: Mapped[str] = mapped_column(String(255))  # shown, never used as a path
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)  # random; relative to the store
    media_type: Mapped[str] = mapped_column(String(60))  # from the content, not the name
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[created_at]
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    application: Mapped[Application] = relationship(lazy="raise")


class ReviewStatus(StrEnum):
    ASSIGNED = "assigned"
    SUBMITTED = "submitted"
    CONFLICT = "conflict"  # the reviewer declared a conflict; a replacement is assigned
    WITHDRAWN = "withdrawn"  # taken off by the programme office


class Review(Base):
    """A reviewer's assignment to an application, and once submitted their scores.

    `scores` maps rubric criterion codes to 1–5; `weighted_score` is Σ score × weight / 100.
    """

    __tablename__ = "reviews"
    __table_args__ = (
        UniqueConstraint("application_id", "reviewer_id"),
        Index("ix_reviews_reviewer_status_due", "reviewer_id", "status", "due_at"),
        Index("ix_reviews_application_status", "application_id", "status"),
    )

    id: Mapped[intpk]
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"))
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    status: Mapped[ReviewStatus] = enum_column(ReviewStatus, default=ReviewStatus.ASSIGNED)
    scores: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    comment: Mapped[str] = mapped_column(Text, default="")
    weighted_score: Mapped[Decimal | None] = mapped_column(Numeric(6, 3))
    conflict_reason: Mapped[str | None] = mapped_column(Text)
    assigned_at: Mapped[created_at]
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    due_at: Mapped[datetime]
    submitted_at: Mapped[datetime | None]
    last_reminded_at: Mapped[datetime | None]

    application: Mapped[Application] = relationship(lazy="raise")
    reviewer = relationship("User", foreign_keys=[reviewer_id], lazy="raise")

    @property
    def is_active(self) -> bool:
        return self.status in (ReviewStatus.ASSIGNED, ReviewStatus.SUBMITTED)

    def _move(self, allowed_from: set[ReviewStatus], to: ReviewStatus) -> None:
        if self.status not in allowed_from:
            raise IllegalTransition(_("This review can no longer be changed."))
        self.status = to

    def submit(self, scores: dict[str, int], comment: str, weighted: Decimal, now: datetime) -> None:
        # A submitted review may be revised until the application is decided (checked by the operation).
        self._move({ReviewStatus.ASSIGNED, ReviewStatus.SUBMITTED}, ReviewStatus.SUBMITTED)
        self.scores = scores
        self.comment = comment
        self.weighted_score = weighted
        self.submitted_at = now

    def declare_conflict(self, reason: str) -> None:
        self._move({ReviewStatus.ASSIGNED}, ReviewStatus.CONFLICT)
        self.conflict_reason = reason

    def withdraw(self) -> None:
        self._move({ReviewStatus.ASSIGNED}, ReviewStatus.WITHDRAWN)

    def is_overdue(self, now: datetime) -> bool:
        return self.status == ReviewStatus.ASSIGNED and self.due_at < now

    def can_view(self, user) -> bool:
        if not user.is_authenticated:
            return False
        return user.is_admin or (self.reviewer_id == user.id and self.status != ReviewStatus.CONFLICT)

    def can_edit(self, user) -> bool:
        return user.is_authenticated and self.reviewer_id == user.id and Role.REVIEWER in user.role_set


class ReviewerConflict(Base):
    """A conflict of interest a reviewer declared, with a person or a whole institution.

    Automatic and manual assignment both refuse to pair the reviewer with that person, or with
    applicants affiliated with that institution.
    """

    __tablename__ = "reviewer_conflicts"
    __table_args__ = (
        CheckConstraint(
            "(person_id IS NOT NULL) OR (institution_id IS NOT NULL)", name="names_person_or_institution"
        ),
        UniqueConstraint("reviewer_id", "person_id", "institution_id"),
    )

    id: Mapped[intpk]
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(Text)
    declared_at: Mapped[created_at]


class PlacementStatus(StrEnum):
    PLANNED = "planned"
    ARRIVED = "arrived"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class Placement(Base):
    """Where an accepted exchange participant works: planned → arrived → completed (confirmed by the host)."""

    __tablename__ = "placements"
    __table_args__ = (CheckConstraint("ends_on >= starts_on", name="dates_in_order"),)

    id: Mapped[intpk]
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), unique=True)
    host_institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    supervisor_name: Mapped[str] = mapped_column(String(200))
    supervisor_email: Mapped[str | None] = mapped_column(String(254))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    status: Mapped[PlacementStatus] = enum_column(PlacementStatus, default=PlacementStatus.PLANNED)
    arrived_on: Mapped[date | None] = mapped_column(Date)
    completed_on: Mapped[date | None] = mapped_column(Date)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[created_at]

    application: Mapped[Application] = relationship(lazy="raise")
    host: Mapped[Institution] = relationship(lazy="joined")

    @property
    def is_open(self) -> bool:
        """Planned or under way: the host still has something to confirm, the office may edit it."""
        return self.status in (PlacementStatus.PLANNED, PlacementStatus.ARRIVED)

    def _move(self, allowed_from: set[PlacementStatus], to: PlacementStatus) -> None:
        if self.status not in allowed_from:
            raise IllegalTransition(_("This placement cannot move to that state from where it is."))
        self.status = to

    def confirm_arrival(self, on: date, by_user_id: int | None) -> None:
        self._move({PlacementStatus.PLANNED}, PlacementStatus.ARRIVED)
        self.arrived_on = on
        self.confirmed_by_id = by_user_id

    def confirm_completion(self, on: date, by_user_id: int | None) -> None:
        self._move({PlacementStatus.ARRIVED}, PlacementStatus.COMPLETED)
        self.completed_on = on
        self.confirmed_by_id = by_user_id

    def cancel(self) -> None:
        self._move({PlacementStatus.PLANNED, PlacementStatus.ARRIVED}, PlacementStatus.CANCELLED)

    def can_view(self, user) -> bool:
        if not user.is_authenticated:
            return False
        return self.can_confirm(user) or self.application.is_own(user)

    def can_confirm(self, user) -> bool:
        """The programme office, and staff of the host institution."""
        if not user.is_authenticated:
            return False
        if user.is_admin:
            return True
        return Role.INSTITUTION in user.role_set and user.institution_id == self.host_institution_id

    def can_manage(self, user) -> bool:
        return user.is_authenticated and user.is_admin
