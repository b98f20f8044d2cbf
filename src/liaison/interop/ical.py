"""iCalendar (RFC 5545) output: pure mapping from plain values to a VCALENDAR.

Events carry their start in the location's zone (DTSTART;TZID=America/New_York) and the
calendar embeds the matching VTIMEZONE definitions, so calendar apps show the right
wall-clock time on both sides of a daylight-saving change.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

PRODID = "-//Liaison//Patient coordination//EN"
STATUS = {
    "proposed": "TENTATIVE",
    "booked": "CONFIRMED",
    "arrived": "CONFIRMED",
    "checked-in": "CONFIRMED",
    "fulfilled": "CONFIRMED",
    "cancelled": "CANCELLED",
    "noshow": "CANCELLED",
    "entered-in-error": "CANCELLED",
}


@dataclass(frozen=True)
class CalendarEvent:
    uid: uuid.UUID
    start: datetime
    end: datetime
    time_zone: str
    summary: str
    status: str
    location: str | None = None
    description: str | None = None
    sequence: int = 0
    stamp: datetime | None = None


def to_ical(events: Sequence[CalendarEvent], *, name: str, now: datetime) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    for item in events:
        zone = ZoneInfo(item.time_zone)
        event = Event()
        event.add("uid", f"{item.uid}@liaison")
        event.add("dtstamp", item.stamp or now)
        event.add("dtstart", item.start.astimezone(zone))
        event.add("dtend", item.end.astimezone(zone))
        event.add("summary", item.summary)
        event.add("status", STATUS.get(item.status, "CONFIRMED"))
        event.add("sequence", item.sequence)
        if item.location:
            event.add("location", item.location)
        if item.description:
            event.add("description", item.description)
        calendar.add_component(event)
    # VTIMEZONE rules covering the events' span (a year either side), not 1970-2038:
    # the definitions stay small and still cover every event in the feed.
    if events:
        first = min(e.start for e in events).date().replace(month=1, day=1)
        last = max(e.end for e in events).date().replace(month=12, day=31)
        calendar.add_missing_timezones(
            first_date=first.replace(year=first.year - 1),
            last_date=last.replace(year=last.year + 1),
        )
    return calendar.to_ical()
