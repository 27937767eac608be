"""The calendar: reading times and durations, labels, business hours."""

from __future__ import annotations

import contextlib
from datetime import datetime

import pytest
from insider_sim.simulation.core.clock import Calendar, TimeFormatError, parse_duration
from pydantic import ValidationError

H = 3600.0
D = 86400.0


@pytest.fixture
def cal() -> Calendar:
    """Starts Monday 2025-06-02 09:00, seven days, 9-18 Monday to Friday."""
    return Calendar(start=datetime(2025, 6, 2, 9, 0))


def test_default_start_is_a_monday(cal):
    assert cal.start.weekday() == 0
    assert Calendar().start.weekday() == 0
    assert cal.end == 7 * D


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("Mon 09:00", 0),
        ("Mon 17:30", 8.5 * H),
        ("Tue 14:00", D + 5 * H),
        ("tue 14:00", D + 5 * H),
        ("Tuesday 14:00", D + 5 * H),
        ("Sun 23:59", 6 * D + 14 * H + 59 * 60),
        ("Wed 12:00:30", 2 * D + 3 * H + 30),
        ("Mon+1 09:00", 7 * D),
        ("Tue+1 14:00", 8 * D + 5 * H),
        ("Mon + 1 09:00", 7 * D),
        ("day 1 09:00", 0),
        ("day 3 14:00", 2 * D + 5 * H),
        ("Day 2 08:00", D - H),
        ("2025-06-03T14:00", D + 5 * H),
        ("2025-06-03 14:00:00", D + 5 * H),
        ("2025-06-01T09:00", -D),  # before the start: history
        ("90", 90),
        ("30m", 30 * 60),
    ],
)
def test_parse_points_in_time(cal, text, seconds):
    assert cal.parse(text) == seconds


def test_weekday_is_relative_to_the_start_not_to_now(cal):
    # on a Thursday start, "Tue" is the Tuesday after it
    thursday = Calendar(start=datetime(2025, 6, 5, 9, 0))
    assert thursday.parse("Tue 09:00") == 5 * D
    assert thursday.parse("Thu 10:00") == H
    assert cal.parse("Tue 14:00", now=3 * D) == D + 5 * H


def test_relative_offsets_count_from_now(cal):
    assert cal.parse("+2h") == 2 * H
    assert cal.parse("+2h", now=100) == 100 + 2 * H
    assert cal.parse("+ 90m", now=D) == D + 90 * 60
    assert cal.parse("+1d", now=D) == 2 * D


def test_numbers_and_datetimes(cal):
    assert cal.parse(120) == 120.0
    assert cal.parse(1.5) == 1.5
    assert cal.parse(datetime(2025, 6, 4, 9, 0)) == 2 * D


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("45", 45),
        ("45s", 45),
        ("10 sec", 10),
        ("30m", 1800),
        ("30min", 1800),
        ("2h", 7200),
        ("2hr", 7200),
        ("1.5d", 1.5 * D),
        ("3 days", 3 * D),
        ("1w", 7 * D),
        ("2 weeks", 14 * D),
        ("2H", 7200),
    ],
)
def test_durations(text, seconds):
    assert parse_duration(text) == seconds


def test_numeric_durations():
    assert parse_duration(90) == 90.0
    assert parse_duration(0.5) == 0.5
    with pytest.raises(TimeFormatError):
        parse_duration(-1)


@pytest.mark.parametrize("text", ["", "soon", "2 fortnights", "-5m", "h2", "1.2.3h", "5 m s"])
def test_bad_durations(text):
    with pytest.raises(TimeFormatError):
        parse_duration(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "tomorrow",
        "Funday 10:00",
        "Tue",
        "Tue 25:00",
        "Tue 14:60",
        "Tue 2pm",
        "day 0 09:00",
        "day x 09:00",
        "2025-13-01T00:00",
        "+2x",
        "+",
        "+-5m",
        "14:00",
    ],
)
def test_bad_times_raise_time_format_error(cal, text):
    with pytest.raises(TimeFormatError):
        cal.parse(text)


@pytest.mark.parametrize(
    "text",
    ["2025-06-03T14:00Z", "2025-06-03T14:00+02:00", "Mon+99999999 09:00", "day 99999999999 09:00"],
)
def test_unreadable_times_raise_only_time_format_error(cal, text):
    with contextlib.suppress(TimeFormatError):  # reading it is fine too; nothing else is
        cal.parse(text)


def test_time_format_error_is_a_value_error_naming_the_input(cal):
    with pytest.raises(ValueError, match="tomorrow"):
        cal.parse("tomorrow")


def test_labels_and_iso(cal):
    t = cal.parse("Tue 14:00")
    assert cal.label(t) == "Tue 14:00"
    assert cal.iso(t) == "2025-06-03T14:00:00"
    assert cal.at(t) == datetime(2025, 6, 3, 14, 0)
    assert cal.seconds(datetime(2025, 6, 3, 14, 0)) == t
    assert cal.label(7 * D) == "Mon 09:00"
    # labels read back to the same moment within the first week
    for text in ("Mon 09:00", "Wed 13:45", "Sun 23:00"):
        assert cal.parse(cal.label(cal.parse(text))) == cal.parse(text)


# -- business hours ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "working"),
    [
        ("Mon 09:00", True),
        ("Mon 17:59", True),
        ("Mon 18:00", False),
        ("Tue 08:59", False),
        ("Fri 12:00", True),
        ("Sat 12:00", False),
        ("Sun 10:00", False),
    ],
)
def test_is_business_time(cal, text, working):
    assert cal.is_business_time(cal.parse(text)) is working


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mon 10:00", "Mon 10:00"),  # already working
        ("Mon 18:00", "Tue 09:00"),
        ("Tue 07:00", "Tue 09:00"),
        ("Fri 19:00", "Mon+1 09:00"),
        ("Sat 03:00", "Mon+1 09:00"),
        ("Sun 23:00", "Mon+1 09:00"),
    ],
)
def test_next_business_time(cal, text, expected):
    assert cal.next_business_time(cal.parse(text)) == cal.parse(expected)


def test_custom_hours_and_workdays():
    cal = Calendar(
        start=datetime(2025, 6, 2, 9, 0), business_hours=(8, 16), workdays=["Monday", "WED"]
    )
    assert cal.workdays == ("mon", "wed")
    assert cal.is_business_time(cal.parse("Mon 08:00"))
    assert not cal.is_business_time(cal.parse("Mon 16:00"))
    assert not cal.is_business_time(cal.parse("Tue 10:00"))
    assert cal.next_business_time(cal.parse("Mon 16:30")) == cal.parse("Wed 08:00")
    assert cal.next_business_time(cal.parse("Wed 17:00")) == cal.parse("Mon+1 08:00")


@pytest.mark.parametrize(
    "fields",
    [
        {"business_hours": (18, 9)},
        {"business_hours": (9, 25)},
        {"workdays": ["mon", "funday"]},
        {"days": 0},
        {"unknown": 1},
    ],
)
def test_invalid_calendars_are_refused(fields):
    with pytest.raises(ValidationError):
        Calendar(**fields)


def test_calendar_without_working_days_has_no_next_business_time():
    cal = Calendar(workdays=[])
    assert not cal.is_business_time(0)
    with pytest.raises(ValueError, match="no working days"):
        cal.next_business_time(0)
