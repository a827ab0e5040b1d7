"""Core records every feature shares: background jobs and in-app notifications.

(The audit log lives in core/audit.py beside the function that writes it.)
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from talent.core.db import Base, created_at, enum_column, intpk, utcnow
from talent.core.errors import IllegalTransition


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class Job(Base):
    """A unit of long work (bulk import, bulk issuance) that reports its progress here."""

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_status_id", "status", "id"),)

    id: Mapped[intpk]
    kind: Mapped[str] = mapped_column(String(64))
    status: Mapped[JobStatus] = enum_column(JobStatus, default=JobStatus.QUEUED)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[list[Any]] = mapped_column(JSON, default=list)
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[created_at]
    started_at: Mapped[datetime | None]
    heartbeat_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    created_by = relationship("User", lazy="joined")

    @property
    def percent(self) -> int:
        if self.status == JobStatus.DONE:
            return 100
        return int(100 * self.done / self.total) if self.total else 0

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)

    def start(self) -> None:
        if self.status not in (JobStatus.QUEUED, JobStatus.RUNNING):
            raise IllegalTransition(f"job {self.id} is {self.status}; it cannot start")
        self.status = JobStatus.RUNNING
        self.attempts += 1
        self.started_at = self.started_at or utcnow()
        self.heartbeat_at = utcnow()

    def progress(self, done: int, total: int | None = None) -> None:
        self.done = done
        if total is not None:
            self.total = total
        self.heartbeat_at = utcnow()

    def add_error(self, item: str, message: str) -> None:
        # Reassign so the JSON column is seen as changed.
        self.errors = [*self.errors, {"item": item, "message": message}]

    def finish(self, result: dict | None = None) -> None:
        if self.status != JobStatus.RUNNING:
            raise IllegalTransition(f"job {self.id} is {self.status}; it cannot finish")
        self.status = JobStatus.DONE
        self.result = result or {}
        self.finished_at = utcnow()

    def fail(self, message: str) -> None:
        if self.is_finished:
            raise IllegalTransition(f"job {self.id} is already {self.status}")
        self.status = JobStatus.FAILED
        self.add_error("job", message)
        self.finished_at = utcnow()

    def can_view(self, user) -> bool:
        return user.is_authenticated and (user.is_admin or user.id == self.created_by_id)


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_id_id", "user_id", "id"),)

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    message: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[created_at]
    read_at: Mapped[datetime | None]

    def mark_read(self) -> None:
        if self.read_at is None:
            self.read_at = utcnow()

    def can_view(self, user) -> bool:
        return user.is_authenticated and user.id == self.user_id

    can_manage = can_view
