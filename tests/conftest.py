"""Shared fixtures: one app per test session, a database that rolls back after each test,
factories, a query counter, logged-in clients for every role and the mail outbox.

Set TALENT_TEST_POSTGRES_URL (e.g. postgresql://postgres@127.0.0.1:5432/postgres) to run the
same suite on PostgreSQL, in a database created for the run and dropped after it.
"""

from __future__ import annotations

import itertools
import os
from contextlib import contextmanager, nullcontext
from datetime import date
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import event
from sqlalchemy.orm import scoped_session, sessionmaker

import talent.accounts.models as _accounts_models
from talent import create_app
from talent.core.scratch_db import scratch_postgres_database
from talent.extensions import db as _db
from tests.config import app_config
from tests.partners import partners_app, two_partners  # noqa: F401 (fixtures for PostgreSQL races)

PASSWORD = "correct horse battery"

# Production hashes with argon2's recommended cost (~0.1–0.3 s a password on this machine, by
# design); tests make hundreds of users, so they hash with the same algorithm at minimal cost.
_accounts_models._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
ROLES = ("anonymous", "applicant", "institution", "reviewer", "admin")


def _test_database(data_dir):
    """A throw-away PostgreSQL database when TALENT_TEST_POSTGRES_URL names a server, else SQLite."""
    server = os.environ.get("TALENT_TEST_POSTGRES_URL")
    if server:
        return scratch_postgres_database(server, "talent_test")
    return nullcontext(f"sqlite:///{data_dir}/test.sqlite3")


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("data")
    with _test_database(data_dir) as database_url:
        yield from _app(data_dir, database_url)


def _app(data_dir, database_url):
    app = create_app(app_config(data_dir, database_url))

    # Tests hold one app context open around several requests (the `db` fixture), so request
    # globals would leak from one request to the next: start each request with none.
    def fresh_request_globals():
        from flask import g

        g.pop("_login_user", None)
        g.pop("_flask_babel", None)

    app.before_request_funcs.setdefault(None, []).insert(0, fresh_request_globals)
    with app.app_context():
        from talent.core.setup import initialise_database

        initialise_database()
        _db.session.commit()
        _db.session.remove()
    yield app
    with app.app_context():
        _db.engine.dispose()


@pytest.fixture
def db(app):
    """The database inside a transaction that is rolled back after the test.

    Code under test may commit: its commits end SAVEPOINTs inside the outer transaction.
    """
    with app.app_context():
        connection = _db.engine.connect()
        outer = connection.begin()
        original = _db.session
        _db.session = scoped_session(
            sessionmaker(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
        )
        try:
            yield _db
        finally:
            _db.session.remove()
            _db.session = original
            outer.rollback()
            connection.close()


@pytest.fixture
def client(app, db):
    return app.test_client()


@pytest.fixture
def count_queries(app, db):
    """Usage: `with count_queries() as counter: ...; assert counter.count <= 5`."""

    class Counter:
        count = 0
        statements: list[str] = []

    @contextmanager
    def counting():
        counter = Counter()
        counter.statements = []

        def before(conn, cursor, statement, parameters, context, executemany):
            if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO")):
                counter.count += 1
                counter.statements.append(statement)

        event.listen(_db.engine, "before_cursor_execute", before)
        try:
            yield counter
        finally:
            event.remove(_db.engine, "before_cursor_execute", before)

    return counting


_sequence = itertools.count(1)

# Factories commit: inside the `db` fixture a commit only ends a SAVEPOINT, and it keeps the
# test's set-up when a request under test fails and rolls its own work back.


@pytest.fixture
def outbox(app):
    """`outbox("a@b.org")` → the mails written to the outbox for that address, oldest first."""
    folder = Path(app.config["DATA_DIR"]) / "outbox"

    def mails_to(address: str):
        if not folder.is_dir():
            return []
        found = []
        for path in sorted(folder.glob("*.eml")):
            message = message_from_bytes(path.read_bytes(), policy=policy.default)
            if message["To"] == address:
                found.append(message)
        return found

    return mails_to


@pytest.fixture
def make_institution(db):
    from talent.reference.models import Institution, InstitutionKind, PartnerStatus

    def make(**kw):
        n = next(_sequence)
        values = {
            "name": f"Institute {n}",
            "kind": InstitutionKind.UNIVERSITY,
            "country_code": "KE",
            "city": "Nairobi",
            "partner_status": PartnerStatus.ACTIVE,
        }
        values.update(kw)
        institution = Institution(**values)
        db.session.add(institution)
        db.session.commit()
        return institution

    return make


@pytest.fixture
def make_user(db, make_institution):
    from talent.accounts.models import User
    from talent.core.permissions import Role

    def make(*roles, email=None, institution=None, password=PASSWORD, **kw):
        n = next(_sequence)
        role_set = {Role(r) for r in (roles or ("applicant",))}
        if Role.INSTITUTION in role_set and institution is None:
            institution = make_institution()
        user = User(
            email=email or f"user{n}@example.org",
            display_name=kw.pop("display_name", f"User {n}"),
            institution_id=institution.id if institution else None,
            **kw,
        )
        user.set_password(password)
        user.set_roles(role_set)
        db.session.add(user)
        db.session.commit()
        return user

    return make


@pytest.fixture
def make_person(db):
    from talent.reference.models import Person

    def make(**kw):
        values = {
            "name_latin": f"Person {next(_sequence)}",
            "nationality_code": "ET",
            "born_on": date(1998, 5, 1),
        }
        values.update(kw)
        passport = values.pop("passport_number", None)
        person = Person(**values)
        if passport:
            person.passport_number = passport
        db.session.add(person)
        db.session.commit()
        return person

    return make


def log_in(client, user) -> None:
    """Log `user` in on `client` without going through the rate-limited form."""
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True


@pytest.fixture
def login():
    return log_in


@pytest.fixture
def users(make_user):
    """One user per role (and `None` for anonymous), for access-matrix tests."""
    return {
        "anonymous": None,
        "applicant": make_user("applicant"),
        "institution": make_user("institution"),
        "reviewer": make_user("reviewer"),
        "admin": make_user("admin"),
    }


@pytest.fixture
def client_as(app, db, users):
    """`client_as("admin")` → a test client logged in as that role's user."""

    def make(role: str):
        c = app.test_client()
        if users[role] is not None:
            log_in(c, users[role])
        return c

    return make
