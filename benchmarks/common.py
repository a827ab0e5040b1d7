"""What the benchmarks share: an app on a database of their own, bulk inserts, logged-in clients,
statement counting and the p95 of a run's times."""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event, insert

from talent import create_app
from talent.extensions import db


def bench_app(data_dir: str, database_url: str, **config):
    """An app on `database_url` with its schema and reference data in place."""
    app = create_app(
        {
            "DATA_DIR": data_dir,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "bench",
            "ENV": "testing",
            **config,
        }
    )
    with app.app_context():
        from talent.core.setup import initialise_database

        initialise_database()
        db.session.commit()
        db.session.remove()
    return app


def bulk_insert(model, rows: list[dict], batch: int = 10_000) -> None:
    for start in range(0, len(rows), batch):
        db.session.execute(insert(model), rows[start : start + batch])


def logged_in_client(app, user_id):
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = user_id
        session["_fresh"] = True
    return client


@contextmanager
def counting(engine):
    """The (statement, parameters) the engine runs inside the block."""
    statements: list[tuple[str, object]] = []

    def before(_conn, _cursor, statement, parameters, *_args):
        statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * len(ordered)) - 1)]
