"""The accounts blueprint and what its page modules share."""

from __future__ import annotations

from flask import Blueprint, current_app, flash
from flask_login import current_user

from talent.core.errors import ValidationFailed

bp = Blueprint("accounts", __name__)


def login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def me():
    """The logged-in user itself (not the proxy): operations inspect and audit it."""
    return current_user._get_current_object()


def show_error(form, exc: ValidationFailed) -> None:
    """Put an operation's refusal next to the field it concerns."""
    target = getattr(form, exc.field, None) if exc.field else None
    if target is not None and hasattr(target, "errors"):
        target.errors = [*target.errors, exc.message]
    else:
        form.form_errors.append(exc.message)
        flash(exc.message, "error")


def form_status(form) -> int:
    """422 when the form came back with errors (nothing was changed), else 200."""
    return 422 if form.errors else 200
