"""In-app notifications (optionally also by mail), and the signal subscribers that send them.

Subscribers connect when this module is imported; the core blueprint imports it, so every
process built by `create_app` (web, CLI, scheduler) has them.
"""

from __future__ import annotations

from contextlib import contextmanager

from flask import current_app, has_request_context, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import update

from talent.core.db import utcnow
from talent.core.jobs import kind_label
from talent.core.mail import send_mail
from talent.core.models import JobStatus, Notification
from talent.core.signals import job_finished
from talent.core.urls import safe_next
from talent.extensions import db


@contextmanager
def recipient_locale(user):
    """Compose text for `user` in their language, also outside a request (scheduler, CLI)."""
    locale = getattr(user, "locale", None) or current_app.config.get("BABEL_DEFAULT_LOCALE") or "en"
    with force_locale(locale):
        yield


def path_for(endpoint: str, **values) -> str:
    """The site-relative path of a page, with or without a request (notifications made by jobs)."""
    if has_request_context():
        return url_for(endpoint, **values)
    adapter = current_app.url_map.bind(
        "localhost", script_name=current_app.config.get("APPLICATION_ROOT") or "/"
    )
    return adapter.build(endpoint, values)


def absolute_url(path: str) -> str:
    return str(current_app.config["BASE_URL"]).rstrip("/") + path if path.startswith("/") else path


def notify(user, message: str, link: str | None = None, mail_subject: str | None = None) -> Notification:
    """Tell `user` something on their notifications page; with `mail_subject`, also by mail.

    `message` is shown as written: compose it inside `recipient_locale(user)`. `link` is a path
    on this site (see `path_for`).
    """
    if link is not None and safe_next(link) != link:
        raise ValueError(f"notification links must be paths on this site, not {link!r}")
    notification = Notification(user_id=user.id, message=message, link=link)
    db.session.add(notification)
    db.session.flush()
    if mail_subject and user.is_active:
        body = message if not link else f"{message}\n\n{absolute_url(link)}"
        send_mail(user.email, mail_subject, body)
    return notification


def mark_read(notification: Notification) -> None:
    notification.mark_read()
    db.session.flush()


def mark_all_read(user) -> int:
    """Mark every unread notification of `user` read; returns how many were unread."""
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    db.session.flush()
    return result.rowcount


@job_finished.connect
def _tell_job_creator(job, **_kwargs) -> None:
    creator = job.created_by
    if creator is None:
        return
    with recipient_locale(creator):
        name = str(kind_label(job.kind))
        if job.status == JobStatus.DONE and not job.errors:
            message = _(
                "%(job)s finished: %(done)d of %(total)d done.", job=name, done=job.done, total=job.total
            )
        elif job.status == JobStatus.DONE:
            message = _(
                "%(job)s finished: %(done)d of %(total)d done, %(errors)d with errors.",
                job=name,
                done=job.done,
                total=job.total,
                errors=len(job.errors),
            )
        else:
            message = _("%(job)s failed. Open it to see why.", job=name)
    notify(creator, message, link=path_for("core.job", job_id=job.id))
