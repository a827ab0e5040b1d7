"""Deadlines in words, on the clock of the zone that is named next to them."""

from datetime import UTC, datetime

from talent.core.times import zoned_time

CLOSING = datetime(2027, 1, 8, 9, 0, tzinfo=UTC)


def test_a_time_is_shown_on_the_named_zones_clock_without_seconds(app):
    with app.test_request_context():
        assert zoned_time(CLOSING, "Asia/Shanghai", "en") == "Jan 8, 2027, 5:00\u202fPM (Asia/Shanghai)"
        assert (
            zoned_time(CLOSING, "Africa/Addis_Ababa", "en")
            == "Jan 8, 2027, 12:00\u202fPM (Africa/Addis Ababa)"
        )


def test_the_readers_language_orders_date_and_time(app):
    with app.test_request_context():
        assert zoned_time(CLOSING, "Asia/Shanghai", "zh") == "2027年1月8日 17:00 (Asia/Shanghai)"
        assert zoned_time(CLOSING, "Asia/Shanghai", "fr") == "8 janv. 2027, 17:00 (Asia/Shanghai)"


def test_an_unknown_zone_falls_back_to_utc(app):
    with app.test_request_context():
        assert zoned_time(CLOSING, "Mars/Olympus", "en") == "Jan 8, 2027, 9:00\u202fAM (UTC)"
        assert zoned_time(CLOSING, None, "en") == "Jan 8, 2027, 9:00\u202fAM (UTC)"
