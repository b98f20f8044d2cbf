"""The appointment status model (FHIR Appointment.status) as a pure transition table."""

from __future__ import annotations

from datetime import datetime

from liaison.models.scheduling import RELEASED_STATUSES

TRANSITIONS: dict[str, frozenset[str]] = {
    "proposed": frozenset({"booked", "cancelled", "entered-in-error"}),
    "booked": frozenset(
        {"arrived", "checked-in", "fulfilled", "cancelled", "noshow", "entered-in-error"}
    ),
    "arrived": frozenset({"checked-in", "fulfilled", "cancelled", "entered-in-error"}),
    "checked-in": frozenset({"fulfilled", "cancelled", "entered-in-error"}),
    "fulfilled": frozenset({"entered-in-error"}),
    "cancelled": frozenset(),
    "noshow": frozenset({"entered-in-error"}),
    "entered-in-error": frozenset(),
}

# Statuses that may be set through the generic status change; booking, cancelling and
# rescheduling have their own actions because they carry more than a status.
SETTABLE = frozenset({"arrived", "checked-in", "fulfilled", "noshow", "entered-in-error"})

# Events the rest of Liaison listens to (reminders, waitlist, work queue).
EVENT_FOR_STATUS = {
    "booked": "appointment.booked",
    "cancelled": "appointment.cancelled",
    "noshow": "appointment.noshow",
    "fulfilled": "appointment.fulfilled",
    "arrived": "appointment.arrived",
    "checked-in": "appointment.checked-in",
    "entered-in-error": "appointment.entered-in-error",
}


def can_move(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, frozenset())


def why_not(current: str, target: str, *, start: datetime, now: datetime) -> str | None:
    """Why ``current`` may not become ``target`` now, or None if it may."""
    if not can_move(current, target):
        return f"an appointment that is {current} cannot become {target}"
    if target == "noshow" and now < start:
        return "a patient cannot be a no-show before the appointment starts"
    if target == "fulfilled" and now < start:
        return "an appointment cannot be fulfilled before it starts"
    return None


def releases_time(status: str) -> bool:
    return status in RELEASED_STATUSES
