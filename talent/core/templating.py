"""Jinja helpers shared by every page."""

from __future__ import annotations

from flask import Flask
from flask_babel import format_date, format_datetime, format_decimal

from talent.core.times import zoned_time


def field_attrs(field, hint=None, autocomplete=None, type=None) -> dict[str, str]:
    """HTML attributes tying a field to its hint and errors for screen readers."""
    attrs: dict[str, str] = {}
    described = []
    if hint:
        described.append(f"{field.id}-hint")
    if field.errors:
        described.append(f"{field.id}-error")
        attrs["aria-invalid"] = "true"
    if described:
        attrs["aria-describedby"] = " ".join(described)
    if autocomplete:
        attrs["autocomplete"] = autocomplete
    if type:
        attrs["type"] = type
    return attrs


def register(app: Flask) -> None:
    app.jinja_env.globals["field_attrs"] = field_attrs
    app.jinja_env.globals["zoned_time"] = zoned_time
    # Times are stored in UTC and shown in the user's zone and locale (Flask-Babel's selectors).
    app.jinja_env.filters["datetime"] = lambda value, fmt="medium": (
        format_datetime(value, fmt) if value else ""
    )
    app.jinja_env.filters["date"] = lambda value, fmt="medium": format_date(value, fmt) if value else ""
    app.jinja_env.filters["number"] = lambda value: format_decimal(value) if value is not None else ""
