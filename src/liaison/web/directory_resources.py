"""The directory's record types as the admin pages see them: which fields each form has,
which columns each list shows, and which service functions read and write them.

The pages themselves (directory.py) are the same for every type; what differs is here.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from zoneinfo import available_timezones

from pydantic import BaseModel

from liaison.context import Context
from liaison.directory import service
from liaison.directory.schemas import (
    DeviceCreate,
    DeviceUpdate,
    HealthcareServiceCreate,
    HealthcareServiceUpdate,
    LocationCreate,
    LocationUpdate,
    PractitionerCreate,
    PractitionerRoleCreate,
    PractitionerRoleUpdate,
    PractitionerUpdate,
)
from liaison.web.templating import templates

Options = Sequence[tuple[str, str]] | Callable[[Context, uuid.UUID], list[tuple[str, str]]]


@lru_cache(maxsize=1)
def time_zones() -> list[tuple[str, str]]:
    legacy = ("Etc/", "SystemV/", "US/", "posix", "right/")
    zones = sorted(z for z in available_timezones() if "/" in z and not z.startswith(legacy))
    return [("UTC", "UTC"), *((z, z.replace("_", " ")) for z in zones)]


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    # text, email, tel, number, select, checkbox, list (comma-separated), multi (checkboxes)
    kind: str = "text"
    required: bool = False
    options: Options = ()
    hint: str | None = None
    default: Any = ""
    # "both", or a field only the create form has (it cannot change later), or only edit.
    mode: str = "both"
    maxlength: int | None = None

    def choices(self, ctx: Context, organization_id: uuid.UUID) -> Sequence[tuple[str, str]]:
        return self.options(ctx, organization_id) if callable(self.options) else self.options


@dataclass(frozen=True)
class Column:
    label: str
    value: Callable[[Any, dict[str, Any]], str]


@dataclass(frozen=True)
class Resource:
    slug: str
    title: str
    singular: str
    intro: str
    fields: tuple[Field, ...]
    columns: tuple[Column, ...]
    list_rows: Callable[..., tuple[list[Any], str | None]]
    get: Callable[[Context, uuid.UUID], Any]
    create: Callable[[Context, Any], Any]
    update: Callable[[Context, uuid.UUID, Any], Any]
    create_shape: type[BaseModel]
    update_shape: type[BaseModel]
    name_of: Callable[[Any, dict[str, Any]], str]
    # Names the list and the headings need from other records (practitioner names ...).
    lookups: Callable[[Context, uuid.UUID, list[Any]], dict[str, Any]] = lambda *_: {}
    # Values of an existing record that are not plain attributes (a role's visit types).
    extra_values: Callable[[Context, Any], dict[str, Any]] = lambda *_: {}
    search: bool = False

    def form_fields(self, editing: bool) -> list[Field]:
        skip = "create" if editing else "edit"
        return [f for f in self.fields if f.mode != skip]


def every(
    list_rows: Callable[..., tuple[list[Any], str | None]], ctx: Context, org: uuid.UUID
) -> list[Any]:
    """All rows of one organization (for select boxes and name lookups), page by page."""
    rows: list[Any] = []
    cursor = None
    for _ in range(20):
        page, cursor = list_rows(ctx, organization_id=org, active=None, limit=200, cursor=cursor)
        rows.extend(page)
        if cursor is None:
            break
    return rows


def _status(row: Any, _lk: dict[str, Any]) -> str:
    return "Active" if row.active else "Inactive"


def _yes(value: bool) -> str:
    return "Yes" if value else "No"


def _location_options(ctx: Context, org: uuid.UUID) -> list[tuple[str, str]]:
    return [(str(r.id), r.name) for r in every(service.list_locations, ctx, org)]


def _practitioner_options(ctx: Context, org: uuid.UUID) -> list[tuple[str, str]]:
    return [(str(r.id), r.display_name) for r in every(service.list_practitioners, ctx, org)]


def _service_options(ctx: Context, org: uuid.UUID) -> list[tuple[str, str]]:
    return [(str(r.id), r.name) for r in every(service.list_services, ctx, org)]


ACTIVE = Field(
    "active",
    "Active",
    kind="checkbox",
    mode="edit",
    hint="Inactive records are kept but not offered for booking.",
)

LOCATIONS = Resource(
    slug="locations",
    title="Locations",
    singular="location",
    intro="Sites where patients are seen, each with its own time zone.",
    fields=(
        Field("name", "Name", required=True, maxlength=200),
        Field("line1", "Street address", maxlength=200),
        Field("line2", "Address line 2", maxlength=200),
        Field("city", "City", maxlength=100),
        Field("state", "State", maxlength=50),
        Field("postal_code", "ZIP / postal code", maxlength=20),
        Field(
            "country",
            "Country code",
            required=True,
            default="US",
            hint="Two letters, e.g. US.",
            maxlength=2,
        ),
        Field(
            "time_zone",
            "Time zone",
            kind="select",
            required=True,
            options=time_zones(),
            default="America/New_York",
        ),
        Field("phone", "Phone", kind="tel", maxlength=30),
        Field(
            "telehealth_only", "Telehealth only (no physical visits)", kind="checkbox", default=""
        ),
        ACTIVE,
    ),
    columns=(
        Column("City", lambda r, _: ", ".join(p for p in (r.city, r.state) if p)),
        Column("Time zone", lambda r, _: r.time_zone),
        Column("Phone", lambda r, _: templates.env.filters["phone"](r.phone)),
        Column("Telehealth only", lambda r, _: _yes(r.telehealth_only)),
        Column("Status", _status),
    ),
    list_rows=service.list_locations,
    get=service.get_location,
    create=service.create_location,
    update=service.update_location,
    create_shape=LocationCreate,
    update_shape=LocationUpdate,
    name_of=lambda r, _: r.name,
)

PRACTITIONERS = Resource(
    slug="practitioners",
    title="Practitioners",
    singular="practitioner",
    intro="Clinicians patients can be booked with.",
    fields=(
        Field("prefix", "Prefix", hint="For example Dr.", maxlength=20),
        Field("given_name", "Given name", required=True, maxlength=100),
        Field("family_name", "Family name", required=True, maxlength=100),
        Field("suffix", "Suffix", hint="For example MD.", maxlength=20),
        Field("npi", "NPI", hint="The 10-digit National Provider Identifier.", maxlength=10),
        Field(
            "gender",
            "Gender",
            kind="select",
            required=True,
            default="unknown",
            options=(
                ("female", "Female"),
                ("male", "Male"),
                ("other", "Other"),
                ("unknown", "Not stated"),
            ),
        ),
        Field(
            "specialties",
            "Specialties",
            kind="list",
            hint="Separate with commas, e.g. family-medicine, pediatrics.",
        ),
        Field(
            "languages",
            "Languages spoken",
            kind="list",
            default="en",
            hint="Language tags separated by commas, e.g. en, es.",
        ),
        Field("email", "E-mail address", kind="email", maxlength=254),
        Field("phone", "Phone", kind="tel", maxlength=30),
        ACTIVE,
    ),
    columns=(
        Column("NPI", lambda r, _: r.npi or ""),
        Column("Specialties", lambda r, _: ", ".join(r.specialties)),
        Column("Languages", lambda r, _: ", ".join(r.languages)),
        Column("Status", _status),
    ),
    list_rows=service.list_practitioners,
    get=service.get_practitioner,
    create=service.create_practitioner,
    update=service.update_practitioner,
    create_shape=PractitionerCreate,
    update_shape=PractitionerUpdate,
    name_of=lambda r, _: r.display_name,
    search=True,
)

VISIT_TYPES = Resource(
    slug="visit-types",
    title="Visit types",
    singular="visit type",
    intro="What a patient can be booked for, how long it takes and who may book it.",
    fields=(
        Field(
            "code",
            "Code",
            required=True,
            mode="create",
            maxlength=40,
            hint="Letters, digits, dots, dashes or underscores; it cannot change later.",
        ),
        Field("name", "Name", required=True, maxlength=200),
        Field("specialty", "Specialty", maxlength=100),
        Field("duration_minutes", "Duration (minutes)", kind="number", required=True, default="30"),
        Field(
            "modality",
            "Modality",
            kind="select",
            required=True,
            default="in-person",
            options=(("in-person", "In person"), ("telehealth", "Telehealth")),
        ),
        Field("new_patients", "New patients may book", kind="checkbox", default="on"),
        Field(
            "established_patients", "Established patients may book", kind="checkbox", default="on"
        ),
        Field("patient_bookable", "Patients may book it themselves online", kind="checkbox"),
        Field(
            "required_device_kinds",
            "Rooms or equipment needed",
            kind="list",
            hint="Device kinds separated by commas, e.g. exam-room, ultrasound.",
        ),
        ACTIVE,
    ),
    columns=(
        Column("Code", lambda r, _: r.code),
        Column("Duration", lambda r, _: f"{r.duration_minutes} min"),
        Column("Modality", lambda r, _: r.modality),
        Column(
            "Patients",
            lambda r, _: " and ".join(
                w
                for w, ok in (("new", r.new_patients), ("established", r.established_patients))
                if ok
            ),
        ),
        Column("Online booking", lambda r, _: _yes(r.patient_bookable)),
        Column("Status", _status),
    ),
    list_rows=service.list_services,
    get=service.get_service,
    create=service.create_service,
    update=service.update_service,
    create_shape=HealthcareServiceCreate,
    update_shape=HealthcareServiceUpdate,
    name_of=lambda r, _: r.name,
)


def _role_lookups(ctx: Context, org: uuid.UUID, rows: list[Any]) -> dict[str, Any]:
    return {
        "practitioners": {
            r.id: r.display_name for r in every(service.list_practitioners, ctx, org)
        },
        "locations": {r.id: r.name for r in every(service.list_locations, ctx, org)},
        "services": {r.id: r.name for r in every(service.list_services, ctx, org)},
        "role_services": service.role_services(ctx, rows) if rows else {},
    }


def _role_name(row: Any, lk: dict[str, Any]) -> str:
    who = lk.get("practitioners", {}).get(row.practitioner_id, "A practitioner")
    where = lk.get("locations", {}).get(row.location_id, "a location")
    return f"{who} at {where}"


ROLES = Resource(
    slug="roles",
    title="Practitioner roles",
    singular="practitioner role",
    intro="Which practitioner works at which location, and the visit types they offer there.",
    fields=(
        Field(
            "practitioner_id",
            "Practitioner",
            kind="select",
            required=True,
            mode="create",
            options=_practitioner_options,
        ),
        Field(
            "location_id",
            "Location",
            kind="select",
            required=True,
            mode="create",
            options=_location_options,
        ),
        Field("service_ids", "Visit types offered", kind="multi", options=_service_options),
        ACTIVE,
    ),
    columns=(
        Column(
            "Visit types",
            lambda r, lk: ", ".join(
                sorted(lk["services"].get(s, "") for s in lk["role_services"].get(r.id, []))
            ),
        ),
        Column("Status", _status),
    ),
    list_rows=service.list_roles,
    get=service.get_role,
    create=service.create_role,
    update=service.update_role,
    create_shape=PractitionerRoleCreate,
    update_shape=PractitionerRoleUpdate,
    name_of=_role_name,
    lookups=_role_lookups,
    extra_values=lambda ctx, row: {
        "service_ids": [str(s) for s in service.role_services(ctx, [row]).get(row.id, [])]
    },
)

DEVICES = Resource(
    slug="devices",
    title="Rooms and equipment",
    singular="room or equipment",
    intro="Bookable rooms and equipment at each location, matched by kind to what visits need.",
    fields=(
        Field(
            "location_id",
            "Location",
            kind="select",
            required=True,
            mode="create",
            options=_location_options,
        ),
        Field("name", "Name", required=True, maxlength=120),
        Field(
            "category",
            "Category",
            kind="select",
            required=True,
            mode="create",
            default="room",
            options=(("room", "Room"), ("equipment", "Equipment")),
        ),
        Field(
            "kind",
            "Kind",
            required=True,
            maxlength=40,
            hint="Matched against visit types' needs, e.g. exam-room, ultrasound.",
        ),
        ACTIVE,
    ),
    columns=(
        Column("Category", lambda r, _: r.category),
        Column("Kind", lambda r, _: r.kind),
        Column("Location", lambda r, lk: lk["locations"].get(r.location_id, "")),
        Column("Status", _status),
    ),
    list_rows=service.list_devices,
    get=service.get_device,
    create=service.create_device,
    update=service.update_device,
    create_shape=DeviceCreate,
    update_shape=DeviceUpdate,
    name_of=lambda r, _: r.name,
    lookups=lambda ctx, org, rows: {
        "locations": {r.id: r.name for r in every(service.list_locations, ctx, org)}
    },
)

RESOURCES = {r.slug: r for r in (LOCATIONS, PRACTITIONERS, VISIT_TYPES, ROLES, DEVICES)}
