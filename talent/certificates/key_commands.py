"""`talent keys …`: the certificate signing keys from the command line."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from talent.extensions import db


@click.group("keys")
def keys_group():
    """Certificate signing keys (Ed25519): list them, or rotate to a new one."""


@keys_group.command("list")
@with_appcontext
def list_keys_command():
    """Show every signing key, newest first, with its state."""
    from talent.certificates import signing

    keys = signing.all_keys()
    if not keys:
        click.echo("No signing key yet: the first is made when the first certificate is signed.")
        return
    for key in keys:
        state = "active" if key.is_active else f"retired {key.retired_at:%Y-%m-%d %H:%M} UTC"
        click.echo(f"{key.kid:24} created {key.created_at:%Y-%m-%d %H:%M} UTC   {state}")


@keys_group.command("rotate")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def rotate_key_command(yes: bool):
    """Retire the active key and sign new certificates with a new one.

    Certificates signed with the retired key keep verifying: it stays in the published JWKS.
    """
    from talent.certificates import signing

    if not yes:
        click.confirm("Retire the active signing key and start a new one?", abort=True)
    kid = signing.rotate_key()
    db.session.commit()
    click.echo(f"New certificates are now signed with key {kid}.")
    click.echo(f"Its private key is {signing.keys_dir() / (kid + '.pem')}: keep it in your backups.")
