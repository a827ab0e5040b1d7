"""Bringing a database to the current schema, and the reference data every install needs."""

from __future__ import annotations

from flask_migrate import upgrade


def initialise_database() -> None:
    upgrade()
    from talent.reference.operations import load_countries

    load_countries()
