"""Reminder offsets as people say them: "7 days, 2 days, 2 hours" <-> minutes.

Pure functions: the policy form shows the stored minutes this way and reads what was
typed back, so nobody has to work out that a week is 10080 minutes.
"""

from __future__ import annotations

import re

UNITS = {
    "m": 1,
    "min": 1,
    "mins": 1,
    "minute": 1,
    "minutes": 1,
    "h": 60,
    "hr": 60,
    "hrs": 60,
    "hour": 60,
    "hours": 60,
    "d": 1440,
    "day": 1440,
    "days": 1440,
    "w": 10080,
    "wk": 10080,
    "wks": 10080,
    "week": 10080,
    "weeks": 10080,
}
# "2 days", "2d", "1 day 12 hours", "90 minutes": one or more number-unit pairs.
_PAIR = re.compile(r"(\d{1,5})\s*([a-z]+)")
_WHOLE = re.compile(r"^(?:\s*\d{1,5}\s*[a-z]+\s*)+$")


def humane(minutes: int) -> str:
    """One reminder offset in the largest unit that divides it: 2880 -> "2 days"."""
    for size, name in ((1440, "day"), (60, "hour"), (1, "minute")):
        if minutes % size == 0:
            count = minutes // size
            return f"{count} {name}{'' if count == 1 else 's'}"
    raise AssertionError("unreachable: every whole number of minutes is divisible by 1")


def humane_list(offsets: list[int]) -> str:
    return ", ".join(humane(m) for m in sorted(offsets, reverse=True))


def parse_offsets(typed: str) -> tuple[list[int], str | None]:
    """The minutes of each comma-separated duration, longest first, or what is wrong.

    An empty text is no reminders at all. Repeats are dropped: two reminders at the same
    moment would be one message twice.
    """
    found: set[int] = set()
    for part in (p.strip().lower() for p in typed.split(",")):
        if not part:
            continue
        part = part.replace(" and ", " ")
        if not _WHOLE.match(part):
            return [], f"“{part}” is not a duration such as 2 days, 3 hours or 30 minutes"
        total = 0
        for number, unit in _PAIR.findall(part):
            if unit not in UNITS:
                return [], f"“{unit}” is not a unit: use minutes, hours, days or weeks"
            total += int(number) * UNITS[unit]
        found.add(total)
    return sorted(found, reverse=True), None
