"""Use cases of the directory: organizations, locations, practitioners, their roles,
visit types and bookable devices."""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

from liaison.authz.access import access_one, referenced, referenced_many
from liaison.authz.permissions import Permission
from liaison.context import Context
from liaison.directory import repository
from liaison.directory.schemas import (
    DeviceCreate,
    DeviceUpdate,
    HealthcareServiceCreate,
    HealthcareServiceUpdate,
    HolidayCreate,
    LocationCreate,
    LocationUpdate,
    OrganizationCreate,
    OrganizationUpdate,
    PractitionerCreate,
    PractitionerRoleCreate,
    PractitionerRoleUpdate,
    PractitionerUpdate,
    default_business_hours,
)
from liaison.errors import Conflict, InvalidInput, NotFound
from liaison.kit.db import flush_or_conflict
from liaison.models import (
    Device,
    HealthcareService,
    Location,
    Organization,
    OrganizationHoliday,
    Practitioner,
    PractitionerRole,
)

M = TypeVar("M")
READ, WRITE = Permission.DIRECTORY_READ, Permission.DIRECTORY_WRITE


def _apply(row: Any, changes: dict[str, Any], required: set[str]) -> None:
    for name, value in changes.items():
        if value is None and name in required:
            raise InvalidInput(name, "may not be null")
        setattr(row, name, value)


# --- Organizations --------------------------------------------------------------------


def list_organizations(ctx: Context) -> list[Organization]:
    return repository.organizations(ctx.session, ctx.caller)


def get_organization(ctx: Context, organization_id: uuid.UUID) -> Organization:
    org = repository.organization(ctx.session, ctx.caller, organization_id)
    if org is None:
        raise NotFound("Organization")
    return org


def create_organization(ctx: Context, data: OrganizationCreate) -> Organization:
    ctx.require(Permission.ORGANIZATION_CREATE)
    if repository.organization_by_slug(ctx.session, data.slug) is not None:
        raise Conflict("An organization with this slug exists", field="slug")
    hours = (
        {day: [i.model_dump() for i in spans] for day, spans in data.business_hours.items()}
        if data.business_hours is not None
        else default_business_hours()
    )
    org = Organization(
        name=data.name,
        slug=data.slug,
        time_zone=data.time_zone,
        country=data.country,
        phone=data.phone,
        business_hours=hours,
    )
    ctx.session.add(org)
    flush_or_conflict(ctx.session, "An organization with this slug exists", field="slug")
    ctx.audit("create", "Organization", org.id, organization_id=org.id)
    return org


def update_organization(
    ctx: Context, organization_id: uuid.UUID, data: OrganizationUpdate
) -> Organization:
    org = get_organization(ctx, organization_id)
    ctx.require(WRITE, org.id)
    changes = data.model_dump(exclude_unset=True)
    if "business_hours" in changes and changes["business_hours"] is not None:
        changes["business_hours"] = {
            day: [i.model_dump() for i in spans]
            for day, spans in data.business_hours.items()  # type: ignore[union-attr]
        }
    _apply(
        org,
        changes,
        {
            "name",
            "time_zone",
            "business_hours",
            "active",
            "quiet_hours_start",
            "quiet_hours_end",
            "waitlist_batch_size",
            "waitlist_round_minutes",
        },
    )
    # sms_number is unique across organizations: an inbound text names exactly one clinic.
    flush_or_conflict(
        ctx.session, "Another organization already texts from this number", field="sms_number"
    )
    ctx.audit("update", "Organization", org.id, organization_id=org.id, fields=sorted(changes))
    return org


def list_holidays(ctx: Context, organization_id: uuid.UUID) -> list[OrganizationHoliday]:
    get_organization(ctx, organization_id)
    return repository.holidays(ctx.session, ctx.caller, organization_id)


def add_holiday(
    ctx: Context, organization_id: uuid.UUID, data: HolidayCreate
) -> OrganizationHoliday:
    get_organization(ctx, organization_id)
    ctx.require(WRITE, organization_id)
    holiday = OrganizationHoliday(organization_id=organization_id, date=data.date, name=data.name)
    ctx.session.add(holiday)
    flush_or_conflict(ctx.session, "This date is already a holiday", field="date")
    ctx.audit("create", "OrganizationHoliday", holiday.id, organization_id=organization_id)
    return holiday


def remove_holiday(ctx: Context, organization_id: uuid.UUID, holiday_id: uuid.UUID) -> None:
    holiday = access_one(ctx.session, ctx.caller, OrganizationHoliday, holiday_id, READ, "Holiday")
    if holiday.organization_id != organization_id:
        raise NotFound("Holiday")
    ctx.require(WRITE, organization_id)
    ctx.session.delete(holiday)
    ctx.session.flush()
    ctx.audit("delete", "OrganizationHoliday", holiday.id, organization_id=organization_id)


# --- Shared shapes of the per-organization resources ----------------------------------


def _create(ctx: Context, row: Any, resource: str, conflict: str, field: str) -> Any:
    ctx.session.add(row)
    flush_or_conflict(ctx.session, conflict, field=field)
    ctx.audit("create", resource, row.id, organization_id=row.organization_id)
    return row


def _update(
    ctx: Context,
    model: type[M],
    row_id: uuid.UUID,
    resource: str,
    changes: dict[str, Any],
    required: set[str],
    conflict: str = "Conflicts with an existing record",
) -> M:
    row = access_one(ctx.session, ctx.caller, model, row_id, READ, resource)
    ctx.require(WRITE, row.organization_id)  # type: ignore[attr-defined]
    _apply(row, changes, required)
    flush_or_conflict(ctx.session, conflict)
    ctx.audit(
        "update", resource, row_id, organization_id=row.organization_id, fields=sorted(changes)
    )  # type: ignore[attr-defined]
    return row


def _delete(ctx: Context, model: type[Any], row_id: uuid.UUID, resource: str) -> None:
    row = access_one(ctx.session, ctx.caller, model, row_id, READ, resource)
    ctx.require(WRITE, row.organization_id)
    ctx.session.delete(row)
    flush_or_conflict(
        ctx.session,
        f"This {resource.lower()} is still referenced by other records; set active=false instead",
    )
    ctx.audit("delete", resource, row_id, organization_id=row.organization_id)


def _get(ctx: Context, model: type[M], row_id: uuid.UUID, resource: str) -> M:
    return access_one(ctx.session, ctx.caller, model, row_id, READ, resource)


def _list(
    ctx: Context,
    model: type[M],
    *,
    organization_id: uuid.UUID | None,
    active: bool | None,
    filters: list[Any] | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> tuple[list[M], str | None]:
    if organization_id is not None:
        get_organization(ctx, organization_id)
    return repository.list_page(
        ctx.session,
        ctx.caller,
        model,
        organization_id=organization_id,
        active=active,
        filters=filters or [],
        limit=limit,
        cursor=cursor,
    )


# --- Locations ------------------------------------------------------------------------


def list_locations(ctx: Context, **query: Any) -> tuple[list[Location], str | None]:
    return _list(ctx, Location, **query)


def get_location(ctx: Context, location_id: uuid.UUID) -> Location:
    return _get(ctx, Location, location_id, "Location")


def create_location(ctx: Context, data: LocationCreate) -> Location:
    ctx.require(WRITE, data.organization_id)
    row = Location(**data.model_dump())
    return _create(ctx, row, "Location", "A location with this name exists", "name")


def update_location(ctx: Context, location_id: uuid.UUID, data: LocationUpdate) -> Location:
    return _update(
        ctx,
        Location,
        location_id,
        "Location",
        data.model_dump(exclude_unset=True),
        {"name", "country", "time_zone", "telehealth_only", "active"},
        "A location with this name exists",
    )


def delete_location(ctx: Context, location_id: uuid.UUID) -> None:
    _delete(ctx, Location, location_id, "Location")


# --- Practitioners --------------------------------------------------------------------


def list_practitioners(
    ctx: Context, *, q: str | None = None, **query: Any
) -> tuple[list[Practitioner], str | None]:
    filters = []
    if q:
        like = f"%{q.strip().lower()}%"
        from sqlalchemy import func, or_

        filters.append(
            or_(
                func.lower(Practitioner.family_name).like(like),
                func.lower(Practitioner.given_name).like(like),
                Practitioner.npi == q.strip(),
            )
        )
    return _list(ctx, Practitioner, filters=filters, **query)


def get_practitioner(ctx: Context, practitioner_id: uuid.UUID) -> Practitioner:
    return _get(ctx, Practitioner, practitioner_id, "Practitioner")


def create_practitioner(ctx: Context, data: PractitionerCreate) -> Practitioner:
    ctx.require(WRITE, data.organization_id)
    row = Practitioner(**data.model_dump())
    return _create(ctx, row, "Practitioner", "A practitioner with this NPI exists", "npi")


def update_practitioner(
    ctx: Context, practitioner_id: uuid.UUID, data: PractitionerUpdate
) -> Practitioner:
    return _update(
        ctx,
        Practitioner,
        practitioner_id,
        "Practitioner",
        data.model_dump(exclude_unset=True),
        {"given_name", "family_name", "gender", "specialties", "languages", "active"},
        "A practitioner with this NPI exists",
    )


def delete_practitioner(ctx: Context, practitioner_id: uuid.UUID) -> None:
    _delete(ctx, Practitioner, practitioner_id, "Practitioner")


# --- Visit types ----------------------------------------------------------------------


def list_services(ctx: Context, **query: Any) -> tuple[list[HealthcareService], str | None]:
    return _list(ctx, HealthcareService, **query)


def get_service(ctx: Context, service_id: uuid.UUID) -> HealthcareService:
    return _get(ctx, HealthcareService, service_id, "HealthcareService")


def create_service(ctx: Context, data: HealthcareServiceCreate) -> HealthcareService:
    ctx.require(WRITE, data.organization_id)
    row = HealthcareService(**data.model_dump())
    return _create(ctx, row, "HealthcareService", "A visit type with this code exists", "code")


def update_service(
    ctx: Context, service_id: uuid.UUID, data: HealthcareServiceUpdate
) -> HealthcareService:
    changes = data.model_dump(exclude_unset=True)
    row = _update(
        ctx,
        HealthcareService,
        service_id,
        "HealthcareService",
        changes,
        {
            "name",
            "duration_minutes",
            "modality",
            "new_patients",
            "established_patients",
            "patient_bookable",
            "required_device_kinds",
            "active",
            # Policy numbers have defaults; only the optional ones may be cleared.
            "buffer_before_minutes",
            "buffer_after_minutes",
            "min_notice_minutes",
            "booking_horizon_days",
            "overbook_limit",
            "hold_minutes",
            "reminder_offsets_minutes",
            "backfill_min_hours",
            "same_day_backfill_urgent_only",
        },
    )
    if not (row.new_patients or row.established_patients):
        raise InvalidInput(
            "established_patients", "a visit type must accept new or established patients"
        )
    return row


def delete_service(ctx: Context, service_id: uuid.UUID) -> None:
    _delete(ctx, HealthcareService, service_id, "HealthcareService")


# --- Practitioner roles ---------------------------------------------------------------


def role_services(ctx: Context, roles: list[PractitionerRole]) -> dict[uuid.UUID, list[uuid.UUID]]:
    return repository.role_service_ids(ctx.session, ctx.caller, [r.id for r in roles])


def list_roles(
    ctx: Context,
    *,
    practitioner_id: uuid.UUID | None = None,
    location_id: uuid.UUID | None = None,
    **query: Any,
) -> tuple[list[PractitionerRole], str | None]:
    filters = []
    if practitioner_id is not None:
        filters.append(PractitionerRole.practitioner_id == practitioner_id)
    if location_id is not None:
        filters.append(PractitionerRole.location_id == location_id)
    return _list(ctx, PractitionerRole, filters=filters, **query)


def get_role(ctx: Context, role_id: uuid.UUID) -> PractitionerRole:
    return _get(ctx, PractitionerRole, role_id, "PractitionerRole")


def create_role(ctx: Context, data: PractitionerRoleCreate) -> PractitionerRole:
    principal = ctx.require(WRITE, data.organization_id)
    org, session = data.organization_id, ctx.session
    referenced(session, principal, Practitioner, org, data.practitioner_id, READ, "practitioner_id")
    referenced(session, principal, Location, org, data.location_id, READ, "location_id")
    referenced_many(
        session, principal, HealthcareService, org, data.service_ids, READ, "service_ids"
    )
    row = PractitionerRole(
        organization_id=org, practitioner_id=data.practitioner_id, location_id=data.location_id
    )
    _create(
        ctx,
        row,
        "PractitionerRole",
        "This practitioner already has a role at this location",
        "location_id",
    )
    repository.replace_role_services(session, principal, row, data.service_ids)
    session.flush()
    return row


def update_role(ctx: Context, role_id: uuid.UUID, data: PractitionerRoleUpdate) -> PractitionerRole:
    changes = data.model_dump(exclude_unset=True)
    service_ids = changes.pop("service_ids", None)
    if "service_ids" in data.model_fields_set and service_ids is None:
        raise InvalidInput("service_ids", "may not be null")
    row = _update(ctx, PractitionerRole, role_id, "PractitionerRole", changes, {"active"})
    if service_ids is not None:
        referenced_many(
            ctx.session,
            ctx.caller,
            HealthcareService,
            row.organization_id,
            service_ids,
            READ,
            "service_ids",
        )
        repository.replace_role_services(ctx.session, ctx.caller, row, service_ids)
        ctx.session.flush()
    return row


def delete_role(ctx: Context, role_id: uuid.UUID) -> None:
    _delete(ctx, PractitionerRole, role_id, "PractitionerRole")


# --- Devices (rooms, equipment) -------------------------------------------------------


def list_devices(
    ctx: Context, *, location_id: uuid.UUID | None = None, **query: Any
) -> tuple[list[Device], str | None]:
    filters = [Device.location_id == location_id] if location_id is not None else []
    return _list(ctx, Device, filters=filters, **query)


def get_device(ctx: Context, device_id: uuid.UUID) -> Device:
    return _get(ctx, Device, device_id, "Device")


def create_device(ctx: Context, data: DeviceCreate) -> Device:
    principal = ctx.require(WRITE, data.organization_id)
    referenced(
        ctx.session,
        principal,
        Location,
        data.organization_id,
        data.location_id,
        READ,
        "location_id",
    )
    row = Device(**data.model_dump())
    return _create(ctx, row, "Device", "A device with this name exists at the location", "name")


def update_device(ctx: Context, device_id: uuid.UUID, data: DeviceUpdate) -> Device:
    return _update(
        ctx,
        Device,
        device_id,
        "Device",
        data.model_dump(exclude_unset=True),
        {"name", "kind", "active"},
        "A device with this name exists at the location",
    )


def delete_device(ctx: Context, device_id: uuid.UUID) -> None:
    _delete(ctx, Device, device_id, "Device")
