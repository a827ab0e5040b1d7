"""Reads for the call pages: open and coming calls, the admin lists of programmes and calls, and the
choices the forms offer. Each page costs a fixed number of queries, whatever the number of rows."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, func, select

from talent.core.pagination import Page, paginate
from talent.extensions import db
from talent.programmes.models import Application, ApplicationStatus, Call, Programme

OPENING_SOON_SHOWN = 10


def is_open(now: datetime):
    return Call.is_published.is_(True) & (Call.opens_at <= now) & (Call.closes_at > now)


def open_calls(now: datetime) -> Select:
    """Published calls taking applications at `now` (their programme comes joined)."""
    return select(Call).where(is_open(now))


def open_calls_page(
    *, now: datetime, number: int | None = None, args: dict | None = None, per_page: int
) -> Page:
    """Closing soonest first."""
    stmt = open_calls(now).order_by(Call.closes_at, Call.id)
    return paginate(stmt, per_page=per_page, number=number, args=args)


def opening_soon(*, now: datetime, limit: int = OPENING_SOON_SHOWN) -> list[Call]:
    stmt = (
        select(Call)
        .where(Call.is_published.is_(True), Call.opens_at > now)
        .order_by(Call.opens_at, Call.id)
        .limit(limit)
    )
    return list(db.session.execute(stmt).scalars().unique())


def admin_calls_page(
    *,
    programme_id: int | None = None,
    number: int | None = None,
    args: dict | None = None,
    per_page: int,
) -> Page:
    """Every call, newest opening first."""
    stmt = select(Call)
    if programme_id is not None:
        stmt = stmt.where(Call.programme_id == programme_id)
    stmt = stmt.order_by(Call.opens_at.desc(), Call.id.desc())
    return paginate(stmt, per_page=per_page, number=number, args=args)


def application_counts(call_ids: list[int]) -> dict[int, int]:
    """Applications past the draft stage per call (one grouped query); calls with none are absent."""
    if not call_ids:
        return {}
    rows = db.session.execute(
        select(Application.call_id, func.count())
        .where(Application.call_id.in_(call_ids), Application.status != ApplicationStatus.DRAFT)
        .group_by(Application.call_id)
    )
    return dict(rows.all())


def programmes_page(*, number: int | None = None, args: dict | None = None, per_page: int) -> Page:
    stmt = select(Programme).order_by(Programme.name, Programme.id)
    return paginate(stmt, per_page=per_page, number=number, args=args)


def call_counts(programme_ids: list[int]) -> dict[int, int]:
    if not programme_ids:
        return {}
    rows = db.session.execute(
        select(Call.programme_id, func.count())
        .where(Call.programme_id.in_(programme_ids))
        .group_by(Call.programme_id)
    )
    return dict(rows.all())


def programme_choices() -> list[tuple[int, str]]:
    rows = db.session.execute(select(Programme.id, Programme.name).order_by(Programme.name))
    return [(ident, name) for ident, name in rows]
