"""Programme demo data: the four programme kinds, each with a call at a different moment of its life —
open now, closing in three days, closed and in review, decided (with the previous round's placement
completed) — and applications in every state from applicants of seventeen countries, scored by four
reviewers. Dates follow today. Rows are written directly, keeping every invariant of the models
(state fields, submission snapshot, offer fields, review figures). Loading twice adds nothing."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from talent.accounts.auth import find_user_by_email
from talent.core.db import utcnow
from talent.extensions import db
from talent.programmes import documents, eligibility, review_scores
from talent.programmes.demo_data import (
    ACC,
    DR,
    PEOPLE,
    PLANS,
    PROGRAMMES,
    REJ,
    REVIEWERS,
    RUBRICS,
    SHANGHAI,
    STATEMENTS,
    WD,
    WL,
    Demo,
    S,
    calls,
)
from talent.programmes.models import (
    Application,
    ApplicationDocument,
    Call,
    DocumentType,
    OfferStatus,
    Placement,
    PlacementStatus,
    Programme,
    Review,
    ReviewStatus,
)
from talent.reference import operations as reference
from talent.reference.models import Institution, Person


def tiny_pdf(title: str) -> bytes:
    """A valid one-page PDF saying `title` (ASCII), small enough to keep many of in the demo."""
    text = title.encode("ascii", "replace")
    for special in (b"\\", b"(", b")"):
        text = text.replace(special, b"\\" + special)
    stream = b"BT /F1 14 Tf 72 720 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _documents(call: Call, application: Application, person: Person, user_id: int | None) -> None:
    """Every required document once submitted; a draft has its CV so far."""
    wanted = eligibility.required_documents(call) if application.status != DR else [DocumentType.CV]
    for doc_type in wanted:
        stored = documents.store(io.BytesIO(tiny_pdf(f"{doc_type.value}: {person.name_latin} (demo)")))
        db.session.add(
            ApplicationDocument(
                application_id=application.id,
                doc_type=doc_type,
                original_name=f"{doc_type.value}-{person.name_latin.split()[-1].lower()}.pdf",
                stored_name=stored.stored_name,
                media_type=stored.media_type,
                size=stored.size,
                sha256=stored.sha256,
                uploaded_at=application.submitted_at or application.created_at,
                uploaded_by_id=user_id,
            )
        )


def _at(today: date, days: int, hour: int = 17) -> datetime:
    """`days` from today at `hour` o'clock in Beijing time, as UTC."""
    return datetime.combine(today + timedelta(days=days), time(hour), tzinfo=SHANGHAI).astimezone(UTC)


def _score(quality: float, reviewer: int, criterion: int, off: bool) -> int:
    value = quality + ((reviewer * 2 + criterion) % 3 - 1) * 0.6 - (2 if off else 0)
    return max(1, min(5, round(value)))


def _person(who: str, institutions: dict[str, Institution]) -> Person:
    if "@" in who:
        return reference.find_person_by_email(who)
    native, country, born, gender, isced, languages = PEOPLE[who]
    existing = db.session.scalar(select(Person).where(Person.name_latin == who, Person.born_on == born))
    if existing is not None:
        return existing
    home = next((i for i in institutions.values() if i.country_code == country), None)
    return reference.create_person(
        name_latin=who,
        name_native=native,
        nationality_code=country,
        born_on=born,
        gender=gender,
        isced_level=isced,
        languages=languages,
        affiliation_id=home.id if home else None,
    )


def load_programme_demo(actor=None, today: date | None = None) -> int:
    """Returns how many applications were created (0 when the demo programmes exist already)."""
    if db.session.scalar(select(Programme.id).where(Programme.name == PROGRAMMES["scholarship"][1])):
        return 0
    now = utcnow()
    today = today or now.astimezone(SHANGHAI).date()
    institutions = {i.name: i for i in db.session.scalars(select(Institution))}
    programmes = {}
    for key, (kind, name, names, description, organiser) in PROGRAMMES.items():
        programmes[key] = Programme(
            kind=kind,
            name=name,
            names=names,
            description=description,
            host_country_code="CN",
            organiser_id=institutions[organiser].id,
        )
        db.session.add(programmes[key])
    db.session.flush()
    reviewers = [find_user_by_email(email) for email in REVIEWERS]
    reviewer_people = {r.id: reference.profile_of(r) for r in reviewers}
    staff = find_user_by_email("staff.tianjin@demo.talent")
    created = 0
    for spec in calls():
        call = _call(spec, programmes[spec["programme"]], today)
        for index, demo in enumerate(spec["apps"]):
            person = _person(demo.who, institutions)
            application = _application(call, spec, demo, person, index, today, now, actor)
            _documents(call, application, person, person.user_id)
            _reviews(call, application, demo, person, index, reviewers, reviewer_people, now)
            if demo.placement:
                _placement(application, demo.placement, institutions, today, actor, staff)
            created += 1
    db.session.flush()
    return created


def _call(spec: dict, programme: Programme, today: date) -> Call:
    opens, closes = spec["window"]
    call = Call(
        programme_id=programme.id,
        title=spec["title"],
        titles=spec["titles"],
        description=programme.description,
        opens_at=_at(today, opens, 9),
        closes_at=_at(today, closes, 17),
        time_zone=spec["time_zone"],
        is_published=spec["is_published"],
        eligibility_rules=spec["rules"],
        required_documents=spec["documents"],
        rubric=[
            {"code": code, "label": label, "weight": weight, "guidance": guidance}
            for code, label, weight, guidance in RUBRICS[spec["rubric"]]
        ],
        reviewers_per_application=spec["reviewers_per_application"],
        is_blind_review=spec.get("is_blind_review", True),
        is_nationality_conflict=spec.get("is_nationality_conflict", False),
        review_days=21,
        quota_total=spec["quota_total"],
        country_quotas=spec.get("country_quotas", {}),
        offer_days=spec.get("offer_days", 14),
    )
    db.session.add(call)
    db.session.flush()
    return call


def _application(call, spec, demo: Demo, person: Person, index, today, now, actor) -> Application:
    application = Application(
        call_id=call.id,
        person_id=person.id,
        status=DR,
        statement=STATEMENTS[index % len(STATEMENTS)],
        plan=PLANS[index % len(PLANS)] if demo.status != DR or index % 2 else "",
        referees=[
            {
                "name": "Prof. Amina Diop" if index % 2 else "Dr. Samuel Mensah",
                "email": f"referee{index + 1}@example.org",
                "institution": "University of Dakar" if index % 2 else "University of Ghana",
            }
        ],
        created_at=min(call.closes_at, now) - timedelta(days=10 + index),
    )
    application.call = call
    if demo.status != DR:
        submitted_at = min(call.closes_at, now) - timedelta(days=1 + index % 5, hours=3 + index)
        application.submit(submitted_at, person.nationality_code, person.affiliation_id)
    if demo.status == WD:
        application.withdraw(min(application.submitted_at + timedelta(days=2), now - timedelta(hours=1)))
    elif demo.status != DR and demo.status != S:
        application.start_review()
    if demo.status in (ACC, WL, REJ):
        decided_at = _at(today, spec["decided"], 10)
        note = {REJ: "Below the funding line this round; we encourage a new application."}.get(demo.status)
        application.decide(demo.status, decided_at, actor.id if actor else None, note)
        application.waitlist_rank = demo.waitlist_rank
        if demo.offer is not None and demo.offer != OfferStatus.PENDING:
            application.offer_status = demo.offer
            application.offer_answered_at = decided_at + timedelta(days=3)
    db.session.add(application)
    db.session.flush()
    return application


def _reviewers_for(person: Person, index: int, reviewers, reviewer_people) -> list:
    """Reviewers in turn, never one of the applicant's nationality or institution."""
    turn = reviewers[index % len(reviewers) :] + reviewers[: index % len(reviewers)]
    return [
        r
        for r in turn
        if reviewer_people[r.id].nationality_code != person.nationality_code
        and (person.affiliation_id is None or reviewer_people[r.id].affiliation_id != person.affiliation_id)
    ]


def _reviews(call, application, demo: Demo, person, index, reviewers, reviewer_people, now) -> None:
    if not demo.reviews:
        return
    chosen = _reviewers_for(person, index, reviewers, reviewer_people)
    assert len(chosen) >= len(demo.reviews), demo.who
    assigned_at = call.closes_at + timedelta(days=2)
    last = demo.reviews.rindex("s") if "s" in demo.reviews else -1
    for position, (letter, reviewer) in enumerate(zip(demo.reviews, chosen, strict=False)):
        when = now - timedelta(days=5) if letter == "n" else assigned_at
        review = Review(
            application_id=application.id,
            reviewer_id=reviewer.id,
            status=ReviewStatus.ASSIGNED,
            assigned_at=when,
            due_at=when + timedelta(days=call.review_days),
        )
        if letter == "c":
            review.declare_conflict("I co-supervised the applicant's master's thesis.")
        elif letter == "s":
            scores = {
                c["code"]: _score(demo.quality, position, n, demo.outlier and position == last)
                for n, c in enumerate(call.rubric)
            }
            weighted = review_scores.weighted_score(call, scores)
            comment = "Strong, well-argued application." if weighted >= 4 else "Solid, with a vague plan."
            review.submit(scores, comment, weighted, min(when + timedelta(days=4 + position), now))
        db.session.add(review)
    db.session.flush()
    review_scores.refresh_figures(application)


def _placement(application, spec: tuple, institutions, today: date, actor, staff) -> None:
    status, host, supervisor, starts, ends = spec
    host_id = institutions[host].id
    confirmer = staff if staff is not None and staff.institution_id == host_id else actor
    placement = Placement(
        application_id=application.id,
        host_institution_id=host_id,
        supervisor_name=supervisor,
        supervisor_email=f"{supervisor.split()[-1].lower()}@host.example.cn",
        starts_on=today + timedelta(days=starts),
        ends_on=today + timedelta(days=ends),
        note="Office and housing arranged by the host.",
        status=PlacementStatus.PLANNED,
    )
    if status in ("arrived", "completed"):
        placement.confirm_arrival(
            placement.starts_on + timedelta(days=1), confirmer.id if confirmer else None
        )
    if status == "completed":
        placement.confirm_completion(placement.ends_on, confirmer.id if confirmer else None)
    db.session.add(placement)
    db.session.flush()
    assert placement.status == PlacementStatus(status)
    if status == "completed":
        from talent.certificates.issuance import issue_for_placement

        issue_for_placement(
            placement, actor=actor, outcome="Led the joint laboratory's speech-recognition work."
        )
