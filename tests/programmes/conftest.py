"""Programme factories: programmes, calls (open now unless told), applications in any state, reviews;
the applicant with their own profile, reviewers and submitted applications."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest

from talent.core.db import utcnow
from talent.programmes import review_scores
from talent.programmes.models import (
    Application,
    ApplicationStatus,
    Call,
    OfferStatus,
    Programme,
    ProgrammeKind,
    Review,
    ReviewStatus,
)
from tests.api.tokens import api_clients

_numbers = itertools.count(1)

RUBRIC = [
    {"code": "merit", "label": "Academic merit", "weight": 40, "guidance": "Grades, publications, awards."},
    {"code": "plan", "label": "Quality of the plan", "weight": 35, "guidance": "Clear, feasible, relevant."},
    {"code": "impact", "label": "Impact at home", "weight": 25, "guidance": "How the home country gains."},
]


@pytest.fixture
def api_client_as(app, db, users):
    """`api_client_as("admin")` → a test client sending that role's user's API token."""
    return api_clients(app, users)


@pytest.fixture
def make_programme(db):
    def make(**kw):
        n = next(_numbers)
        values = {
            "kind": ProgrammeKind.SCHOLARSHIP,
            "name": f"South–South AI scholarship {n}",
            "names": {"zh": f"南南人工智能奖学金 {n}"},
            "description": "Master's and doctoral study in AI at Chinese universities.",
            "host_country_code": "CN",
        }
        values.update(kw)
        programme = Programme(**values)
        db.session.add(programme)
        db.session.commit()
        return programme

    return make


@pytest.fixture
def make_call(db, make_programme):
    """An open, published call (opened a week ago, closing in three weeks) unless told otherwise."""

    def make(*, programme=None, **kw):
        now = utcnow()
        n = next(_numbers)
        values = {
            "programme_id": (programme or make_programme()).id,
            "title": f"2027 intake, round {n}",
            "titles": {"fr": f"Promotion 2027, tour {n}"},
            "opens_at": now - timedelta(days=7),
            "closes_at": now + timedelta(days=21),
            "time_zone": "Asia/Shanghai",
            "is_published": True,
            "eligibility_rules": [{"rule": "global_south"}, {"rule": "not_host_country"}],
            "required_documents": ["cv", "transcript"],
            "rubric": [dict(c) for c in RUBRIC],
            "reviewers_per_application": 3,
            "is_blind_review": True,
        }
        values.update(kw)
        call = Call(**values)
        db.session.add(call)
        db.session.commit()
        return call

    return make


@pytest.fixture
def make_application(db, make_call, make_person):
    """An application in `status`; submitted ones carry a submission time and the person's country."""

    def make(*, call=None, person=None, status=ApplicationStatus.DRAFT, **kw):
        call = call or make_call()
        person = person or make_person()
        values = {
            "call_id": call.id,
            "person_id": person.id,
            "status": status,
            "statement": "I want to build speech recognition for Amharic.",
            "plan": "Year 1: coursework. Year 2: thesis on low-resource ASR.",
            "referees": [{"name": "Prof. Alemu", "email": "alemu@example.org", "institution": "AAU"}],
        }
        if status != ApplicationStatus.DRAFT:
            values["submitted_at"] = utcnow() - timedelta(days=1)
            values["country_code"] = person.nationality_code
            values["institution_id"] = person.affiliation_id
        if status in (ApplicationStatus.ACCEPTED, ApplicationStatus.WAITLISTED, ApplicationStatus.REJECTED):
            values["decided_at"] = utcnow()
        if status == ApplicationStatus.ACCEPTED:
            values["offer_status"] = OfferStatus.PENDING
            values["offer_expires_at"] = utcnow() + timedelta(days=call.offer_days or 14)
        if status == ApplicationStatus.WITHDRAWN:
            values["withdrawn_at"] = utcnow()
        values.update(kw)
        application = Application(**values)
        db.session.add(application)
        db.session.commit()
        return application

    return make


@pytest.fixture
def make_review(db):
    """An assignment of `reviewer` to `application`; with `scores` it is submitted and counted."""

    def make(application, reviewer, *, scores=None, **kw):
        values = {
            "application_id": application.id,
            "reviewer_id": reviewer.id,
            "due_at": utcnow() + timedelta(days=14),
        }
        if scores is not None:
            call = db.session.get(Call, application.call_id)
            values.update(
                status=ReviewStatus.SUBMITTED,
                scores=scores,
                weighted_score=review_scores.weighted_score(call, scores),
                submitted_at=utcnow(),
            )
        values.update(kw)
        review = Review(**values)
        db.session.add(review)
        db.session.flush()
        if scores is not None:
            review_scores.refresh_figures(application)
        db.session.commit()
        return review

    return make


@pytest.fixture
def applicant(make_user, make_person):
    """A user with the applicant role and a Kenyan profile linked to the account."""
    user = make_user("applicant", timezone="Africa/Nairobi")
    make_person(user_id=user.id, nationality_code="KE", email=user.email)
    return user


@pytest.fixture
def applicant_client(app, applicant, login):
    client = app.test_client()
    login(client, applicant)
    return client


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
