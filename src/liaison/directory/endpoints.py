"""HTTP edge of the directory: parse, call one service function, return."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from liaison.auth.dependencies import ApiContext
from liaison.directory import service
from liaison.directory.schemas import (
    DeviceCreate,
    DeviceRead,
    DeviceUpdate,
    HealthcareServiceCreate,
    HealthcareServiceRead,
    HealthcareServiceUpdate,
    HolidayCreate,
    HolidayRead,
    LocationCreate,
    LocationRead,
    LocationUpdate,
    OrganizationCreate,
    OrganizationRead,
    OrganizationUpdate,
    PractitionerCreate,
    PractitionerRead,
    PractitionerRoleCreate,
    PractitionerRoleRead,
    PractitionerRoleUpdate,
    PractitionerUpdate,
)
from liaison.kit.validation import Page

router = APIRouter(prefix="/api/v1", tags=["directory"])

OrgFilter = Annotated[uuid.UUID | None, Query(description="Only this organization")]
ActiveFilter = Annotated[bool | None, Query(description="Only active (true) or inactive (false)")]
LimitQ = Annotated[int, Query(ge=1, le=200)]
CursorQ = Annotated[str | None, Query(max_length=500)]


# --- Organizations --------------------------------------------------------------------


@router.get("/organizations", response_model=list[OrganizationRead])
def list_organizations(ctx: ApiContext) -> list[OrganizationRead]:
    return [OrganizationRead.model_validate(o) for o in service.list_organizations(ctx)]


@router.post("/organizations", response_model=OrganizationRead, status_code=201)
def create_organization(body: OrganizationCreate, ctx: ApiContext) -> OrganizationRead:
    return OrganizationRead.model_validate(service.create_organization(ctx, body))


@router.get("/organizations/{organization_id}", response_model=OrganizationRead)
def get_organization(organization_id: uuid.UUID, ctx: ApiContext) -> OrganizationRead:
    return OrganizationRead.model_validate(service.get_organization(ctx, organization_id))


@router.patch("/organizations/{organization_id}", response_model=OrganizationRead)
def update_organization(
    organization_id: uuid.UUID, body: OrganizationUpdate, ctx: ApiContext
) -> OrganizationRead:
    return OrganizationRead.model_validate(service.update_organization(ctx, organization_id, body))


@router.get("/organizations/{organization_id}/holidays", response_model=list[HolidayRead])
def list_holidays(organization_id: uuid.UUID, ctx: ApiContext) -> list[HolidayRead]:
    return [HolidayRead.model_validate(h) for h in service.list_holidays(ctx, organization_id)]


@router.post(
    "/organizations/{organization_id}/holidays", response_model=HolidayRead, status_code=201
)
def add_holiday(organization_id: uuid.UUID, body: HolidayCreate, ctx: ApiContext) -> HolidayRead:
    return HolidayRead.model_validate(service.add_holiday(ctx, organization_id, body))


@router.delete("/organizations/{organization_id}/holidays/{holiday_id}", status_code=204)
def remove_holiday(organization_id: uuid.UUID, holiday_id: uuid.UUID, ctx: ApiContext) -> Response:
    service.remove_holiday(ctx, organization_id, holiday_id)
    return Response(status_code=204)


# --- Locations ------------------------------------------------------------------------


@router.get("/locations", response_model=Page[LocationRead])
def list_locations(
    ctx: ApiContext,
    organization_id: OrgFilter = None,
    active: ActiveFilter = None,
    limit: LimitQ = 50,
    cursor: CursorQ = None,
) -> Page[LocationRead]:
    rows, nxt = service.list_locations(
        ctx, organization_id=organization_id, active=active, limit=limit, cursor=cursor
    )
    return Page[LocationRead](items=[LocationRead.model_validate(r) for r in rows], next_cursor=nxt)


@router.post("/locations", response_model=LocationRead, status_code=201)
def create_location(body: LocationCreate, ctx: ApiContext) -> LocationRead:
    return LocationRead.model_validate(service.create_location(ctx, body))


@router.get("/locations/{location_id}", response_model=LocationRead)
def get_location(location_id: uuid.UUID, ctx: ApiContext) -> LocationRead:
    return LocationRead.model_validate(service.get_location(ctx, location_id))


@router.patch("/locations/{location_id}", response_model=LocationRead)
def update_location(location_id: uuid.UUID, body: LocationUpdate, ctx: ApiContext) -> LocationRead:
    return LocationRead.model_validate(service.update_location(ctx, location_id, body))


@router.delete("/locations/{location_id}", status_code=204)
def delete_location(location_id: uuid.UUID, ctx: ApiContext) -> Response:
    service.delete_location(ctx, location_id)
    return Response(status_code=204)


# --- Practitioners --------------------------------------------------------------------


@router.get("/practitioners", response_model=Page[PractitionerRead])
def list_practitioners(
    ctx: ApiContext,
    organization_id: OrgFilter = None,
    active: ActiveFilter = None,
    q: Annotated[str | None, Query(max_length=100, description="Name or NPI")] = None,
    limit: LimitQ = 50,
    cursor: CursorQ = None,
) -> Page[PractitionerRead]:
    rows, nxt = service.list_practitioners(
        ctx, q=q, organization_id=organization_id, active=active, limit=limit, cursor=cursor
    )
    return Page[PractitionerRead](
        items=[PractitionerRead.model_validate(r) for r in rows], next_cursor=nxt
    )


@router.post("/practitioners", response_model=PractitionerRead, status_code=201)
def create_practitioner(body: PractitionerCreate, ctx: ApiContext) -> PractitionerRead:
    return PractitionerRead.model_validate(service.create_practitioner(ctx, body))


@router.get("/practitioners/{practitioner_id}", response_model=PractitionerRead)
def get_practitioner(practitioner_id: uuid.UUID, ctx: ApiContext) -> PractitionerRead:
    return PractitionerRead.model_validate(service.get_practitioner(ctx, practitioner_id))


@router.patch("/practitioners/{practitioner_id}", response_model=PractitionerRead)
def update_practitioner(
    practitioner_id: uuid.UUID, body: PractitionerUpdate, ctx: ApiContext
) -> PractitionerRead:
    return PractitionerRead.model_validate(service.update_practitioner(ctx, practitioner_id, body))


@router.delete("/practitioners/{practitioner_id}", status_code=204)
def delete_practitioner(practitioner_id: uuid.UUID, ctx: ApiContext) -> Response:
    service.delete_practitioner(ctx, practitioner_id)
    return Response(status_code=204)


# --- Visit types (HealthcareService) --------------------------------------------------


@router.get("/services", response_model=Page[HealthcareServiceRead])
def list_services(
    ctx: ApiContext,
    organization_id: OrgFilter = None,
    active: ActiveFilter = None,
    limit: LimitQ = 50,
    cursor: CursorQ = None,
) -> Page[HealthcareServiceRead]:
    rows, nxt = service.list_services(
        ctx, organization_id=organization_id, active=active, limit=limit, cursor=cursor
    )
    return Page[HealthcareServiceRead](
        items=[HealthcareServiceRead.model_validate(r) for r in rows], next_cursor=nxt
    )


@router.post("/services", response_model=HealthcareServiceRead, status_code=201)
def create_service(body: HealthcareServiceCreate, ctx: ApiContext) -> HealthcareServiceRead:
    return HealthcareServiceRead.model_validate(service.create_service(ctx, body))


@router.get("/services/{service_id}", response_model=HealthcareServiceRead)
def get_service(service_id: uuid.UUID, ctx: ApiContext) -> HealthcareServiceRead:
    return HealthcareServiceRead.model_validate(service.get_service(ctx, service_id))


@router.patch("/services/{service_id}", response_model=HealthcareServiceRead)
def update_service(
    service_id: uuid.UUID, body: HealthcareServiceUpdate, ctx: ApiContext
) -> HealthcareServiceRead:
    return HealthcareServiceRead.model_validate(service.update_service(ctx, service_id, body))


@router.delete("/services/{service_id}", status_code=204)
def delete_service(service_id: uuid.UUID, ctx: ApiContext) -> Response:
    service.delete_service(ctx, service_id)
    return Response(status_code=204)


# --- Practitioner roles ---------------------------------------------------------------


def _role_read(role: object, service_ids: list[uuid.UUID]) -> PractitionerRoleRead:
    return PractitionerRoleRead(
        id=role.id,  # type: ignore[attr-defined]
        organization_id=role.organization_id,  # type: ignore[attr-defined]
        practitioner_id=role.practitioner_id,  # type: ignore[attr-defined]
        location_id=role.location_id,  # type: ignore[attr-defined]
        service_ids=sorted(service_ids, key=str),
        active=role.active,  # type: ignore[attr-defined]
    )


@router.get("/practitioner-roles", response_model=Page[PractitionerRoleRead])
def list_roles(
    ctx: ApiContext,
    organization_id: OrgFilter = None,
    practitioner_id: uuid.UUID | None = None,
    location_id: uuid.UUID | None = None,
    active: ActiveFilter = None,
    limit: LimitQ = 50,
    cursor: CursorQ = None,
) -> Page[PractitionerRoleRead]:
    rows, nxt = service.list_roles(
        ctx,
        practitioner_id=practitioner_id,
        location_id=location_id,
        organization_id=organization_id,
        active=active,
        limit=limit,
        cursor=cursor,
    )
    services = service.role_services(ctx, rows)
    return Page[PractitionerRoleRead](
        items=[_role_read(r, services.get(r.id, [])) for r in rows], next_cursor=nxt
    )


@router.post("/practitioner-roles", response_model=PractitionerRoleRead, status_code=201)
def create_role(body: PractitionerRoleCreate, ctx: ApiContext) -> PractitionerRoleRead:
    role = service.create_role(ctx, body)
    return _role_read(role, service.role_services(ctx, [role]).get(role.id, []))


@router.get("/practitioner-roles/{role_id}", response_model=PractitionerRoleRead)
def get_role(role_id: uuid.UUID, ctx: ApiContext) -> PractitionerRoleRead:
    role = service.get_role(ctx, role_id)
    return _role_read(role, service.role_services(ctx, [role]).get(role.id, []))


@router.patch("/practitioner-roles/{role_id}", response_model=PractitionerRoleRead)
def update_role(
    role_id: uuid.UUID, body: PractitionerRoleUpdate, ctx: ApiContext
) -> PractitionerRoleRead:
    role = service.update_role(ctx, role_id, body)
    return _role_read(role, service.role_services(ctx, [role]).get(role.id, []))


@router.delete("/practitioner-roles/{role_id}", status_code=204)
def delete_role(role_id: uuid.UUID, ctx: ApiContext) -> Response:
    service.delete_role(ctx, role_id)
    return Response(status_code=204)


# --- Devices --------------------------------------------------------------------------


@router.get("/devices", response_model=Page[DeviceRead])
def list_devices(
    ctx: ApiContext,
    organization_id: OrgFilter = None,
    location_id: uuid.UUID | None = None,
    active: ActiveFilter = None,
    limit: LimitQ = 50,
    cursor: CursorQ = None,
) -> Page[DeviceRead]:
    rows, nxt = service.list_devices(
        ctx,
        location_id=location_id,
        organization_id=organization_id,
        active=active,
        limit=limit,
        cursor=cursor,
    )
    return Page[DeviceRead](items=[DeviceRead.model_validate(r) for r in rows], next_cursor=nxt)


@router.post("/devices", response_model=DeviceRead, status_code=201)
def create_device(body: DeviceCreate, ctx: ApiContext) -> DeviceRead:
    return DeviceRead.model_validate(service.create_device(ctx, body))


@router.get("/devices/{device_id}", response_model=DeviceRead)
def get_device(device_id: uuid.UUID, ctx: ApiContext) -> DeviceRead:
    return DeviceRead.model_validate(service.get_device(ctx, device_id))


@router.patch("/devices/{device_id}", response_model=DeviceRead)
def update_device(device_id: uuid.UUID, body: DeviceUpdate, ctx: ApiContext) -> DeviceRead:
    return DeviceRead.model_validate(service.update_device(ctx, device_id, body))


@router.delete("/devices/{device_id}", status_code=204)
def delete_device(device_id: uuid.UUID, ctx: ApiContext) -> Response:
    service.delete_device(ctx, device_id)
    return Response(status_code=204)
