"""The `talent` command."""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext


def _create_app():
    from talent import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=True, add_version_option=False)
def main():
    """Talent Exchange: manage the database, accounts, demo data and processes."""


@click.command("init")
@with_appcontext
def init_command():
    """Create or upgrade the database to the latest migration (safe to repeat)."""
    from talent.core.setup import initialise_database

    initialise_database()
    click.echo("Database is at the latest schema.")


def register_commands(app: Flask) -> None:
    app.cli.add_command(init_command)


def echo_error(message: str) -> None:
    click.echo(message, err=True)
    sys.exit(1)


