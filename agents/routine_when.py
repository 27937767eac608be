"""When routine mail goes out: working hours weighted by the rhythm of an office week."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from insider_sim.simulation.core.clock import WEEKDAYS

if TYPE_CHECKING:
    from insider_sim.simulation.core.clock import Calendar

DAY_WEIGHT = {"mon": 1.25, "tue": 1.05, "wed": 1.0, "thu": 0.95, "fri": 0.75}


def working_hours(cal: Calendar) -> list[tuple[float, float]]:
    """(start, weight) of each working hour of the run: busier on Monday morning,
    quieter at lunch and on Friday afternoon."""
    first, last = cal.business_hours
    slots: list[tuple[float, float]] = []
    day = cal.start.date()
    while True:
        midnight = datetime.combine(day, datetime.min.time())
        if (midnight - cal.start).total_seconds() >= cal.end:
            return slots
        weekday = WEEKDAYS[day.weekday()]
        if weekday in cal.workdays:
            for hour in range(first, last):
                t = (midnight + timedelta(hours=hour) - cal.start).total_seconds()
                if t < 0 or t + 3600 > cal.end:
                    continue
                weight = DAY_WEIGHT.get(weekday, 1.0)
                weight *= 0.6 if hour == 12 else 1.2 if hour < first + 2 else 1.0
                if weekday == "mon" and hour < 12:
                    weight *= 1.5
                if weekday == "fri" and hour >= 13:
                    weight *= 0.45
                slots.append((t, weight))
        day += timedelta(days=1)
