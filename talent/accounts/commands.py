"""`talent user …` and `talent token …`: accounts from the command line (first admin, integrations)."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext
from flask_babel import force_locale

from talent.accounts import operations
from talent.accounts.auth import find_user_by_email
from talent.cli import echo_error
from talent.core.errors import ValidationFailed
from talent.core.permissions import Role
from talent.extensions import db

# Messages are in English here: a terminal has no language choice to follow, and the
# interface's locale selector needs a web request.


def _fail(message: str) -> None:
    db.session.rollback()
    echo_error(message)


@click.group("user")
def user_group():
    """Manage user accounts."""


@user_group.command("create")
@click.argument("email")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice([r.value for r in Role]),
    help="A role to grant; repeat for several.",
)
@click.option("--institution", "institution_id", type=int, help="Id of the institution the user belongs to.")
@click.option("--name", "display_name", help="Display name (default: the part of the address before @).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def create_user_command(email, roles, institution_id, display_name, password_stdin):
    """Create an account. The password comes from standard input, so it stays out of the
    shell history and the process list: `printf '%s' "$PW" | talent user create …`."""
    if not password_stdin:
        _fail("Give --password-stdin and pass the password on standard input.")
    password = sys.stdin.readline().rstrip("\r\n")
    try:
        with force_locale("en"):
            user = operations.create_user(
                email=email,
                password=password,
                display_name=display_name or email.split("@")[0],
                roles={Role(r) for r in roles},
                institution_id=institution_id,
            )
    except ValidationFailed as exc:
        _fail(f"Error: {exc.message}")
    db.session.commit()
    click.echo(
        f"Created user {user.email} (id {user.id}) with roles {', '.join(r.value for r in user.roles)}."
    )


@click.group("token")
def token_group():
    """Manage API tokens."""


@token_group.command("create")
@click.argument("email")
@click.option("--name", default="Command line", show_default=True, help="What the token is for.")
@with_appcontext
def create_token_command(email, name):
    """Print a new API token for the user with this address (only the token, for scripts)."""
    user = find_user_by_email(email)
    if user is None:
        _fail(f"Error: no user has the address {email}.")
    if not user.is_active:
        _fail(f"Error: the account {user.email} is deactivated.")
    try:
        with force_locale("en"):
            _token, plaintext = operations.create_api_token(user, name)
    except ValidationFailed as exc:
        _fail(f"Error: {exc.message}")
    db.session.commit()
    click.echo(plaintext)
