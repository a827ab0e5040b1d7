"""Reads for the core pages: audit log, object history, notifications, jobs."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload

from talent.accounts.models import User
from talent.core.audit import AuditEntry
from talent.core.models import Notification
from talent.core.pagination import Page, paginate
from talent.extensions import db

FILTER_MAX_LENGTH = 254


def is_id(raw: str) -> bool:
    """Whether `raw` is a row id: ASCII digits (str.isdigit also accepts "²") that fit a BIGINT."""
    return raw.isascii() and raw.isdigit() and len(raw) < 19


def _with_actor(stmt: Select) -> Select:
    # The actor's name and e-mail come in the same query; nothing else of the user is loaded,
    # so a page of entries costs one query whatever it shows.
    return stmt.options(joinedload(AuditEntry.actor).raiseload("*"))


def history_for(obj, limit: int = 50) -> list[AuditEntry]:
    """The newest `limit` audit entries about `obj`, each with its actor loaded (one query)."""
    stmt = (
        select(AuditEntry)
        .where(AuditEntry.object_type == obj.__tablename__, AuditEntry.object_id == str(obj.id))
        .order_by(AuditEntry.id.desc())
        .limit(limit)
    )
    return list(db.session.execute(_with_actor(stmt)).scalars())


@dataclass(frozen=True)
class AuditFilter:
    object_type: str = ""
    object_id: str = ""
    actor: str = ""  # a user's e-mail address or id
    action: str = ""  # matches actions that start with it: "user." finds every user action

    @classmethod
    def from_args(cls, args) -> AuditFilter:
        return cls(**{f.name: (args.get(f.name) or "").strip()[:FILTER_MAX_LENGTH] for f in fields(cls)})

    def as_args(self) -> dict[str, str]:
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name)}

    @property
    def is_empty(self) -> bool:
        return not self.as_args()

    def apply(self, stmt: Select) -> Select:
        if self.object_type:
            stmt = stmt.where(AuditEntry.object_type == self.object_type)
        if self.object_id:
            stmt = stmt.where(AuditEntry.object_id == self.object_id)
        if self.action:
            stmt = stmt.where(AuditEntry.action.startswith(self.action, autoescape=True))
        if is_id(self.actor):
            stmt = stmt.where(AuditEntry.actor_id == int(self.actor))
        elif self.actor:
            by_email = select(User.id).where(User.email == User.normalise_email(self.actor)).scalar_subquery()
            stmt = stmt.where(AuditEntry.actor_id == by_email)
        return stmt


@dataclass
class KeysetPage:
    """A page of a newest-first list, with the arguments of the pages before and after it."""

    items: list[Any]
    newer_args: dict[str, Any] | None
    older_args: dict[str, Any] | None


def audit_log_page(
    filters: AuditFilter, *, before: int | None = None, after: int | None = None, limit: int
) -> KeysetPage:
    """Entries newest first, `limit` at a time; `before` / `after` are entry ids from a link.

    Keyset, not OFFSET: the log only grows, and page 1,000 costs as little as page 1.
    """
    stmt = _with_actor(filters.apply(select(AuditEntry)))
    args = filters.as_args()
    if after is not None:
        rows = (
            db.session.execute(
                stmt.where(AuditEntry.id > after).order_by(AuditEntry.id.asc()).limit(limit + 1)
            )
            .scalars()
            .all()
        )
        items = list(reversed(rows[:limit]))
        has_newer, has_older = len(rows) > limit, bool(items)
    else:
        if before is not None:
            stmt = stmt.where(AuditEntry.id < before)
        rows = db.session.execute(stmt.order_by(AuditEntry.id.desc()).limit(limit + 1)).scalars().all()
        items = list(rows[:limit])
        has_newer, has_older = before is not None and bool(items), len(rows) > limit
    return KeysetPage(
        items=items,
        newer_args={**args, "after": items[0].id} if has_newer else None,
        older_args={**args, "before": items[-1].id} if has_older else None,
    )


def notifications_page(user, *, per_page: int) -> Page:
    stmt = select(Notification).where(Notification.user_id == user.id).order_by(Notification.id.desc())
    return paginate(stmt, per_page=per_page)


def unread_count(user) -> int:
    stmt = select(func.count()).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    return db.session.execute(stmt).scalar_one()
