"""Pages that belong to no feature: home, health check, language choice."""

from __future__ import annotations

from flask import Blueprint, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from talent.core.i18n import LANGUAGES
from talent.core.permissions import PUBLIC, access
from talent.core.urls import safe_next
from talent.extensions import csrf, db, limiter

bp = Blueprint("core", __name__)


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
