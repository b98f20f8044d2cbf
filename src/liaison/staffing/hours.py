"""Weekly hours in a local time zone, as a bitmap over one UTC week.

Pure (no clock): the reference week is given. A coordinator in Manila and a clinic in
Chicago are compared by laying both weeks on the same UTC axis in quarter-hour bins;
the reference week decides which side of a daylight-saving change each one is on.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
BIN_MINUTES = 15
BINS = 7 * 24 * 60 // BIN_MINUTES  # 672 quarter hours in a week
END_OF_DAY = "24:00"


def minutes_of(value: str) -> int:
    """Minutes since midnight of "HH:MM"; "24:00" is the end of the day."""
    if value == END_OF_DAY:
        return 24 * 60
    hours, minutes = value.split(":")
    return int(hours) * 60 + int(minutes)


def spans_of(hours: dict[str, list[dict[str, str]]]) -> list[tuple[int, int, int]]:
    """(weekday index, start minute, end minute) for each span."""
    found = []
    for index, day in enumerate(WEEKDAYS):
        for span in hours.get(day) or []:
            found.append((index, minutes_of(span["start"]), minutes_of(span["end"])))
    return found


def reference_monday(as_of: date) -> date:
    return as_of - timedelta(days=as_of.weekday())


def week_bitmap(hours: dict[str, list[dict[str, str]]], zone: str, as_of: date) -> np.ndarray:
    """Which quarter hours of the reference UTC week (Monday 00:00 UTC of ``as_of``'s
    week) the local hours cover. Spans that cross the week's edge wrap around: a
    Sunday-evening shift in Manila is Sunday morning in UTC, not next week's."""
    bitmap = np.zeros(BINS, dtype=bool)
    tz = ZoneInfo(zone)
    monday = reference_monday(as_of)
    origin = datetime.combine(monday, time(0), tzinfo=ZoneInfo("UTC"))
    for weekday, start, end in spans_of(hours):
        midnight = datetime.combine(monday + timedelta(days=weekday), time(0))
        # Wall-clock times made aware one by one: 08:00-17:00 stays nine hours of work
        # on a DST day in local terms, and zoneinfo puts each end at its true instant.
        first = (midnight + timedelta(minutes=start)).replace(tzinfo=tz) - origin
        last = (midnight + timedelta(minutes=end)).replace(tzinfo=tz) - origin
        first_min, last_min = int(first.total_seconds() // 60), int(last.total_seconds() // 60)
        bins = np.arange(first_min // BIN_MINUTES, -(-last_min // BIN_MINUTES))
        bitmap[bins % BINS] = True
    return bitmap
