"""How a request is tied to a user: the session cookie for pages, a Bearer token for the API."""

from __future__ import annotations

from flask import Flask, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from talent.accounts.models import User, active_token_query
from talent.core.db import utcnow
from talent.extensions import db, login_manager


def _is_api(path: str) -> bool:
    return path.startswith("/api/")


def load_user_from_session(session_id: str) -> User | None:
    # The API takes tokens only: a browser's session cookie must not authorise API calls,
    # which are exempt from CSRF checks.
    if _is_api(request.path):
        return None
    user_id, _, fingerprint = session_id.partition(":")
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.is_active or user.password_hash[-12:] != fingerprint:
        return None
    return user


def load_user_from_token(req) -> User | None:
    if not _is_api(req.path):
        return None
    header = req.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    api_token = db.session.execute(active_token_query(token.strip())).scalar_one_or_none()
    if api_token is None or not api_token.user.is_active:
        return None
    now = utcnow()
    # Recorded at minute precision: a write on every call would cost more than it tells.
    if api_token.last_used_at is None or (now - api_token.last_used_at).total_seconds() > 60:
        api_token.last_used_at = now
    return api_token.user


def init_login(app: Flask) -> None:
    login_manager.user_loader(load_user_from_session)
    login_manager.request_loader(load_user_from_token)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Please log in to see that page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"


def find_user_by_email(email: str) -> User | None:
    return db.session.execute(
        select(User).where(User.email == User.normalise_email(email))
    ).scalar_one_or_none()
