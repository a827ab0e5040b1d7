"""The certificates blueprint; its pages are split by job across the *_views modules."""

from __future__ import annotations

from datetime import date

from flask import Blueprint
from flask_login import current_user

from talent.certificates.forms import KIND_LABELS, STATUS_LABELS
from talent.certificates.serials import format_serial
from talent.core.db import utcnow

bp = Blueprint("certificates", __name__)
# Serials are shown in four hyphenated groups of four wherever they appear, on any page.
bp.add_app_template_filter(format_serial, "serial")


@bp.context_processor
def labels():
    return {"kind_labels": KIND_LABELS, "status_labels": STATUS_LABELS}


def today() -> date:
    """The day a certificate's status and checks are counted for (UTC, like every stored time)."""
    return utcnow().date()


def me():
    """The logged-in user itself (not the proxy): operations inspect and audit it."""
    return current_user._get_current_object()


def form_status(form) -> int:
    """422 when the form came back with errors (nothing was changed), else 200."""
    return 422 if form.errors else 200
