"""The `talent` command."""

from __future__ import annotations

import sys

import click
from flask import Flask, current_app
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


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", default=5000, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on."
)
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64), help="Worker processes.")
def serve_command(host, port, workers):
    """Run the production web server (gunicorn); the access log goes to standard output."""
    from talent.core.server import serve

    serve(host, port, workers)


@click.command("scheduler")
@with_appcontext
def scheduler_command():
    """Run periodic tasks and background jobs (one leader at a time; others stand by)."""
    from flask import current_app

    from talent.scheduler import SchedulerRefused, configure_logging, run_scheduler

    app = current_app._get_current_object()
    configure_logging(app)
    try:
        run_scheduler(app)
    except SchedulerRefused as exc:
        echo_error(str(exc))


def register_commands(app: Flask) -> None:
    app.cli.add_command(init_command)
    app.cli.add_command(serve_command)
    app.cli.add_command(scheduler_command)
    from talent.accounts.commands import token_group, user_group

    app.cli.add_command(user_group)
    app.cli.add_command(token_group)
    app.cli.add_command(demo_command)
    from talent.certificates.key_commands import keys_group

    app.cli.add_command(keys_group)


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
        click.echo(
            f"Demo data ready ({created['institutions']} institutions, {created['users']} users, "
            f"{created['cohorts']} workshop cohorts, {created['certificates']} certificates, "
            f"{created['applications']} programme applications added)."
        )
    click.echo("Demo logins (e-mail / password / roles):")
    for email, password, roles in demo.demo_logins():
        click.echo(f"  {email:32} {password}   {roles}")
    for serial, holder, status in demo.demo_certificates():
        base = current_app.config["BASE_URL"].rstrip("/")
        click.echo(f"Certificate to verify: {base}/verify/{serial}   ({holder}, {status})")
