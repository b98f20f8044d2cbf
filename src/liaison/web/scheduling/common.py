"""What the scheduling pages share: names from the directory, htmx answers, parsing."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from liaison.context import Context
from liaison.directory import service as directory_service
from liaison.kit import clock
from liaison.models import Device, HealthcareService, Location, Practitioner, PractitionerRole
from liaison.scheduling import booking
from liaison.web.forms import FORM_LEVEL
from liaison.web.pages import redirect

# A clinic's directory fits in one page of each list; calendars and pickers need all of it.
DIRECTORY_LIMIT = 500
# Statuses whose appointments still belong on a calendar or an "upcoming" list.
LIVE_STATUSES = ["proposed", "booked", "arrived", "checked-in"]
PARTIES = [
    ("patient", "The patient"),
    ("practitioner", "The practitioner"),
    ("organization", "The organization"),
]


@dataclass
class Names:
    """The organization's directory by id, to name what appointments and schedules point at."""

    practitioners: dict[uuid.UUID, Practitioner]
    roles: dict[uuid.UUID, PractitionerRole]
    locations: dict[uuid.UUID, Location]
    services: dict[uuid.UUID, HealthcareService]
    devices: dict[uuid.UUID, Device]

    def practitioner_of(self, role_id: uuid.UUID) -> str:
        role = self.roles.get(role_id)
        practitioner = self.practitioners.get(role.practitioner_id) if role else None
        return practitioner.display_name if practitioner else "Unknown practitioner"

    def location(self, location_id: uuid.UUID) -> str:
        location = self.locations.get(location_id)
        return location.name if location else "Unknown location"

    def zone(self, location_id: uuid.UUID, default: str) -> str:
        location = self.locations.get(location_id)
        return location.time_zone if location else default

    def service(self, service_id: uuid.UUID | str) -> str:
        key = service_id if isinstance(service_id, uuid.UUID) else _uuid(service_id)
        service = self.services.get(key) if key else None
        return service.name if service else "Unknown visit type"

    def device(self, device_id: uuid.UUID) -> str:
        device = self.devices.get(device_id)
        return f"{device.name} ({device.kind})" if device else "Unknown device"


def directory_names(ctx: Context, organization_id: uuid.UUID) -> Names:
    query = {"organization_id": organization_id, "active": None, "limit": DIRECTORY_LIMIT}
    practitioners, _ = directory_service.list_practitioners(ctx, **query)
    roles, _ = directory_service.list_roles(ctx, **query)
    locations, _ = directory_service.list_locations(ctx, **query)
    services, _ = directory_service.list_services(ctx, **query)
    devices, _ = directory_service.list_devices(ctx, **query)
    return Names(
        {p.id: p for p in practitioners},
        {r.id: r for r in roles},
        {loc.id: loc for loc in locations},
        {s.id: s for s in services},
        {d.id: d for d in devices},
    )


def upcoming_for(
    ctx: Context, organization_id: uuid.UUID, patient_id: uuid.UUID
) -> list[booking.AppointmentView]:
    """The patient's appointments from now on (as far as one calendar read reaches)."""
    now = clock.now()
    views = booking.list_appointments(
        ctx,
        organization_id=organization_id,
        start=now,
        end=now + timedelta(days=62),
        patient_id=patient_id,
        statuses=LIVE_STATUSES,
    )
    return [v for v in views if not expired_hold(v, now)]


def expired_hold(view: booking.AppointmentView, now: datetime) -> bool:
    """A hold that ran out no longer takes time, even before the sweep cancels it."""
    a = view.appointment
    return a.status == "proposed" and a.hold_expires_at is not None and a.hold_expires_at <= now


# --- htmx -----------------------------------------------------------------------------


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def asks_for(request: Request, target: str) -> bool:
    """htmx asks for one region of the page (its id); a reload gets the whole page."""
    return is_htmx(request) and request.headers.get("hx-target") == target


def go(request: Request, url: str, done: str | None = None) -> Response:
    """Redirect-after-post that also works for htmx: an XHR would follow a 303 and swap
    the next page into the region, so htmx is told to navigate instead."""
    response = redirect(url, done)
    if is_htmx(request):
        return Response(status_code=200, headers={"HX-Redirect": response.headers["location"]})
    return response


# --- Parsing --------------------------------------------------------------------------


def _uuid(value: str | None) -> uuid.UUID | None:
    if not value:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def parse_uuid(value: str | None, field: str, errors: dict[str, str]) -> uuid.UUID | None:
    if not value:
        return None
    found = _uuid(value)
    if found is None:
        errors[field] = "is not one of the choices offered"
    return found


def parse_date(value: str | None, field: str, errors: dict[str, str]) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors[field] = "must be a date (YYYY-MM-DD)"
        return None


def parse_time(value: str | None, field: str, errors: dict[str, str]) -> time | None:
    if not value:
        return None
    try:
        return time.fromisoformat(value)
    except ValueError:
        errors[field] = "must be a time of day (HH:MM)"
        return None


def parse_local_datetime(value: str | None, field: str, errors: dict[str, str]) -> datetime | None:
    """A datetime-local input's value: a wall-clock time with no zone (yet)."""
    if not value:
        return None
    try:
        found = datetime.fromisoformat(value)
    except ValueError:
        errors[field] = "must be a date and time"
        return None
    if found.tzinfo is not None:
        errors[field] = "must be a local date and time"
        return None
    return found


_BASE = re.compile(r"[-\[.]")


def prefixed(
    errors: dict[str, str], prefix: str, fields: Iterable[str], rename: dict[str, str] | None = None
) -> dict[str, str]:
    """The service's problems (``weekdays-0``, ``reserved_for_service_ids[1]``) named
    after the form's fields (``rule-weekdays``); anything else is about the whole form."""
    known = set(fields)
    found: dict[str, str] = {}
    for key, message in errors.items():
        base = _BASE.split(key, maxsplit=1)[0]
        base = (rename or {}).get(base, base)
        name = (f"{prefix}-{base}" if prefix else base) if base in known else FORM_LEVEL
        found.setdefault(name, message)
    return found


def given(payload: dict[str, Any]) -> dict[str, Any]:
    """Fields left empty are left out, so a schema says "is required" or applies its default."""
    return {k: v for k, v in payload.items() if v is not None}
