"""US federal holidays (5 U.S.C. 6103), as the dates offices close."""

from __future__ import annotations

from datetime import date, timedelta


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


def _last_weekday(year: int, month: int, weekday: int) -> date:
    last = date(year, month + 1, 1) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def _observed(day: date) -> date:
    # A holiday on Saturday is observed on the Friday before, on Sunday the Monday after.
    if day.weekday() == 5:
        return day - timedelta(days=1)
    if day.weekday() == 6:
        return day + timedelta(days=1)
    return day


MON, THU = 0, 3


def federal_holidays(year: int) -> list[tuple[date, str]]:
    """The closed days falling in ``year``, in date order.

    New Year's Day of the following year is included when it is observed on 31
    December (a Saturday New Year's Day), because that is the day the office closes.
    """
    fixed = [
        (date(year, 1, 1), "New Year's Day"),
        (date(year, 6, 19), "Juneteenth National Independence Day"),
        (date(year, 7, 4), "Independence Day"),
        (date(year, 11, 11), "Veterans Day"),
        (date(year, 12, 25), "Christmas Day"),
        (date(year + 1, 1, 1), "New Year's Day"),
    ]
    days = [
        (_observed(d), name if _observed(d) == d else f"{name} (observed)") for d, name in fixed
    ]
    days += [
        (_nth_weekday(year, 1, MON, 3), "Birthday of Martin Luther King, Jr."),
        (_nth_weekday(year, 2, MON, 3), "Washington's Birthday"),
        (_last_weekday(year, 5, MON), "Memorial Day"),
        (_nth_weekday(year, 9, MON, 1), "Labor Day"),
        (_nth_weekday(year, 10, MON, 2), "Columbus Day"),
        (_nth_weekday(year, 11, THU, 4), "Thanksgiving Day"),
    ]
    in_year = [(d, name) for d, name in days if d.year == year]
    return sorted(in_year)
