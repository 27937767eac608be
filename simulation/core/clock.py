"""The calendar: simulated seconds since the run's start mapped to date-times.

Times in scenario files and on the command line may be written as
``"Tue 14:00"`` (the first such weekday at or after the run's start),
``"Mon+1 09:00"`` (that weekday, one week later; ``+N`` counts weeks), ``"day 3 14:00"`` (the third
day of the run, counting from 1), an ISO date-time (``"2025-06-03T14:00"``),
a plain number of seconds, or an offset such as ``"+2h"`` / ``"30m"``.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, time, timedelta

from pydantic import BaseModel, ConfigDict, Field, field_validator

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|hr|d|day|days|w|week|weeks)?\s*$")
_UNIT_SECONDS = {
    None: 1,
    "s": 1,
    "sec": 1,
    "m": 60,
    "min": 60,
    "h": 3600,
    "hr": 3600,
    "d": 86400,
    "day": 86400,
    "days": 86400,
    "w": 604800,
    "week": 604800,
    "weeks": 604800,
}
_WEEKDAY_TIME = re.compile(
    r"^\s*(mon|tue|wed|thu|fri|sat|sun)[a-z]*(?:\s*\+\s*(\d+))?\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*$",
    re.IGNORECASE,
)
_DAY_TIME = re.compile(r"^\s*day\s+(\d+)\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*$", re.IGNORECASE)


MAX_DAYS = 28  # the longest run: four weeks of simulated time (a run writes MBs per day)


class TimeFormatError(ValueError):
    """A time or duration that cannot be read."""


class TimeRangeError(TimeFormatError):
    """A time or run length that can be read but is out of range: a stop time not after
    the start, or a run longer than :data:`MAX_DAYS`."""


def check_days(days: float, what: str = "days") -> float:
    """``days`` as a float when it is a finite number of days > 0 and at most
    :data:`MAX_DAYS`; TimeRangeError naming ``what`` and the limit otherwise."""
    finite = isinstance(days, int | float) and not isinstance(days, bool) and math.isfinite(days)
    if not (finite and 0 < days <= MAX_DAYS):
        raise TimeRangeError(
            f"{what} must be a finite number of days > 0 and at most {MAX_DAYS} "
            f"(four weeks), not {days!r}"
        )
    return float(days)


def parse_duration(text: str | float | int) -> float:
    """Read a duration (``90``, ``"30m"``, ``"2h"``, ``"1.5d"``) as seconds."""
    if isinstance(text, int | float):
        if text < 0:
            raise TimeFormatError(f"duration {text!r} is negative")
        return float(text)
    match = _DURATION.match(text.lower())
    if not match:
        raise TimeFormatError(
            f"cannot read duration {text!r}: use seconds or a number with s, m, h, d or w"
        )
    return float(match.group(1)) * _UNIT_SECONDS[match.group(2)]


class Calendar(BaseModel):
    """The run's calendar: when it starts, how long it lasts, when people work."""

    model_config = ConfigDict(extra="forbid")

    start: datetime = Field(
        default=datetime(2025, 6, 2, 9, 0),
        description="Simulated date-time at t=0 (local company time, no UTC offset).",
    )
    days: float = Field(
        default=7,
        gt=0,
        le=MAX_DAYS,
        allow_inf_nan=False,
        description=f"Length of the run in days (at most {MAX_DAYS}).",
    )
    business_hours: tuple[int, int] = Field(
        default=(9, 18), description="Working hours [start, end) as whole hours."
    )
    workdays: tuple[str, ...] = Field(
        default=("mon", "tue", "wed", "thu", "fri"), description="Days people work."
    )

    @field_validator("start")
    @classmethod
    def _local_time(cls, start: datetime) -> datetime:
        if start.tzinfo is not None:
            raise ValueError("write the start in company-local time, without a UTC offset")
        return start

    @field_validator("workdays")
    @classmethod
    def _known_days(cls, days: tuple[str, ...]) -> tuple[str, ...]:
        lowered = tuple(d.lower()[:3] for d in days)
        for day in lowered:
            if day not in WEEKDAYS:
                raise ValueError(f"unknown weekday {day!r}; use one of {', '.join(WEEKDAYS)}")
        return lowered

    @field_validator("business_hours")
    @classmethod
    def _ordered_hours(cls, hours: tuple[int, int]) -> tuple[int, int]:
        begin, end = hours
        if not 0 <= begin < end <= 24:
            raise ValueError(f"business hours {hours} must satisfy 0 <= start < end <= 24")
        return hours

    @property
    def end(self) -> float:
        """Length of the run in simulated seconds."""
        return self.days * 86400.0

    def at(self, t: float) -> datetime:
        """The date-time at simulated second ``t``."""
        return self.start + timedelta(seconds=t)

    def iso(self, t: float) -> str:
        """ISO date-time at ``t``, to the second."""
        return self.at(t).isoformat(timespec="seconds")

    def label(self, t: float) -> str:
        """A short label such as ``"Tue 14:00"``."""
        return self.at(t).strftime("%a %H:%M")

    def seconds(self, when: datetime) -> float:
        """Simulated seconds from the start to ``when``."""
        return (when - self.start).total_seconds()

    def stop_at(self, until: str | float | None) -> float:
        """Simulated seconds at which a run stops: the calendar's end, or ``until`` (a time
        in any accepted form). Raises TimeFormatError for text that is no time and
        TimeRangeError for a time not after the start (naming both) or more than
        :data:`MAX_DAYS` after it."""
        if until is None:
            return self.end
        t = self.parse(until)
        if t <= 0:
            raise TimeRangeError(
                f"cannot run until {until!r}{self._shown(t)}: that is not after the run's "
                f"start ({self.label(0)}, {self.iso(0)})"
            )
        if t > MAX_DAYS * 86400:
            raise TimeRangeError(
                f"cannot run until {until!r}{self._shown(t)}: more than {MAX_DAYS} days "
                f"(four weeks) after the start ({self.iso(0)})"
            )
        return t

    def _shown(self, t: float) -> str:
        try:
            return f" ({self.iso(t)})"
        except (OverflowError, ValueError):
            return ""

    def parse(self, text: str | float | int, *, now: float = 0.0) -> float:
        """Read a point in time as simulated seconds (see the module docstring); a
        number that is not finite, or a moment beyond the calendar's years 1-9999,
        is a TimeFormatError."""
        if isinstance(text, int | float):
            if not math.isfinite(text):
                raise TimeFormatError(f"time {text!r} is not a finite number of seconds")
            t = float(text)
        elif isinstance(text, datetime):
            return self.seconds(text)
        else:
            try:
                t = self._parse_text(str(text).strip(), now)
            except OverflowError:
                raise TimeFormatError(f"time {text!r} is out of range") from None
        try:  # a moment the calendar can name
            self.at(t)
        except (OverflowError, ValueError):
            raise TimeFormatError(f"time {text!r} is out of range") from None
        return t

    def _parse_text(self, raw: str, now: float) -> float:
        if raw.startswith("+"):
            return now + parse_duration(raw[1:])
        match = _WEEKDAY_TIME.match(raw)
        if match:
            day, weeks, hour, minute, second = match.groups()
            target = WEEKDAYS.index(day.lower()[:3])
            ahead = (target - self.start.weekday()) % 7 + 7 * int(weeks or 0)
            return self._on(self.start.date() + timedelta(days=ahead), hour, minute, second)
        match = _DAY_TIME.match(raw)
        if match:
            day, hour, minute, second = match.groups()
            if int(day) < 1:
                raise TimeFormatError(f"cannot read time {raw!r}: days count from 1")
            return self._on(self.start.date() + timedelta(days=int(day) - 1), hour, minute, second)
        try:
            moment = datetime.fromisoformat(raw)
        except ValueError:
            pass
        else:
            if moment.tzinfo is not None:
                raise TimeFormatError(
                    f"cannot read time {raw!r}: write company-local time without a UTC offset"
                )
            return self.seconds(moment)
        try:
            return parse_duration(raw)
        except TimeFormatError:
            raise TimeFormatError(
                f"cannot read time {raw!r}: use 'Tue 14:00', 'day 2 09:30', "
                "an ISO date-time, seconds, or '+2h'"
            ) from None

    def _on(self, day: date, hour: str, minute: str, second: str | None) -> float:
        if int(hour) > 23 or int(minute) > 59:
            raise TimeFormatError(f"no such time of day {hour}:{minute}")
        moment = datetime.combine(day, time(int(hour), int(minute), int(second or 0)))
        return self.seconds(moment)

    def is_business_time(self, t: float) -> bool:
        """Whether ``t`` falls in working hours on a working day."""
        moment = self.at(t)
        if WEEKDAYS[moment.weekday()] not in self.workdays:
            return False
        return self.business_hours[0] <= moment.hour < self.business_hours[1]

    def next_business_time(self, t: float) -> float:
        """The first moment at or after ``t`` that is in working hours."""
        if self.is_business_time(t):
            return t
        moment = self.at(t)
        day = moment.date()
        opening = time(self.business_hours[0])
        if moment.time() >= opening:
            day += timedelta(days=1)
        for _ in range(8):
            if WEEKDAYS[day.weekday()] in self.workdays:
                return self.seconds(datetime.combine(day, opening))
            day += timedelta(days=1)
        raise ValueError("the calendar has no working days")
