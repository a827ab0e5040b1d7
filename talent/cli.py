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
    from talent.extensions import db

    initialise_database()
    db.session.commit()
    click.echo("Database is at the latest schema.")


def register_commands(app: Flask) -> None:
    app.cli.add_command(init_command)
    app.cli.add_command(demo_command)


def echo_error(message: str) -> None:
    click.echo(message, err=True)
    sys.exit(1)




@click.command("demo")
@click.option("--first-run", is_flag=True, help="Load only into an empty database (used by `make run`).")
@with_appcontext
def demo_command(first_run: bool):
    """Load the demo data (safe to repeat) and print the demo logins."""
    from talent import demo
    from talent.extensions import db

    if first_run and not demo.is_empty():
        click.echo("Database already has users; demo data not loaded again.")
    else:
        created = demo.load_demo()
        db.session.commit()
        click.echo(f"Demo data ready ({created['institutions']} institutions, {created['users']} users added).")
    click.echo("Demo logins (e-mail / password / roles):")
    for email, password, roles in demo.demo_logins():
        click.echo(f"  {email:32} {password}   {roles}")
