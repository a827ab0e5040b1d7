"""Enrolling through the API: one person or a list, by id or by profile; the cohort's enrolments."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from talent.core.audit import AuditEntry
from talent.reference.models import Person
from talent.workshops.models import CohortStatus, Enrolment, EnrolmentSource, EnrolmentStatus
from tests.api.tokens import bearer, issue_token
from tests.workshops import conftest as workshop_fixtures

make_course = workshop_fixtures.make_course
make_cohort = workshop_fixtures.make_cohort
make_enrolment = workshop_fixtures.make_enrolment
workshop_ctx = workshop_fixtures.workshop_ctx

PROBLEM = "application/problem+json"


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    return response.get_json()


def _count(db, model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture
def cohort(make_cohort):
    return make_cohort(capacity=2)


@pytest.fixture
def enrol(client, admin_headers, cohort):
    """POST to the cohort's enrolments as an administrator."""
    return lambda body, target=None: client.post(
        f"/api/v1/cohorts/{(target or cohort).id}/enrolments", json=body, headers=admin_headers
    )


def test_enrolling_a_person_twice_changes_nothing_the_second_time(enrol, make_person, db, cohort):
    person = make_person(name_latin="Kwame Mensah", name_native=None)
    first = enrol({"person_id": person.id})
    assert first.status_code == 201, first.get_data(as_text=True)
    body = first.get_json()
    assert body["status"] == "enrolled" and body["position"] is None and body["source"] == "api"
    assert body["person"] == {"id": person.id, "name": "Kwame Mensah", "name_native": None}
    assert body["cohort_id"] == cohort.id and body["outcome"] is None and body["theory_score"] is None
    again = enrol({"person_id": person.id})
    assert again.status_code == 200
    assert again.get_json() == body
    assert _count(db, Enrolment) == 1
    assert _count(db, AuditEntry, AuditEntry.action == "enrolment.created") == 1


def test_beyond_capacity_people_wait_in_order(enrol, make_person):
    answers = [enrol({"person_id": make_person().id}).get_json() for _ in range(4)]
    assert [(a["status"], a["position"]) for a in answers] == [
        ("enrolled", None),
        ("enrolled", None),
        ("waitlisted", 1),
        ("waitlisted", 2),
    ]


def test_a_new_person_is_added_with_the_minimum_profile(enrol, db):
    profile = {
        "name": "Amina Yusuf",
        "name_native": "أمينة يوسف",
        "email": "Amina.Yusuf@Example.org",
        "nationality": "ng",
        "date_of_birth": "1999-04-02",
    }
    response = enrol({"person": profile})
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.get_json()["person"]["name_native"] == "أمينة يوسف"
    person = db.session.get(Person, response.get_json()["person"]["id"])
    assert (person.email, person.nationality_code, person.born_on.isoformat()) == (
        "amina.yusuf@example.org",
        "NG",
        "1999-04-02",
    )
    retry = enrol({"person": {**profile, "email": "AMINA.YUSUF@example.org"}})
    assert retry.status_code == 200 and retry.get_json()["id"] == response.get_json()["id"]
    assert _count(db, Person) == 1


def test_a_person_known_by_email_is_enrolled_as_they_are(enrol, make_person):
    known = make_person(name_latin="Thandiwe Dube", email="thandiwe@example.org")
    body = enrol({"person": {"name": "T. Dube", "email": "Thandiwe@example.org"}}).get_json()
    assert body["person"]["id"] == known.id and body["person"]["name"] == "Thandiwe Dube"


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"person_id": 999999}, {"person_id": None}),
        ({"person_id": "12"}, {"person_id": None}),
        ({"person": {"email": "x@example.org"}}, {"person": {"name"}}),
        ({"person": {"name": "Ama Owusu", "email": "not-an-address"}}, {"person": {"email"}}),
        (
            {"person": {"name": "Ama Owusu", "email": "a@example.org", "nationality": "ZZ"}},
            {"person": {"nationality"}},
        ),
        ({"person": {"name": "Иван Петров", "email": "i@example.org"}}, {"person": {"name"}}),
        (
            {"person": {"name": "Ama", "email": "a@example.org", "date_of_birth": "2999-01-01"}},
            {"person": {"date_of_birth"}},
        ),
        ({"person": {"name": "Ama", "email": "a@example.org", "passport": "X1"}}, {"person": {"passport"}}),
        ({"person": "Ama Owusu"}, {"person": None}),
        (
            {"person_id": 1, "person": {"name": "Ama", "email": "a@example.org"}},
            {"person_id": None, "person": None},
        ),
        ({}, {"person_id": None, "person": None, "items": None}),
        ({"person_id": 1, "role": "admin"}, {"role": None}),
    ],
)
def test_bad_input_is_422_naming_the_field_and_changes_nothing(enrol, db, body, errors):
    problem = _problem(enrol(body), 422)
    assert set(problem["errors"]) == set(errors)
    for name, nested in errors.items():
        if nested:
            assert set(problem["errors"][name]) == nested
    assert _count(db, Enrolment) == 0 and _count(db, Person) == 0


def test_nobody_is_enrolled_in_a_closed_cohort(enrol, make_cohort, make_person, db):
    closed = make_cohort(status=CohortStatus.CLOSED)
    assert "cohort_id" in _problem(enrol({"person_id": make_person().id}, closed), 422)["errors"]
    new = {"person": {"name": "Ama Owusu", "email": "ama@example.org"}}
    _problem(enrol(new, closed), 422)
    assert _count(db, Enrolment) == 0
    assert _count(db, Person, Person.email == "ama@example.org") == 0  # the person went with it


def test_a_list_answers_each_item_in_order(enrol, make_person, make_enrolment, cohort, db):
    already, second, third = make_person(), make_person(), make_person()
    make_enrolment(cohort, already)
    items = [
        {"person_id": second.id},
        {"person_id": 999999},
        {"person": {"name": "Bad Address", "email": "nope"}},
        {"person_id": already.id},
        "Ama Owusu",
        {"person": {"name": "Efua Owusu", "email": "efua@example.org"}},
        {"person_id": third.id, "note": "?"},
        {"person_id": third.id},
    ]
    response = enrol({"items": items})
    assert response.status_code == 200, response.get_data(as_text=True)
    results = response.get_json()["items"]
    assert [r["index"] for r in results] == list(range(len(items)))
    assert [r["status"] for r in results] == [201, 422, 422, 200, 422, 201, 422, 201]
    assert results[0]["enrolment"]["status"] == "enrolled"
    assert results[1]["error"]["errors"] == {"person_id": [results[1]["error"]["detail"]]}
    assert list(results[2]["error"]["errors"]["person"]) == ["email"]
    assert results[3]["enrolment"]["person"]["id"] == already.id
    assert results[4]["error"]["status"] == 422 and results[4]["error"]["type"] == "about:blank"
    assert (results[5]["enrolment"]["status"], results[5]["enrolment"]["position"]) == ("waitlisted", 1)
    assert list(results[6]["error"]["errors"]) == ["note"]
    assert results[7]["enrolment"]["position"] == 2
    assert _count(db, Person, Person.email == "nope") == 0

    again = enrol({"items": items}).get_json()["items"]
    assert [r["status"] for r in again] == [200, 422, 422, 200, 422, 200, 422, 200]
    assert _count(db, Enrolment) == 4


def test_each_item_is_all_or_nothing(enrol, make_cohort, db):
    closed = make_cohort(status=CohortStatus.CLOSED)
    item = {"person": {"name": "Ama Owusu", "email": "ama@example.org"}}
    result = enrol({"items": [item]}, closed).get_json()["items"][0]
    assert result["status"] == 422 and "cohort_id" in result["error"]["errors"]
    assert _count(db, Person) == 0


@pytest.mark.parametrize("items", [[], [{"person_id": 1}] * 201, {"person_id": 1}, "all"])
def test_a_list_must_hold_one_to_two_hundred_items(enrol, items):
    assert list(_problem(enrol({"items": items}), 422)["errors"]) == ["items"]


def test_a_body_that_is_not_json_is_415(client, admin_headers, cohort):
    response = client.post(
        f"/api/v1/cohorts/{cohort.id}/enrolments", data={"person_id": "1"}, headers=admin_headers
    )
    _problem(response, 415)


def test_an_unknown_cohort_is_404(enrol, make_person):
    _problem(enrol({"person_id": make_person().id}, SimpleNamespace(id=999999)), 404)


# --- the list ------------------------------------------------------------------------------


def test_managers_list_enrolments_with_status_and_place(client, admin_headers, cohort, make_enrolment):
    enrolled = make_enrolment(cohort)
    second = make_enrolment(cohort, status=EnrolmentStatus.WAITLISTED, waitlist_position=2)
    first = make_enrolment(cohort, status=EnrolmentStatus.WAITLISTED, waitlist_position=1)
    pending = make_enrolment(cohort, status=EnrolmentStatus.PENDING, source=EnrolmentSource.SELF)
    url = f"/api/v1/cohorts/{cohort.id}/enrolments"
    everyone = client.get(url, headers=admin_headers).get_json()
    assert [(e["id"], e["status"], e["position"]) for e in everyone["items"]] == [
        (enrolled.id, "enrolled", None),
        (second.id, "waitlisted", 2),
        (first.id, "waitlisted", 1),
        (pending.id, "pending", None),
    ]
    assert everyone["next"] is None and everyone["items"][3]["source"] == "self"
    waiting = client.get(f"{url}?status=waitlisted&limit=1", headers=admin_headers).get_json()
    assert [e["id"] for e in waiting["items"]] == [first.id]
    rest = client.get(f"{url}?status=waitlisted&cursor={waiting['next']}", headers=admin_headers).get_json()
    assert [e["id"] for e in rest["items"]] == [second.id] and rest["next"] is None
    # A cursor of the waitlist is not one for the whole list.
    assert (
        "cursor"
        in _problem(client.get(f"{url}?cursor={waiting['next']}", headers=admin_headers), 400)["errors"]
    )
    assert "status" in _problem(client.get(f"{url}?status=asleep", headers=admin_headers), 422)["errors"]


def test_enrolment_pages_walk_everyone_in_a_bounded_number_of_queries(
    client, admin_headers, make_cohort, make_enrolment, count_queries
):
    cohort = make_cohort(capacity=100)
    made = [make_enrolment(cohort).id for _ in range(3)]
    url = f"/api/v1/cohorts/{cohort.id}/enrolments"
    client.get(url, headers=admin_headers)
    with count_queries() as few:
        assert len(client.get(url, headers=admin_headers).get_json()["items"]) == 3
    made += [make_enrolment(cohort).id for _ in range(27)]
    with count_queries() as many:
        assert len(client.get(f"{url}?limit=30", headers=admin_headers).get_json()["items"]) == 30
    assert many.count == few.count, many.statements

    walked, cursor = [], None
    while True:
        page = client.get(f"{url}?limit=7" + (f"&cursor={cursor}" if cursor else ""), headers=admin_headers)
        walked += [e["id"] for e in page.get_json()["items"]]
        cursor = page.get_json()["next"]
        if cursor is None:
            break
    assert walked == made


# --- withdrawing ---------------------------------------------------------------------------


@pytest.fixture
def trainee_headers(workshop_ctx):
    return bearer(issue_token(workshop_ctx["trainee_user"]))


def test_a_trainee_withdraws_and_the_first_waiting_gets_the_seat(client, trainee_headers, workshop_ctx, db):
    enrolment, waitlisted = workshop_ctx["enrolment"], workshop_ctx["waitlisted"]
    response = client.post(
        f"/api/v1/enrolments/{enrolment.id}/withdraw",
        json={"reason": "Moving to Mombasa"},
        headers=trainee_headers,
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["status"] == "withdrawn" and response.get_json()["position"] is None
    db.session.refresh(waitlisted)
    assert waitlisted.status == EnrolmentStatus.ENROLLED
    summary = db.session.scalar(
        select(AuditEntry.summary).where(
            AuditEntry.action == "enrolment.withdrawn", AuditEntry.object_id == str(enrolment.id)
        )
    )
    assert summary == "Moving to Mombasa"

    again = client.post(f"/api/v1/enrolments/{enrolment.id}/withdraw", headers=trainee_headers)
    assert list(_problem(again, 422)["errors"]) == ["status"]


def test_managers_withdraw_without_a_reason(client, admin_headers, workshop_ctx):
    waitlisted = workshop_ctx["waitlisted"]
    response = client.post(f"/api/v1/enrolments/{waitlisted.id}/withdraw", headers=admin_headers)
    assert response.status_code == 200 and response.get_json()["status"] == "withdrawn"


@pytest.mark.parametrize(
    ("request_kwargs", "status", "field"),
    [
        ({"json": {"reason": "x", "mood": "sad"}}, 422, "mood"),
        ({"json": {"reason": "x" * 501}}, 422, "reason"),
        ({"json": {"reason": "bad\u202econtrol"}}, 422, "reason"),
        ({"data": "reason=x", "content_type": "text/plain"}, 415, None),
        ({"data": "{", "content_type": "application/json"}, 400, None),
    ],
)
def test_a_bad_withdrawal_changes_nothing(
    client, trainee_headers, workshop_ctx, db, request_kwargs, status, field
):
    enrolment = workshop_ctx["enrolment"]
    response = client.post(
        f"/api/v1/enrolments/{enrolment.id}/withdraw", headers=trainee_headers, **request_kwargs
    )
    problem = _problem(response, status)
    if field:
        assert list(problem["errors"]) == [field]
    db.session.refresh(enrolment)
    assert enrolment.status == EnrolmentStatus.ENROLLED


def test_staff_enrol_by_id_only_people_they_already_deal_with(
    client, make_user, make_cohort, make_person, db
):
    staff = make_user("institution")
    cohort = make_cohort(host=staff.institution)
    headers = bearer(issue_token(staff))
    stranger = make_person()  # affiliated elsewhere, never in this institution's cohorts
    colleague = make_person(affiliation_id=staff.institution_id)

    refused = client.post(
        f"/api/v1/cohorts/{cohort.id}/enrolments", json={"person_id": stranger.id}, headers=headers
    )
    assert _problem(refused, 422)["errors"] == {"person_id": ["There is no person with this id."]}
    assert _count(db, Enrolment, Enrolment.person_id == stranger.id) == 0

    accepted = client.post(
        f"/api/v1/cohorts/{cohort.id}/enrolments", json={"person_id": colleague.id}, headers=headers
    )
    assert accepted.status_code == 201
