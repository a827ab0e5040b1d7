"""Instants in words, on the clock of a named zone: "8 Jan 2027, 17:00 (Asia/Shanghai)".

Deadlines matter to the minute and readers are in many zones, so such times always name their
zone. Seconds are left out: no deadline here is set to the second.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time, get_datetime_format
from flask_babel import get_locale

from talent.core.i18n import is_known_timezone


def zoned_time(moment: datetime, zone_name: str | None, locale: str | None = None) -> str:
    """`moment` on the clock of `zone_name` (UTC when unknown), in `locale` (default: the reader's)."""
    zone_name = zone_name if is_known_timezone(zone_name) else "UTC"
    locale = locale or str(get_locale() or "en")
    local = moment.astimezone(ZoneInfo(zone_name))
    try:
        pattern = get_datetime_format("medium", locale=locale)
    except ValueError:
        locale, pattern = "en", get_datetime_format("medium", locale="en")
    words = pattern.replace("{1}", format_date(local, "medium", locale=locale)).replace(
        "{0}", format_time(local, "short", locale=locale)
    )
    return f"{words} ({zone_name.replace('_', ' ')})"
