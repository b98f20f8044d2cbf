"""A clinic with availability for the scheduling pages, like tests/scheduling's: two
practitioners (one speaks Spanish) at one New York location, weekdays 09:00-17:00, a
30-minute follow-up visit with an hour's notice that needs one of two exam rooms (open
every day 08:00-18:00), and Carla Cruz who prefers Spanish. The clock is frozen at Monday 2026-06-01 08:00 in New York."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

from tests.scheduling.conftest import add_device, add_schedule

HX = {"HX-Request": "true", "HX-Target": "slot-results"}
_SLOT = re.compile(r'name="slot" value="([^"]+)"')
_HELD = re.compile(r'action="/appointments/([0-9a-f-]{36})/confirm"')


@dataclass
class Scene:
    org: Any
    location: Any
    service: Any
    practitioners: list[Any]
    roles: list[Any]
    schedules: list[Any]
    rooms: list[Any]
    patient: Any

    def finder(self, patient: Any = None, **query: str) -> str:
        params = "&".join(
            f"{k}={v}" for k, v in {"service_id": str(self.service.id), **query}.items()
        )
        return f"/patients/{(patient or self.patient).id}/book?{params}"


def build(make: Any) -> Scene:
    org = make.organization("Harbor Family Health", time_zone="America/New_York")
    location = make.location(org, name="Harbor Main", time_zone="America/New_York")
    service = make.service(
        org,
        code="follow-up",
        name="Follow-up",
        duration_minutes=30,
        min_notice_minutes=60,
        patient_bookable=True,
        required_device_kinds=["room"],
    )
    ann = make.practitioner(
        org, given_name="Ann", family_name="Adams", gender="female", languages=["en"]
    )
    bea = make.practitioner(
        org, given_name="Bea", family_name="Baez", gender="female", languages=["en", "es"]
    )
    roles = [make.role(ann, location, [service]), make.role(bea, location, [service])]
    schedules = [add_schedule(make, role) for role in roles]
    rooms = [add_device(make, location, "room", name=f"Room {n}") for n in (1, 2)]
    for room in rooms:
        add_schedule(make, device=room, hours=(8, 18), weekdays=(1, 2, 3, 4, 5, 6, 7))
    patient = make.patient(org, given_name="Carla", family_name="Cruz", preferred_language="es")
    return Scene(org, location, service, [ann, bea], roles, schedules, rooms, patient)


def slot_values(page: str) -> list[str]:
    return [html.unescape(v) for v in _SLOT.findall(page)]


def held_id(page: str) -> str:
    found = _HELD.search(page)
    assert found, "the answer holds no appointment to confirm"
    return found.group(1)


def slot_at(page: str, practitioner_role: Any, local_iso: str) -> str:
    """The button value of the time at ``local_iso`` (UTC, as the page sends it) with a role."""
    for value in slot_values(page):
        role, start, _ = value.split("|")
        if role == str(practitioner_role.id) and start.startswith(local_iso):
            return value
    raise AssertionError(f"no slot at {local_iso} for role {practitioner_role.id}")
