"""A small clinic with availability, for scheduling tests.

The clock is frozen at Monday 2026-06-01 08:00 in New York (12:00 UTC), so "tomorrow
at 09:00" is a fixed instant in every test.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from liaison.kit import clock
from liaison.models import AvailabilityRule, Device, Schedule

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def local(day: date, hh: int, mm: int = 0, zone: ZoneInfo = NY) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=zone).astimezone(UTC)


@dataclass
class Clinic:
    org: Any
    location: Any
    service: Any
    practitioners: list[Any]
    roles: list[Any]
    schedules: list[Any]
    patient: Any
    coordinator: Any
    admin: Any

    @property
    def ids(self) -> dict[str, str]:
        return {
            "organization_id": str(self.org.id),
            "healthcare_service_id": str(self.service.id),
            "practitioner_role_id": str(self.roles[0].id),
            "patient_id": str(self.patient.id),
        }

    def booking(self, start: datetime, **extra: Any) -> dict[str, Any]:
        return {**self.ids, "start": start.isoformat(), **extra}


def add_schedule(
    api, role=None, device=None, hours=(9, 17), weekdays=(1, 2, 3, 4, 5), **rule_kw
) -> Schedule:
    owner = role or device
    schedule = api._save(
        Schedule(
            organization_id=owner.organization_id,
            practitioner_role_id=role.id if role else None,
            device_id=device.id if device else None,
            location_id=owner.location_id,
        )
    )
    api._save(
        AvailabilityRule(
            organization_id=owner.organization_id,
            schedule_id=schedule.id,
            weekdays=list(weekdays),
            start_time=time(hours[0]),
            end_time=time(hours[1]),
            valid_from=rule_kw.pop("valid_from", date(2026, 1, 1)),
            **rule_kw,
        )
    )
    return schedule


def add_device(
    api, location, kind: str, name: str | None = None, category: str = "equipment"
) -> Device:
    return api._save(
        Device(
            organization_id=location.organization_id,
            location_id=location.id,
            name=name or f"{kind} 1",
            category=category,
            kind=kind,
        )
    )


@pytest.fixture
def frozen() -> Iterator[datetime]:
    with clock.frozen_at(NOW):
        yield NOW


@pytest.fixture
def clinic(api, frozen) -> Clinic:
    org = api.organization("Harbor Family Health", time_zone="America/New_York")
    location = api.location(org, name="Harbor Main", time_zone="America/New_York")
    service = api.service(
        org, code="follow-up", name="Follow-up", duration_minutes=30, min_notice_minutes=60
    )
    english = api.practitioner(
        org, given_name="Ann", family_name="Adams", gender="female", languages=["en"]
    )
    spanish = api.practitioner(
        org, given_name="Bea", family_name="Baez", gender="female", languages=["en", "es"]
    )
    roles = [api.role(english, location, [service]), api.role(spanish, location, [service])]
    schedules = [add_schedule(api, role) for role in roles]
    patient = api.patient(org, given_name="Carla", family_name="Cruz", preferred_language="es")
    return Clinic(
        org,
        location,
        service,
        [english, spanish],
        roles,
        schedules,
        patient,
        api.login(org, "coordinator"),
        api.login(org, "admin"),
    )
