"""Attendance, scores, completion and closing a cohort."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from talent.core.audit import AuditEntry
from talent.core.errors import ValidationFailed
from talent.core.models import Notification
from talent.reference.models import Person
from talent.workshops import progress
from talent.workshops.completion import assess
from talent.workshops.models import (
    Attendance,
    AttendanceStatus,
    CohortSession,
    CohortStatus,
    Enrolment,
    EnrolmentStatus,
)
from talent.workshops.roster_queries import Tally

P, A, E = AttendanceStatus.PRESENT, AttendanceStatus.ABSENT, AttendanceStatus.EXCUSED


@pytest.fixture
def in_request(app, db):
    """Operations word their messages in the reader's language, which a request supplies."""
    with app.test_request_context():
        yield


@pytest.fixture
def staff_cohort(make_user, make_cohort, login, client):
    staff = make_user("institution")
    cohort = make_cohort(host=staff.institution, capacity=10)
    login(client, staff)
    return cohort, staff


def _sessions(db, cohort):
    stmt = select(CohortSession).where(CohortSession.cohort_id == cohort.id).order_by(CohortSession.id)
    return list(db.session.scalars(stmt))


def _marks(db, session):
    rows = db.session.execute(
        select(Attendance.enrolment_id, Attendance.status).where(Attendance.session_id == session.id)
    )
    return dict(rows.all())


def _history(db, obj):
    stmt = (
        select(AuditEntry)
        .where(AuditEntry.object_type == obj.__tablename__, AuditEntry.object_id == str(obj.id))
        .order_by(AuditEntry.id)
    )
    return list(db.session.scalars(stmt))


# --- completion ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("attendance", "theory", "practical", "completed", "pct", "codes"),
    [
        ([P, P, P, E], "60", "60", True, Decimal("100.0"), []),  # excused leaves the count
        ([P, P, P, P, A], "60", "60", True, Decimal("80.0"), []),  # exactly the minimum
        ([P, P, P, A], "60", "60", False, Decimal("75.0"), ["attendance"]),
        ([P, P, P, None], "60", "60", False, Decimal("75.0"), ["attendance"]),  # unmarked = absent
        ([], "60", "60", True, None, []),  # no sessions: attendance does not decide
        ([E, E], "60", "60", True, None, []),  # all excused: likewise
        ([P], "60", None, False, Decimal("100.0"), ["score_missing"]),
        ([P], None, None, False, Decimal("100.0"), ["score_missing"]),
        ([P], "100", "43", True, Decimal("100.0"), []),  # 30 + 30.1 = 60.1
        ([P], "60", "59.86", False, Decimal("100.0"), ["score"]),  # 59.902 → 59.9 < 60
        ([P], "0", "0", False, Decimal("100.0"), ["score"]),
        ([A], "0", "0", False, Decimal("0.0"), ["attendance", "score"]),
    ],
)
def test_completion_edge_cases(make_course, attendance, theory, practical, completed, pct, codes):
    course = make_course(theory_weight=30, practical_weight=70, pass_mark=60, min_attendance_pct=80)
    result = assess(
        course, attendance, Decimal(theory) if theory else None, Decimal(practical) if practical else None
    )
    assert result.completed is completed
    assert result.attendance_pct == pct
    assert [r["code"] for r in result.reasons] == codes
    # The roster counts marks in SQL and rebuilds the list from the counts: same verdict.
    tally = Tally(len(attendance), attendance.count(P), attendance.count(E))
    scores = (Decimal(theory) if theory else None, Decimal(practical) if practical else None)
    assert assess(course, tally.as_attendance(), *scores) == result


# --- attendance ----------------------------------------------------------------------------


def test_attendance_is_upserted_and_corrections_keep_history(
    db, in_request, make_cohort, make_enrolment, make_user
):
    cohort = make_cohort()
    session = _sessions(db, cohort)[0]
    first, second = make_enrolment(cohort), make_enrolment(cohort)
    actor = make_user("admin")

    assert progress.record_attendance(session, {first.id: P, second.id: A}, actor=actor) == 2
    assert progress.record_attendance(session, {first.id: P, second.id: E}, actor=actor) == 1
    assert progress.record_attendance(session, {first.id: P}, actor=actor) == 0

    assert _marks(db, session) == {first.id: "present", second.id: "excused"}
    entries = _history(db, session)
    assert [(e.action, e.changes) for e in entries] == [
        ("attendance.recorded", {"status": [None, "present"]}),
        ("attendance.recorded", {"status": [None, "absent"]}),
        ("attendance.corrected", {"status": ["absent", "excused"]}),
    ]
    assert all(e.actor_id == actor.id for e in entries)


def test_attendance_only_for_enrolled_trainees_and_all_or_nothing(
    db, in_request, make_cohort, make_enrolment
):
    cohort = make_cohort()
    session = _sessions(db, cohort)[0]
    enrolled = make_enrolment(cohort)
    waitlisted = make_enrolment(cohort, status=EnrolmentStatus.WAITLISTED)
    elsewhere = make_enrolment(make_cohort())
    for stranger in (waitlisted, elsewhere):
        with pytest.raises(ValidationFailed):
            progress.record_attendance(session, {enrolled.id: P, stranger.id: P})
    assert _marks(db, session) == {}


def test_mark_attendance_refuses_a_session_of_another_cohort(db, in_request, make_cohort, make_enrolment):
    enrolment = make_enrolment(make_cohort())
    foreign_session = _sessions(db, make_cohort())[0]
    with pytest.raises(ValidationFailed) as refused:
        progress.mark_attendance(enrolment, foreign_session, "present")
    assert refused.value.field == "session_id"
    with pytest.raises(ValidationFailed) as refused:
        progress.mark_attendance(enrolment, _sessions(db, make_cohort())[0], "late")
    assert refused.value.field in {"session_id", "status"}


def test_attendance_page_saves_everyone_in_one_post(client, db, staff_cohort, make_enrolment, make_person):
    cohort, _staff = staff_cohort
    session = _sessions(db, cohort)[0]
    marked = make_enrolment(cohort, make_person(name_latin="Marked Trainee"))
    unmarked = make_enrolment(cohort, make_person(name_latin="Unmarked Trainee"))
    waiting = make_enrolment(
        cohort, make_person(name_latin="Waiting Trainee"), status=EnrolmentStatus.WAITLISTED
    )
    url = f"/cohorts/{cohort.id}/sessions/{session.id}/attendance"

    page = client.get(url).get_data(as_text=True)
    assert "Marked Trainee" in page and "Unmarked Trainee" in page and "Waiting Trainee" not in page

    assert f'name="listed" type="hidden" value="{marked.id} {unmarked.id}"' in page
    latecomer = make_enrolment(cohort, make_person(name_latin="Late Trainee"))  # not on the page
    data = {
        f"mark-{marked.id}": "absent",
        f"mark-{waiting.id}": "present",
        "rest": "present",
        "listed": f"{marked.id} {unmarked.id}",
    }
    assert client.post(url, data=data).status_code == 302
    assert _marks(db, session) == {marked.id: "absent", unmarked.id: "present"}
    assert latecomer.id not in _marks(db, session)

    assert client.post(url, data={f"mark-{marked.id}": "present"}).status_code == 302
    assert _marks(db, session)[marked.id] == "present"
    page = client.get(url).get_data(as_text=True)
    assert "attendance.corrected" in page and "Marked Trainee" in page
    assert "<del><bdi>absent</bdi></del>" in page and "<ins><bdi>present</bdi></ins>" in page
    assert f'id="mark-{marked.id}-0" name="mark-{marked.id}" type="radio" value="present"' in page.replace(
        "checked ", ""
    )

    bad = client.post(url, data={f"mark-{marked.id}": "asleep"})
    assert bad.status_code == 422
    assert _marks(db, session)[marked.id] == "present"


def test_attendance_for_a_session_of_another_cohort_is_not_found(client, db, staff_cohort, make_cohort):
    cohort, _staff = staff_cohort
    foreign = _sessions(db, make_cohort())[0]
    url = f"/cohorts/{cohort.id}/sessions/{foreign.id}/attendance"
    assert client.get(url).status_code == 404
    assert client.post(url, data={}).status_code == 404


# --- scores --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0", Decimal("0.00")),
        ("100", Decimal("100.00")),
        ("72,5", Decimal("72.50")),
        (" 59.99 ", Decimal("59.99")),
        (88, Decimal("88.00")),
        (72.25, Decimal("72.25")),
        ("", None),
        (None, None),
    ],
)
def test_clean_score_accepts(in_request, raw, expected):
    assert progress.clean_score(raw, "theory") == expected


@pytest.mark.parametrize("raw", ["-0.01", "100.01", "101", "72.505", "abc", "NaN", "Infinity", "1e3", True])
def test_clean_score_refuses(in_request, raw):
    with pytest.raises(ValidationFailed) as refused:
        progress.clean_score(raw, "practical")
    assert refused.value.field == "practical"


def test_scores_form_saves_every_trainee_in_one_post(client, db, staff_cohort, make_enrolment):
    cohort, _staff = staff_cohort
    first = make_enrolment(cohort, theory_score=Decimal("10"))
    second = make_enrolment(cohort)
    data = {
        f"theory-{first.id}": "75.5",
        f"practical-{first.id}": "80",
        f"theory-{second.id}": "60,25",
        f"practical-{second.id}": "",
    }
    assert client.post(f"/cohorts/{cohort.id}/scores", data=data).status_code == 302
    db.session.expire_all()
    assert (
        db.session.get(Enrolment, first.id).theory_score,
        db.session.get(Enrolment, first.id).practical_score,
    ) == (
        Decimal("75.50"),
        Decimal("80.00"),
    )
    assert db.session.get(Enrolment, second.id).theory_score == Decimal("60.25")
    assert db.session.get(Enrolment, second.id).practical_score is None
    entries = _history(db, db.session.get(Enrolment, first.id))
    assert entries[-1].action == "enrolment.scored"
    assert entries[-1].changes == {"theory_score": ["10.00", "75.50"], "practical_score": [None, "80.00"]}


def test_scores_of_a_trainee_missing_from_the_post_stay(client, db, staff_cohort, make_enrolment):
    cohort, _staff = staff_cohort
    shown = make_enrolment(cohort)
    # Enrolled, and scored by an upload, after the form was loaded: the post has no fields for them.
    latecomer = make_enrolment(cohort, theory_score=Decimal("66"), practical_score=Decimal("77"))
    data = {f"theory-{shown.id}": "50", f"practical-{shown.id}": "50"}
    assert client.post(f"/cohorts/{cohort.id}/scores", data=data).status_code == 302
    db.session.expire_all()
    assert db.session.get(Enrolment, latecomer.id).theory_score == Decimal("66")
    assert db.session.get(Enrolment, shown.id).theory_score == Decimal("50")


def test_a_score_out_of_range_saves_nothing_and_is_marked_where_it_is(
    client, db, staff_cohort, make_enrolment
):
    cohort, _staff = staff_cohort
    good, bad = make_enrolment(cohort), make_enrolment(cohort)
    data = {
        f"theory-{good.id}": "70",
        f"practical-{good.id}": "70",
        f"theory-{bad.id}": "70",
        f"practical-{bad.id}": "101",
    }
    response = client.post(f"/cohorts/{cohort.id}/scores", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'<p class="error" id="practical-{bad.id}-error">Give a score from 0 to 100' in page
    assert f'id="theory-{good.id}-error"' not in page
    assert 'value="101"' in page  # the typed value stays for correction
    db.session.expire_all()
    assert db.session.get(Enrolment, good.id).theory_score is None


def test_record_scores_for_one_trainee(db, in_request, make_cohort, make_enrolment):
    cohort = make_cohort()
    enrolment = make_enrolment(cohort)
    assert progress.record_scores(enrolment, "80", 90.5) is True
    assert (enrolment.theory_score, enrolment.practical_score) == (Decimal("80.00"), Decimal("90.50"))
    assert progress.record_scores(enrolment, "80.00", "90.5") is False
    with pytest.raises(ValidationFailed) as refused:
        progress.record_scores(enrolment, "80", "-1")
    assert refused.value.field == "practical"
    waiting = make_enrolment(cohort, status=EnrolmentStatus.WAITLISTED)
    with pytest.raises(ValidationFailed):
        progress.record_scores(waiting, "50", "50")


# --- closing -------------------------------------------------------------------------------


@pytest.fixture
def running_cohort(db, make_cohort, make_enrolment, make_person, make_user):
    """Three enrolled trainees with mixed records, one waitlisted and one pending."""
    cohort = make_cohort(capacity=3)
    sessions = _sessions(db, cohort)
    passer_user = make_user("applicant")
    people = {
        "passes": make_person(user_id=passer_user.id, name_latin="Passes Trainee"),
        "absent": make_person(user_id=make_user("applicant").id, name_latin="Absent Trainee"),
        "unscored": make_person(name_latin="Unscored Trainee"),
    }
    enrolments = {
        "passes": make_enrolment(
            cohort, people["passes"], theory_score=Decimal("70"), practical_score=Decimal("70")
        ),
        "absent": make_enrolment(
            cohort, people["absent"], theory_score=Decimal("90"), practical_score=Decimal("90")
        ),
        "unscored": make_enrolment(cohort, people["unscored"], theory_score=Decimal("90")),
        "waitlisted": make_enrolment(
            cohort, make_person(user_id=make_user("applicant").id), status=EnrolmentStatus.WAITLISTED
        ),
        "pending": make_enrolment(cohort, status=EnrolmentStatus.PENDING),
    }
    for session in sessions:
        db.session.add(Attendance(enrolment_id=enrolments["passes"].id, session_id=session.id, status=P))
        db.session.add(Attendance(enrolment_id=enrolments["unscored"].id, session_id=session.id, status=P))
    db.session.add(Attendance(enrolment_id=enrolments["absent"].id, session_id=sessions[0].id, status=P))
    db.session.commit()
    return cohort, enrolments


def test_close_fixes_outcomes_as_assess_decides(db, in_request, running_cohort):
    cohort, enrolments = running_cohort
    sessions = _sessions(db, cohort)
    by_session = [_marks(db, s) for s in sessions]
    expected = {
        key: assess(
            cohort.course,
            [AttendanceStatus(m[e.id]) if e.id in m else None for m in by_session],
            e.theory_score,
            e.practical_score,
        ).as_outcome()
        for key, e in enrolments.items()
        if key in ("passes", "absent", "unscored")
    }
    progress.close_cohort(cohort)
    db.session.expire_all()
    after = {key: db.session.get(Enrolment, e.id) for key, e in enrolments.items()}
    assert after["passes"].status == EnrolmentStatus.COMPLETED
    assert after["absent"].status == EnrolmentStatus.NOT_COMPLETED
    assert after["unscored"].status == EnrolmentStatus.NOT_COMPLETED
    for key, outcome in expected.items():
        assert after[key].outcome == outcome
    assert after["absent"].outcome["reasons"] == [{"code": "attendance", "value": "25.0", "limit": 80}]
    assert after["waitlisted"].status == EnrolmentStatus.WITHDRAWN
    assert after["waitlisted"].waitlist_position is None
    assert after["pending"].status == EnrolmentStatus.WITHDRAWN
    assert cohort.status == CohortStatus.CLOSED and cohort.closed_at is not None
    assert [e.action for e in _history(db, cohort)][-1] == "cohort.closed"


def test_close_tells_each_trainee_with_an_account(db, in_request, running_cohort):
    cohort, enrolments = running_cohort
    progress.close_cohort(cohort)
    people = {key: db.session.get(Person, enrolments[key].person_id) for key in enrolments}
    told = {
        key: db.session.scalars(
            select(Notification.message).where(Notification.user_id == person.user_id)
        ).all()
        for key, person in people.items()
        if person.user_id
    }
    assert set(told) == {"passes", "absent", "waitlisted"}
    assert told["passes"] == [f"You completed {cohort.course.title}. Congratulations!"]
    assert told["absent"] == [f"You did not complete {cohort.course.title}: attendance 25.0 % < 80 %."]
    assert len(told["waitlisted"]) == 1 and "lapsed" in told["waitlisted"][0]


def test_closing_twice_is_refused(db, in_request, running_cohort):
    cohort, enrolments = running_cohort
    progress.close_cohort(cohort)
    with pytest.raises(ValidationFailed, match="already closed"):
        progress.close_cohort(cohort)


def test_a_cancelled_cohort_cannot_be_closed(db, in_request, make_cohort, make_enrolment):
    cohort = make_cohort(status=CohortStatus.CANCELLED)
    enrolment = make_enrolment(cohort)
    with pytest.raises(ValidationFailed, match="cancelled"):
        progress.close_cohort(cohort)
    assert enrolment.status == EnrolmentStatus.ENROLLED and cohort.status == CohortStatus.CANCELLED


def test_close_pages(client, db, running_cohort, make_user, login):
    cohort, enrolments = running_cohort
    staff = make_user("institution", institution=cohort.host)
    login(client, staff)
    page = client.get(f"/cohorts/{cohort.id}/close").get_data(as_text=True)
    assert "1 of 3 enrolled trainees will complete" in page
    assert "4 sessions have not been held yet" in page  # the factory's sessions lie ahead
    assert "attendance 25.0 % &lt; 80 %" in page and "theory or practical score missing" in page
    response = client.post(f"/cohorts/{cohort.id}/close", data={})
    assert response.status_code == 302
    assert "1 of 3 trainees completed" in client.get(response.headers["Location"]).get_data(as_text=True)
    again = client.post(f"/cohorts/{cohort.id}/close", data={})
    assert again.status_code == 409
    assert "already closed" in again.get_data(as_text=True)
    assert "was closed on" in client.get(f"/cohorts/{cohort.id}/close").get_data(as_text=True)


def test_after_closing_attendance_and_scores_are_refused(client, db, running_cohort, make_user, login):
    cohort, enrolments = running_cohort
    login(client, make_user("admin"))
    assert client.post(f"/cohorts/{cohort.id}/close", data={}).status_code == 302
    session = _sessions(db, cohort)[0]
    passes = enrolments["passes"]
    response = client.post(
        f"/cohorts/{cohort.id}/sessions/{session.id}/attendance", data={f"mark-{passes.id}": "absent"}
    )
    assert response.status_code == 409
    assert _marks(db, session)[passes.id] == "present"
    page = client.get(f"/cohorts/{cohort.id}/sessions/{session.id}/attendance").get_data(as_text=True)
    assert "Passes Trainee" in page and "Save attendance" not in page
    assert f'checked disabled id="mark-{passes.id}-0"' in page
    page = client.get(f"/cohorts/{cohort.id}/scores").get_data(as_text=True)
    assert 'readonly size="6" type="text" value="70"' in page and "Save scores" not in page
    response = client.post(f"/cohorts/{cohort.id}/scores", data={})
    assert response.status_code == 409
    with client.application.test_request_context(), pytest.raises(ValidationFailed):
        progress.record_attendance(session, {})


def test_a_score_just_below_the_pass_mark_fails_and_is_not_shown_rounded_up(make_course):
    from decimal import Decimal

    from talent.workshops.completion import assess
    from talent.workshops.models import AttendanceStatus

    course = make_course(theory_weight=50, practical_weight=50, pass_mark=60, min_attendance_pct=80)
    below = assess(course, [AttendanceStatus.PRESENT] * 5, Decimal("59.90"), Decimal("60.00"))  # 59.95
    assert not below.completed
    assert below.weighted_score == Decimal("59.9")
    at = assess(course, [AttendanceStatus.PRESENT] * 5, Decimal("60.00"), Decimal("60.00"))
    assert at.completed
