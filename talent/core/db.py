"""Declarative base, shared column types and time helpers for every feature's models."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Annotated

from sqlalchemy import DateTime, Enum, Integer, MetaData, String, TypeDecorator
from sqlalchemy.orm import DeclarativeBase, mapped_column, registry

# Stable constraint names, so Alembic migrations name the same constraint the same way on
# SQLite and PostgreSQL and can drop it later.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC timestamps on both databases.

    SQLite keeps no zone, so values come back naive; they were stored as UTC, so the zone is
    put back on read. Naive values are refused on write: they are a bug waiting to happen.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where a UTC timestamp is expected")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def enum_column(enum_cls: type[enum.Enum], **kwargs):
    """A StrEnum stored by value in a VARCHAR with a CHECK constraint (no PostgreSQL ENUM
    type to migrate when a state is added)."""
    return mapped_column(
        Enum(
            enum_cls,
            native_enum=False,
            create_constraint=True,
            length=32,
            values_callable=lambda members: [m.value for m in members],
            validate_strings=True,
            name=enum_cls.__name__.lower(),
        ),
        **kwargs,
    )


intpk = Annotated[int, mapped_column(Integer, primary_key=True)]
created_at = Annotated[datetime, mapped_column(UTCDateTime(), default=utcnow, nullable=False)]
str40 = Annotated[str, mapped_column(String(40))]
str120 = Annotated[str, mapped_column(String(120))]
str255 = Annotated[str, mapped_column(String(255))]


class Base(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )
