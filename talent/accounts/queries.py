"""Account reads: the administrators' user list and a user's own API tokens."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, selectinload

from talent.accounts.models import ApiToken, User, UserRole
from talent.core.pagination import Page, paginate
from talent.core.permissions import Role
from talent.extensions import db
from talent.reference.models import Institution


def _page_size() -> int:
    return int(current_app.config["PAGE_SIZE"])


def users_page(*, search: str = "", role: Role | None = None, args: dict | None = None) -> Page:
    """Users matching an e-mail/name fragment and a role, newest first, with roles and
    institution loaded up front (a fixed number of queries whatever the page holds)."""
    stmt = select(User).options(
        selectinload(User.role_rows),
        joinedload(User.institution).joinedload(Institution.country),
    )
    search = search.strip()
    if search:
        stmt = stmt.where(
            or_(
                User.email.icontains(search, autoescape=True),
                User.display_name.icontains(search, autoescape=True),
            )
        )
    if role is not None:
        stmt = stmt.where(User.role_rows.any(UserRole.role == role))
    stmt = stmt.order_by(User.created_at.desc(), User.id.desc())
    return paginate(stmt, per_page=_page_size(), args=args)


def tokens_page(user: User, *, args: dict | None = None) -> Page:
    """The user's tokens, active ones first, newest first."""
    stmt = (
        select(ApiToken)
        .where(ApiToken.user_id == user.id)
        .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc(), ApiToken.id.desc())
    )
    return paginate(stmt, per_page=_page_size(), args=args)


def institutions_for_choice() -> list:
    """(id, name) of every institution, by name, for a membership select."""
    return list(
        db.session.execute(
            select(Institution.id, Institution.name).order_by(Institution.name, Institution.id)
        )
    )
