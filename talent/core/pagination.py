"""Bounded pagination: pages never count the whole table, and never load more than a page + 1."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from typing import Any

from flask import request
from sqlalchemy import Select, tuple_

from talent.extensions import db

MAX_PAGE = 10_000


@dataclass
class Page:
    items: list[Any]
    number: int
    has_next: bool
    args: dict[str, Any] = field(default_factory=dict)

    @property
    def has_prev(self) -> bool:
        return self.number > 1

    @property
    def prev_args(self) -> dict[str, Any]:
        return {**self.args, "page": self.number - 1}

    @property
    def next_args(self) -> dict[str, Any]:
        return {**self.args, "page": self.number + 1}


def page_number() -> int:
    raw = request.args.get("page", "1")
    return min(max(int(raw), 1), MAX_PAGE) if raw.isascii() and raw.isdigit() else 1


def paginate(stmt: Select, *, per_page: int, number: int | None = None, args: dict | None = None) -> Page:
    """Offset pages for screens (page numbers a person can follow); statement must be ordered."""
    number = number or page_number()
    rows = (
        db.session.execute(stmt.limit(per_page + 1).offset((number - 1) * per_page)).scalars().unique().all()
    )
    return Page(items=list(rows[:per_page]), number=number, has_next=len(rows) > per_page, args=args or {})


def encode_cursor(values: tuple) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(values)).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> list | None:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error):
        return None
    return values if isinstance(values, list) else None


def keyset(stmt: Select, columns: list, *, cursor: str | None, limit: int, descending: bool = False):
    """API pages: `{"items", "next"}` with an opaque cursor over `columns` (a unique ordering).

    Compares a row value, `(a, b) > (x, y)`, which both databases answer from an index.
    Returns (items, next_cursor) or raises ValueError for a cursor this API did not make.
    """
    if cursor:
        values = decode_cursor(cursor)
        if values is None or len(values) != len(columns):
            raise ValueError("cursor is not one this API issued")
        key = tuple_(*columns)
        stmt = stmt.where(key < tuple_(*values) if descending else key > tuple_(*values))
    order = [c.desc() for c in columns] if descending else list(columns)
    rows = db.session.execute(stmt.order_by(*order).limit(limit + 1)).scalars().unique().all()
    items = list(rows[:limit])
    next_cursor = None
    if len(rows) > limit:
        last = items[-1]
        next_cursor = encode_cursor(tuple(getattr(last, c.key) for c in columns))
    return items, next_cursor
