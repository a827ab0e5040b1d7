"""The programme demo: every state a newcomer should see, figures that match the reviews, loaded once."""

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, select

from talent import demo
from talent.core.db import utcnow
from talent.programmes.models import (
    Application,
    ApplicationStatus,
    Call,
    OfferStatus,
    Placement,
    PlacementStatus,
    Programme,
    ProgrammeKind,
    Review,
    ReviewStatus,
)
from talent.reference.models import Person


def _count(db, model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _load(app, db):
    with app.test_request_context():
        created = demo.load_demo()
        db.session.commit()
    return created


def test_loading_twice_adds_nothing_the_second_time(app, db):
    created = _load(app, db)
    counts = [_count(db, model) for model in (Programme, Call, Application, Review, Placement, Person)]
    assert created["applications"] == counts[2] > 20
    again = _load(app, db)
    assert again["applications"] == 0
    assert [
        _count(db, model) for model in (Programme, Call, Application, Review, Placement, Person)
    ] == counts


def test_every_kind_every_state_and_calls_at_every_moment(app, db):
    _load(app, db)
    assert {p.kind for p in db.session.scalars(select(Programme))} == set(ProgrammeKind)
    for programme in db.session.scalars(select(Programme)):
        assert {"zh", "fr"} <= set(programme.names)
        assert programme.host_country_code == "CN" and programme.organiser.country_code == "CN"
    for status in ApplicationStatus:
        assert _count(db, Application, Application.status == status) > 0, status
    for offer in (OfferStatus.PENDING, OfferStatus.ACCEPTED):
        assert _count(db, Application, Application.offer_status == offer) > 0, offer
    assert {p.status for p in db.session.scalars(select(Placement))} >= {
        PlacementStatus.ARRIVED,
        PlacementStatus.COMPLETED,
    }

    now = utcnow()
    calls = list(db.session.scalars(select(Call)))
    open_calls = [c for c in calls if c.is_open(now)]
    assert any(c.closes_at - now > timedelta(days=14) for c in open_calls)  # open now
    assert any(c.closes_at - now < timedelta(days=7) for c in open_calls)  # closing soon
    for call in calls:
        assert sum(c["weight"] for c in call.rubric) == 100 and 3 <= len(call.rubric) <= 4
        assert all(c["guidance"] for c in call.rubric)
        assert call.quota_total and call.required_documents and call.eligibility_rules
    # Places held never exceed a quota.
    for call in calls:
        holders = [
            a
            for a in db.session.scalars(select(Application).where(Application.call_id == call.id))
            if a.holds_place
        ]
        assert len(holders) <= call.quota_total
        for country, quota in call.country_quotas.items():
            assert len([a for a in holders if a.country_code == country]) <= quota

    countries = set(
        db.session.scalars(select(Application.country_code).where(Application.country_code.is_not(None)))
    )
    assert len(countries) >= 8


def test_state_fields_are_consistent(app, db):
    _load(app, db)
    now = utcnow()
    for a in db.session.scalars(select(Application)):
        if a.status == ApplicationStatus.DRAFT:
            assert a.submitted_at is None and a.country_code is None and a.review_count == 0
            continue
        person = db.session.get(Person, a.person_id)
        assert a.submitted_at <= now and a.country_code == person.nationality_code
        assert (a.withdrawn_at is not None) == (a.status == ApplicationStatus.WITHDRAWN)
        assert (a.decided_at is not None) == a.is_decided
        assert (a.offer_status is not None) == (a.status == ApplicationStatus.ACCEPTED)
        assert (a.waitlist_rank is not None) == (a.status == ApplicationStatus.WAITLISTED)
        if a.offer_status == OfferStatus.PENDING:
            assert a.offer_expires_at > now
        if a.status == ApplicationStatus.UNDER_REVIEW:
            assert _count(db, Review, Review.application_id == a.id) > 0
    for placement in db.session.scalars(select(Placement)):
        application = db.session.get(Application, placement.application_id)
        assert application.offer_status == OfferStatus.ACCEPTED
        assert db.session.get(Call, application.call_id).programme.is_exchange


def test_review_figures_match_the_submitted_reviews(app, db):
    _load(app, db)
    statuses = set()
    for a in db.session.scalars(select(Application)):
        call = db.session.get(Call, a.call_id)
        reviews = list(db.session.scalars(select(Review).where(Review.application_id == a.id)))
        statuses |= {r.status for r in reviews}
        weighted = []
        for r in reviews:
            if r.status != ReviewStatus.SUBMITTED:
                assert r.weighted_score is None and not r.scores
                continue
            assert set(r.scores) == set(call.criterion_codes)
            assert all(1 <= s <= 5 for s in r.scores.values())
            expected = sum(Decimal(r.scores[c["code"]]) * c["weight"] for c in call.rubric) / 100
            assert r.weighted_score == expected.quantize(Decimal("0.001"))
            weighted.append(r.weighted_score)
        assert a.review_count == len(weighted)
        if weighted:
            assert a.score_mean == (sum(weighted) / len(weighted)).quantize(Decimal("0.001"))
            assert a.score_spread == max(weighted) - min(weighted)
        else:
            assert a.score_mean is None and a.score_spread is None
    assert statuses >= {ReviewStatus.ASSIGNED, ReviewStatus.SUBMITTED, ReviewStatus.CONFLICT}
    # At least one outlier to flag, and a reviewer with an overdue review to remind.
    assert _count(db, Application, Application.score_spread >= Decimal("1.5")) > 0
    assert _count(db, Review, Review.status == ReviewStatus.ASSIGNED, Review.due_at < utcnow()) > 0


def test_no_reviewer_reviews_a_compatriot_or_a_colleague(app, db):
    _load(app, db)
    rows = db.session.execute(
        select(Review, Application).join(Application, Application.id == Review.application_id)
    ).all()
    assert rows
    for review, application in rows:
        reviewer = db.session.scalar(select(Person).where(Person.user_id == review.reviewer_id))
        assert reviewer.nationality_code != application.country_code
        assert reviewer.affiliation_id is None or reviewer.affiliation_id != application.institution_id
    per_application = db.session.execute(
        select(Review.application_id, func.count())
        .where(Review.status.in_([ReviewStatus.ASSIGNED, ReviewStatus.SUBMITTED]))
        .group_by(Review.application_id)
    ).all()
    assert {n for _id, n in per_application} <= {3}


def test_submitted_applicants_are_eligible_and_have_every_required_document(app, db):
    from talent.programmes import documents, eligibility
    from talent.programmes.models import ApplicationDocument

    _load(app, db)
    with app.test_request_context():
        for a in db.session.scalars(select(Application).where(Application.status != ApplicationStatus.DRAFT)):
            call = db.session.get(Call, a.call_id)
            person = db.session.get(Person, a.person_id)
            verdict = eligibility.evaluate(call, person, now=a.submitted_at)
            assert verdict.is_eligible, (
                person.name_latin,
                [r.reason for r in verdict.results if not r.passed],
            )
            docs = db.session.scalars(
                select(ApplicationDocument).where(ApplicationDocument.application_id == a.id)
            ).all()
            assert {d.doc_type for d in docs} == set(eligibility.required_documents(call))
            for d in docs:
                content = documents.path_of(d).read_bytes()
                assert content.startswith(b"%PDF-") and content.rstrip().endswith(b"%%EOF")
                assert len(content) == d.size < 2000 and d.media_type == "application/pdf"
