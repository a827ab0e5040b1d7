"""Cursor pages for every API list: `{"items": [...], "next": cursor|null}`.

A list endpoint takes its query arguments from a subclass of `PageArgs`, answers with the schema
`paginated(ItemSchema)` makes, and builds the answer with `keyset_page`.
"""

from __future__ import annotations

import functools
from http import HTTPStatus

import marshmallow as ma
from flask_babel import gettext as _
from flask_smorest import abort
from sqlalchemy import Select

from talent.core.pagination import decode_cursor, keyset

DEFAULT_LIMIT = 25
MAX_LIMIT = 100
MAX_CURSOR_LENGTH = 512
# Cursor values are compared in SQL; out of this range SQLite cannot even bind them.
_INT64 = range(-(2**63), 2**63)


class PageArgs(ma.Schema):
    limit = ma.fields.Integer(
        load_default=DEFAULT_LIMIT,
        validate=ma.validate.Range(min=1, max=MAX_LIMIT),
        metadata={"description": f"Items per page (at most {MAX_LIMIT})"},
    )
    cursor = ma.fields.String(
        load_default=None,
        metadata={"description": "The `next` value of the previous page; omit it for the first page"},
    )


@functools.cache
def paginated(item_schema: type[ma.Schema]) -> type[ma.Schema]:
    """The page schema for `item_schema`, made once so the OpenAPI document names it once."""
    name = item_schema.__name__.removesuffix("Schema")
    return ma.Schema.from_dict(
        {
            "items": ma.fields.List(ma.fields.Nested(item_schema), required=True),
            "next": ma.fields.String(
                required=True,
                allow_none=True,
                metadata={"description": "Cursor of the next page; null on the last page"},
            ),
        },
        name=f"{name}PageSchema",
    )


def keyset_page(stmt: Select, columns: list, args: dict) -> dict:
    """One page of `stmt` ordered by `columns` (a unique ordering), after `args["cursor"]`.

    A cursor this API did not make for these columns is answered with 400, before it gets near SQL.
    """
    cursor = args.get("cursor")
    if cursor and not _fits(cursor, columns):
        message = _("This cursor was not issued for this list. Start again without a cursor.")
        abort(HTTPStatus.BAD_REQUEST, message=message, errors={"cursor": [message]})
    items, next_cursor = keyset(stmt, columns, cursor=cursor, limit=args["limit"])
    return {"items": items, "next": next_cursor}


def _fits(cursor: str, columns: list) -> bool:
    if len(cursor) > MAX_CURSOR_LENGTH:
        return False
    values = decode_cursor(cursor)
    if values is None or len(values) != len(columns):
        return False
    for value, column in zip(values, columns, strict=True):
        expected = column.type.python_type
        if expected is int:
            if isinstance(value, bool) or not isinstance(value, int) or value not in _INT64:
                return False
        elif not isinstance(value, expected):
            return False
    return True
