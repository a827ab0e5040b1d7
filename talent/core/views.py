"""Pages that belong to no feature: home, health check, language choice, notifications,
the audit log and background-job progress."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, request, session, url_for
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from talent.core import jobs, queries
from talent.core import notifications as notifications_ops
from talent.core.i18n import LANGUAGES
from talent.core.models import Job, Notification
from talent.core.permissions import ADMIN, AUTHENTICATED, PUBLIC, access, get_or_404
from talent.core.queries import is_id
from talent.core.urls import safe_next
from talent.extensions import csrf, db, limiter

bp = Blueprint("core", __name__)

# A job with thousands of failed items would make a page nobody can read or load on a slow link.
MAX_ERRORS_SHOWN = 200


@bp.get("/")
@access(PUBLIC)
def index():
    return render_template("core/index.html")


@bp.get("/healthz")
@access(PUBLIC)
@limiter.exempt
@csrf.exempt
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")


@bp.post("/language")
@access(PUBLIC)
def set_language():
    locale = request.form.get("locale", "")
    if locale in LANGUAGES:
        session["locale"] = locale
        if current_user.is_authenticated:
            current_user.locale = locale
    return redirect(safe_next(request.form.get("next")) or url_for("core.index"))


@bp.get("/notifications")
@access(AUTHENTICATED)
def notifications():
    page = queries.notifications_page(current_user, per_page=current_app.config["PAGE_SIZE"])
    return render_template("core/notifications.html", page=page, unread=queries.unread_count(current_user))


@bp.post("/notifications/read")
@access(AUTHENTICATED)
def notifications_read_all():
    count = notifications_ops.mark_all_read(current_user)
    if count:
        flash(
            ngettext("%(num)d notification marked as read.", "%(num)d notifications marked as read.", count),
            "success",
        )
    return redirect(url_for("core.notifications"))


@bp.post("/notifications/<int:notification_id>/read")
@access(AUTHENTICATED)
def notification_read(notification_id: int):
    notification = get_or_404(Notification, notification_id, "manage")
    notifications_ops.mark_read(notification)
    return redirect(safe_next(request.form.get("next")) or url_for("core.notifications"))


@bp.get("/admin/audit")
@access(ADMIN)
def audit_log():
    filters = queries.AuditFilter.from_args(request.args)
    page = queries.audit_log_page(
        filters,
        before=_id_arg("before"),
        after=_id_arg("after"),
        limit=current_app.config["PAGE_SIZE"],
    )
    return render_template(
        "core/audit_log.html",
        page=page,
        filters=filters,
        object_types=sorted(db.metadata.tables),
    )


@bp.get("/jobs/<int:job_id>")
@access(AUTHENTICATED)
def job(job_id: int):
    job = get_or_404(Job, job_id, "view")
    return render_template(
        "core/job.html",
        job=job,
        label=jobs.kind_label(job.kind),
        status_label=jobs.STATUS_LABELS[job.status],
        errors=job.errors[:MAX_ERRORS_SHOWN],
    )


def _id_arg(name: str) -> int | None:
    raw = request.args.get(name, "")
    return int(raw) if is_id(raw) else None
