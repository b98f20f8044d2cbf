"""Messaging rules: pure functions of values (no database, no clock calls)."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

# --- Quiet hours ----------------------------------------------------------------------


def _hhmm(value: str) -> time:
    hour, minute = value.split(":")
    return time(int(hour), int(minute))


def in_quiet_hours(instant: datetime, zone: ZoneInfo, start: str, end: str) -> bool:
    """Whether ``instant`` falls in the nightly quiet period [start, end) local time."""
    local = instant.astimezone(zone).time()
    quiet_start, quiet_end = _hhmm(start), _hhmm(end)
    if quiet_start <= quiet_end:
        return quiet_start <= local < quiet_end
    return local >= quiet_start or local < quiet_end


def quiet_end_after(instant: datetime, zone: ZoneInfo, start: str, end: str) -> datetime:
    """The first instant at or after ``instant`` outside quiet hours."""
    if not in_quiet_hours(instant, zone, start, end):
        return instant
    local = instant.astimezone(zone)
    wake = local.replace(hour=_hhmm(end).hour, minute=_hhmm(end).minute, second=0, microsecond=0)
    if wake <= local:
        wake = (local + timedelta(days=1)).replace(hour=wake.hour, minute=wake.minute)
    # Rebuild from the wall-clock date so a DST change overnight is respected.
    return datetime.combine(wake.date(), wake.time(), tzinfo=zone)


def reminder_due(
    start: datetime, offset: timedelta, zone: ZoneInfo, quiet_start: str, quiet_end: str
) -> datetime:
    """When a reminder ``offset`` before ``start`` should go out.

    A reminder that would fall in the patient's quiet hours goes out earlier, at the
    last minute before they begin (the evening before), never later: later could be
    after the visit, or too late to act on.
    """
    due = start - offset
    if not in_quiet_hours(due, zone, quiet_start, quiet_end):
        return due
    local = due.astimezone(zone)
    begin = _hhmm(quiet_start)
    evening = datetime.combine(local.date(), begin, tzinfo=zone)
    if evening > local:  # quiet hours began the previous evening
        evening = datetime.combine(local.date() - timedelta(days=1), begin, tzinfo=zone)
    return evening - timedelta(minutes=1)


# --- Channels -------------------------------------------------------------------------


# Channels the patient reads by coming to us (the portal's messages): nothing rings or
# arrives on a device, so a message asked for there by name needs no consent, only no
# refusal. As a fallback for a message meant for another channel they need consent.
PULL_CHANNELS = frozenset({"portal"})


def channel_order(
    preferred: Sequence[str],
    consented: set[str],
    reachable: set[str],
    refused: Collection[str] = (),
) -> list[str]:
    """Channels to try, in order: preferred ones the patient agreed to (or, for the
    portal, did not refuse) and can be reached on, then any other consented, reachable
    channel as a fallback."""
    allowed = set(consented) | {c for c in preferred if c in PULL_CHANNELS and c not in refused}
    order = [c for c in preferred if c in allowed and c in reachable]
    order += [
        c
        for c in ("sms", "email", "portal")
        if c in consented and c in reachable and c not in order
    ]
    return order


# --- Replies --------------------------------------------------------------------------

STOP_WORDS = {"stop", "stopall", "unsubscribe", "end", "quit", "optout"}
START_WORDS = {"start", "unstop", "subscribe"}
HELP_WORDS = {"help", "info", "ayuda"}
CONFIRM_WORDS = {"c", "y", "yes", "confirm", "confirmed", "ok", "si", "sí", "confirmo"}
CANCEL_WORDS = {"n", "no", "cancel", "cancelar"}
RESCHEDULE_WORDS = {"r", "reschedule", "change", "cambiar", "reprogramar"}


@dataclass(frozen=True)
class Reply:
    intent: str  # stop | start | help | confirm | cancel | reschedule | score | message
    score: int | None = None


_PUNCTUATION = re.compile(r"[^\w\s]", re.UNICODE)


def read_reply(body: str) -> Reply:
    """What a patient's text means. Keywords count only as the whole message ("STOP",
    "c", "Yes!"); anything longer is a message for the care team."""
    words = _PUNCTUATION.sub(" ", body.strip().lower()).split()
    if len(words) != 1:
        return Reply("message")
    word = words[0]
    if word in STOP_WORDS:
        return Reply("stop")
    if word in START_WORDS:
        return Reply("start")
    if word in HELP_WORDS:
        return Reply("help")
    if word in CONFIRM_WORDS:
        return Reply("confirm")
    if word in CANCEL_WORDS:
        return Reply("cancel")
    if word in RESCHEDULE_WORDS:
        return Reply("reschedule")
    if word in {"1", "2", "3", "4", "5"}:
        return Reply("score", int(word))
    return Reply("message")


# --- SMS size -------------------------------------------------------------------------

SMS_MAX = 480  # three segments: enough for a reminder with a link


def fits_sms(text: str) -> bool:
    return len(text) <= SMS_MAX
