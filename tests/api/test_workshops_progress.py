"""Attendance, scores and closing a cohort through the API."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from talent.core.audit import AuditEntry
from talent.workshops.models import (
    Attendance,
    CohortSession,
    EnrolmentStatus,
)
from tests.workshops import conftest as workshop_fixtures

make_course = workshop_fixtures.make_course
make_cohort = workshop_fixtures.make_cohort
make_enrolment = workshop_fixtures.make_enrolment

PROBLEM = "application/problem+json"


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    return response.get_json()


def _sessions(db, cohort) -> list[CohortSession]:
    return list(
        db.session.scalars(
            select(CohortSession).where(CohortSession.cohort_id == cohort.id).order_by(CohortSession.held_on)
        )
    )


@pytest.fixture
def cohort(make_cohort):
    return make_cohort(capacity=2, sessions=4)


@pytest.fixture
def mark(client, admin_headers):
    return lambda enrolment, body: client.put(
        f"/api/v1/enrolments/{enrolment.id}/attendance", json=body, headers=admin_headers
    )


@pytest.fixture
def score(client, admin_headers):
    return lambda enrolment, body: client.put(
        f"/api/v1/enrolments/{enrolment.id}/assessment", json=body, headers=admin_headers
    )


def test_attendance_is_recorded_then_corrected_with_history(mark, cohort, make_enrolment, db):
    enrolment = make_enrolment(cohort)
    session = _sessions(db, cohort)[0]
    first = mark(enrolment, {"session_id": session.id, "status": "absent"})
    assert first.status_code == 200, first.get_data(as_text=True)
    assert first.get_json()["status"] == "absent"
    assert first.get_json()["enrolment_id"] == enrolment.id and first.get_json()["session_id"] == session.id
    corrected = mark(enrolment, {"session_id": session.id, "status": "excused"})
    assert corrected.status_code == 200 and corrected.get_json()["status"] == "excused"
    unchanged = mark(enrolment, {"session_id": session.id, "status": "excused"})
    assert unchanged.status_code == 200
    assert db.session.scalar(select(func.count()).select_from(Attendance)) == 1
    history = db.session.scalars(
        select(AuditEntry.action)
        .where(AuditEntry.object_type == "cohort_sessions", AuditEntry.object_id == str(session.id))
        .order_by(AuditEntry.id)
    ).all()
    assert history == ["attendance.recorded", "attendance.corrected"]


def test_attendance_for_a_session_of_another_cohort_is_refused(mark, cohort, make_cohort, make_enrolment, db):
    enrolment = make_enrolment(cohort)
    elsewhere = _sessions(db, make_cohort())[0]
    for session_id in (elsewhere.id, 999999):
        problem = _problem(mark(enrolment, {"session_id": session_id, "status": "present"}), 422)
        assert list(problem["errors"]) == ["session_id"]
    assert db.session.scalar(select(func.count()).select_from(Attendance)) == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "late"}, "status"),
        ({"status": None}, "status"),
        ({"session_id": "1"}, "session_id"),
        ({"minutes": 5}, "minutes"),
    ],
)
def test_bad_attendance_is_422_naming_the_field(mark, cohort, make_enrolment, db, body, field):
    enrolment = make_enrolment(cohort)
    problem = _problem(
        mark(enrolment, {"session_id": _sessions(db, cohort)[0].id, "status": "present", **body}), 422
    )
    assert field in problem["errors"]
    assert db.session.scalar(select(func.count()).select_from(Attendance)) == 0


def test_only_enrolled_trainees_have_attendance(mark, cohort, make_enrolment, db):
    waiting = make_enrolment(cohort, status=EnrolmentStatus.WAITLISTED)
    _problem(mark(waiting, {"session_id": _sessions(db, cohort)[0].id, "status": "present"}), 422)
    _problem(mark(SimpleNamespace(id=999999), {"session_id": 1, "status": "present"}), 404)


def test_scores_are_set_and_cleared(score, cohort, make_enrolment):
    enrolment = make_enrolment(cohort)
    response = score(enrolment, {"theory": 72.5, "practical": "90"})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert (response.get_json()["theory_score"], response.get_json()["practical_score"]) == (72.5, 90.0)
    cleared = score(enrolment, {"theory": None, "practical": 90}).get_json()
    assert cleared["theory_score"] is None and cleared["practical_score"] == 90.0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"theory": 100.5, "practical": 50}, "theory"),
        ({"theory": 50, "practical": -1}, "practical"),
        ({"theory": 50.125, "practical": 60}, "theory"),
        ({"theory": "seventy", "practical": 60}, "theory"),
        ({"theory": True, "practical": 60}, "theory"),
        ({"theory": 50}, "practical"),
    ],
)
def test_scores_outside_0_to_100_are_422_naming_the_field(score, cohort, make_enrolment, db, body, field):
    enrolment = make_enrolment(cohort, theory_score=40, practical_score=40)
    assert list(_problem(score(enrolment, body), 422)["errors"]) == [field]
    db.session.refresh(enrolment)
    assert (enrolment.theory_score, enrolment.practical_score) == (40, 40)


def test_closing_fixes_each_outcome_with_its_reason(
    client, admin_headers, mark, score, cohort, make_enrolment, db
):
    good, absent = make_enrolment(cohort), make_enrolment(cohort)
    waiting = make_enrolment(cohort, status=EnrolmentStatus.WAITLISTED)
    for session in _sessions(db, cohort):
        assert mark(good, {"session_id": session.id, "status": "present"}).status_code == 200
    mark(absent, {"session_id": _sessions(db, cohort)[0].id, "status": "present"})
    score(good, {"theory": 80, "practical": 75})
    score(absent, {"theory": 90, "practical": 95})

    response = client.post(f"/api/v1/cohorts/{cohort.id}/close", headers=admin_headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["status"] == "closed" and response.get_json()["closed_at"]
    listed = client.get(f"/api/v1/cohorts/{cohort.id}/enrolments", headers=admin_headers).get_json()["items"]
    outcome = {e["id"]: (e["status"], e["outcome"]) for e in listed}
    assert outcome[good.id][0] == "completed"
    assert outcome[good.id][1] == {
        "completed": True,
        "attendance_pct": "100.0",
        "weighted_score": "76.5",
        "reasons": [],
    }
    assert outcome[absent.id][0] == "not_completed"
    assert outcome[absent.id][1]["reasons"] == [
        {"code": "attendance", "value": "25.0", "limit": 80, "text": "attendance 25.0 % < 80 %"}
    ]
    assert outcome[waiting.id] == ("withdrawn", None)

    assert (
        "cohort_id"
        in _problem(client.post(f"/api/v1/cohorts/{cohort.id}/close", headers=admin_headers), 422)["errors"]
    )
    _problem(score(good, {"theory": 10, "practical": 10}), 422)
    _problem(mark(good, {"session_id": _sessions(db, cohort)[0].id, "status": "absent"}), 422)


def test_closing_an_unknown_cohort_is_404(client, admin_headers):
    _problem(client.post("/api/v1/cohorts/999999/close", headers=admin_headers), 404)
