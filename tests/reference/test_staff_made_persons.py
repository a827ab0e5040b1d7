"""One staff-made person per e-mail address: the database keeps it, and create_person respects it."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from talent.core.audit import AuditEntry
from talent.reference.models import Person
from talent.reference.operations import add_person, create_person

pytestmark = pytest.mark.usefixtures("in_request")


def _count(db, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(Person).where(*where))


def test_the_database_refuses_a_second_staff_made_person_with_the_same_email(db, make_person):
    make_person(email="amina@example.org")
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.add(Person(name_latin="Amina Twin", email="amina@example.org"))
        db.session.flush()
    assert _count(db, Person.email == "amina@example.org") == 1


def test_a_registered_users_own_profile_may_share_a_staff_made_persons_email(db, make_person, make_user):
    make_person(email="kwame@example.org")
    user = make_user(email="kwame@example.org")
    make_person(email="kwame@example.org", user_id=user.id)
    assert _count(db, Person.email == "kwame@example.org") == 2


def test_staff_made_persons_without_an_email_are_not_limited(db, make_person):
    make_person(name_latin="No Mail")
    make_person(name_latin="No Mail")
    assert _count(db, Person.name_latin == "No Mail", Person.email.is_(None)) == 2


def test_create_person_with_a_known_staff_made_email_returns_that_person(db, make_person):
    known = make_person(name_latin="Thandiwe Dube", email="thandiwe@example.org")
    audits = select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "person.created")
    before = db.session.scalar(audits)

    person, created = add_person(name_latin="T. Dube", email="Thandiwe@Example.org", nationality_code="ZA")

    assert (person.id, created) == (known.id, False)
    assert person.name_latin == "Thandiwe Dube" and person.nationality_code == "ET"
    assert create_person(name_latin="T. Dube", email="thandiwe@example.org").id == known.id
    assert _count(db, Person.email == "thandiwe@example.org") == 1
    assert db.session.scalar(audits) == before


def test_create_person_with_a_new_email_makes_and_audits_one(db):
    person, created = add_person(name_latin="Ama Owusu", email="ama@example.org")
    assert created and person.id is not None
    entry = db.session.scalar(
        select(AuditEntry).where(
            AuditEntry.action == "person.created", AuditEntry.object_id == str(person.id)
        )
    )
    assert entry.changes["email"] == [None, "ama@example.org"]
