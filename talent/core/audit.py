"""Append-only audit log: who changed what, when. Operations call `record`."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from flask_login import current_user
from sqlalchemy import JSON, ForeignKey, Index, String, Text, event, inspect
from sqlalchemy.orm import Mapped, mapped_column, relationship

from talent.core.db import Base, created_at, intpk
from talent.extensions import db

REDACTED = "«redacted»"


class AuditEntry(Base):
    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_object", "object_type", "object_id", "id"),)

    id: Mapped[intpk]
    occurred_at: Mapped[created_at]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(64))
    object_id: Mapped[str] = mapped_column(String(64))
    summary: Mapped[str] = mapped_column(Text, default="")
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    actor = relationship("User", lazy="raise")


@event.listens_for(AuditEntry, "before_update")
@event.listens_for(AuditEntry, "before_delete")
def _refuse_rewriting_history(mapper, connection, target):
    raise RuntimeError("audit entries are append-only")


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return REDACTED
    return value


def changes_of(obj: Base) -> dict[str, list[Any]]:
    """Pending column changes of `obj` as {field: [old, new]}; fields named in the model's
    `__audit_redact__` are recorded as changed without their values."""
    redact = getattr(obj, "__audit_redact__", set())
    state = inspect(obj)
    out: dict[str, list[Any]] = {}
    for attr in state.mapper.column_attrs:
        hist = state.attrs[attr.key].history
        if not hist.has_changes():
            continue
        old = hist.deleted[0] if hist.deleted else None
        new = hist.added[0] if hist.added else None
        if attr.key in redact:
            out[attr.key] = [REDACTED, REDACTED]
        else:
            out[attr.key] = [_plain(old), _plain(new)]
    return out


def real_changes(obj: Base) -> dict[str, list[Any]]:
    """`changes_of` without the fields a new record merely leaves empty (old and new the same);
    a redacted field stays, since its values are not there to compare."""
    return {
        name: change
        for name, change in changes_of(obj).items()
        if change[0] != change[1] or change[0] == REDACTED
    }


def actor_id(actor) -> int | None:
    """The acting user's id: `actor` if given, else the logged-in user, else None (CLI, scheduler)."""
    if actor is not None:
        return actor.id
    try:
        return current_user.id if current_user and current_user.is_authenticated else None
    except (RuntimeError, AttributeError):  # outside a request: CLI or scheduler
        return None


def record(
    action: str, obj: Base, *, changes: dict | None = None, summary: str = "", actor=None
) -> AuditEntry:
    """Write one audit entry for `obj`. Call it before flushing the change so that
    `changes_of` still sees the pending values, or pass `changes` explicitly."""
    if changes is None:
        changes = changes_of(obj)
    if getattr(obj, "id", None) is None:
        db.session.flush()
    entry = AuditEntry(
        actor_id=actor_id(actor),
        action=action,
        object_type=obj.__tablename__,
        object_id=str(obj.id),
        summary=summary,
        changes=changes,
    )
    db.session.add(entry)
    return entry
