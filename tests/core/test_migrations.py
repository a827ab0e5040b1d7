"""The migration history is the only way the schema is made: models and migrations must agree."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade

from talent.extensions import db
from talent.reference.search import include_name, include_object_for


def test_models_and_migrations_do_not_drift(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "render_as_batch": True,
                "include_name": include_name,
                "include_object": include_object_for(connection.dialect.name),
            },
        )
        diff = compare_metadata(context, db.metadata)
    assert diff == [], (
        "models and migrations differ; run `talent db migrate -m '...'` and review the new migration:\n"
        + "\n".join(map(str, diff))
    )


def test_init_is_idempotent(app):
    with app.app_context():
        upgrade()  # already at head: must do nothing and not fail
        from talent.core.setup import initialise_database

        initialise_database()
        db.session.rollback()
