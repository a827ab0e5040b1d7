"""Requests at the same moment, as under gunicorn: each in its own thread with its own app context,
session and database connection, so the data they race for is committed for real (the `db`
fixture's rolled-back connection cannot be shared between threads) — on PostgreSQL in the run's
test database, on SQLite in a database file of its own."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

from talent import create_app
from talent.extensions import db
from tests.config import app_config

POSTGRES_URL = os.environ.get("TALENT_TEST_POSTGRES_URL")


def threaded_app(database_url: str, data_dir, **extra):
    return create_app(app_config(data_dir, database_url, **extra))


@contextmanager
def disposed(app) -> Iterator:
    try:
        yield app
    finally:
        with app.app_context():
            db.engine.dispose()


@contextmanager
def sqlite_app(data_dir, file_name: str) -> Iterator:
    """A fresh app on a SQLite file of its own, set up as `talent init` does."""
    from talent.core.setup import initialise_database

    fresh = threaded_app(f"sqlite:///{data_dir / file_name}", data_dir)
    with fresh.app_context():
        initialise_database()
        db.session.commit()
        db.session.remove()
    with disposed(fresh):
        yield fresh


@contextmanager
def postgres_app(app, data_dir, *, why: str, engine_options: dict) -> Iterator:
    """A second app on the run's PostgreSQL test database, with a pool for many requests at once."""
    if not POSTGRES_URL:
        pytest.skip(f"TALENT_TEST_POSTGRES_URL is not set: {why}")
    with disposed(
        threaded_app(app.config["DATABASE_URL"], data_dir, SQLALCHEMY_ENGINE_OPTIONS=engine_options)
    ) as second:
        yield second


def at_once(app, requests: list[tuple[str, Callable]], *, timeout: float) -> list:
    """Each (session user id, send) on a thread and client of its own: every client logs in, all
    wait at a barrier, then each calls send(client). What each send returned, or what it raised."""
    results: list = [None] * len(requests)
    barrier = threading.Barrier(len(requests))

    def run(index: int, user_id: str, send: Callable) -> None:
        try:
            client = app.test_client()
            with client.session_transaction() as session:
                session["_user_id"] = user_id
                session["_fresh"] = True
            barrier.wait(timeout=60)
            results[index] = send(client)
        except BaseException as error:  # reported by the test, with the request it came from
            results[index] = error

    threads = [threading.Thread(target=run, args=(i, *request)) for i, request in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not any(thread.is_alive() for thread in threads), f"requests still running after {timeout:.0f} s"
    return results
