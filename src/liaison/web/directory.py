"""Directory admin pages: the organization's settings and holidays, and list / create /
edit pages for each record type described in directory_resources."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from liaison.auth.dependencies import ApiContext
from liaison.authz.permissions import Permission
from liaison.context import Context
from liaison.directory import service
from liaison.directory.schemas import WEEKDAYS, HolidayCreate, OrganizationUpdate
from liaison.errors import Conflict, InvalidInput, NotFound
from liaison.models import Organization
from liaison.web import forms
from liaison.web.directory_resources import RESOURCES, Resource, time_zones
from liaison.web.forms import Form, checked, errors_of, reject, renumber, text, values_of
from liaison.web.pages import redirect, render, working_organization

router = APIRouter(prefix="/directory", include_in_schema=False)
WRITE = Permission.DIRECTORY_WRITE
PAGE_SIZE = 50
# Two opening periods a day cover a lunch closure; more is rare enough for the API.
SPANS = 2
WEEKDAY_NAMES = {
    "mon": "Monday",
    "tue": "Tuesday",
    "wed": "Wednesday",
    "thu": "Thursday",
    "fri": "Friday",
    "sat": "Saturday",
    "sun": "Sunday",
}


@router.get("", response_class=HTMLResponse)
def overview(request: Request, ctx: ApiContext) -> Response:
    org = working_organization(ctx)
    return render(
        request,
        ctx,
        "directory/index.html",
        nav="directory",
        org=org,
        resources=list(RESOURCES.values()),
    )


# --- Organization settings and holidays -----------------------------------------------


def _span(span: Any) -> tuple[str, str]:
    if isinstance(span, dict):
        return span.get("start", ""), span.get("end", "")
    start, end = span
    return start, end


def _org_values(org: Organization) -> dict[str, Any]:
    values: dict[str, Any] = {
        "name": org.name,
        "time_zone": org.time_zone,
        "phone": org.phone or "",
    }
    for day, spans in (org.business_hours or {}).items():
        for i, span in enumerate(spans[:SPANS]):
            start, end = _span(span)
            values[f"business_hours-{day}-{i}-start"] = start
            values[f"business_hours-{day}-{i}-end"] = end
    return values


def _org_page(
    request: Request,
    ctx: Context,
    org: Organization,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    holiday_values: dict[str, Any] | None = None,
    holiday_errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        ctx,
        "directory/organization.html",
        status_code=status_code,
        nav="directory",
        org=org,
        values=values or _org_values(org),
        errors=errors or {},
        holiday_values=holiday_values or {},
        holiday_errors=holiday_errors or {},
        holidays=service.list_holidays(ctx, org.id),
        time_zones=time_zones(),
        weekdays=list(WEEKDAY_NAMES.items()),
        spans=range(SPANS),
    )


@router.get("/organization", response_class=HTMLResponse)
def organization_settings(request: Request, ctx: ApiContext) -> Response:
    return _org_page(request, ctx, working_organization(ctx))


def _hours(
    form: FormData,
) -> tuple[dict[str, list[dict[str, str | None]]], dict[str, str], dict[str, list[int]]]:
    hours: dict[str, list[dict[str, str | None]]] = {}
    errors: dict[str, str] = {}
    origins: dict[str, list[int]] = {}
    for day in WEEKDAYS:
        prefix = f"business_hours-{day}"
        spans, origin = forms.rows(form, prefix, SPANS, ("start", "end"), keep_if=("start", "end"))
        for span, row in zip(spans, origin, strict=True):
            for part, missing, other in (
                ("start", "opening", "closing"),
                ("end", "closing", "opening"),
            ):
                if not span[part]:
                    errors[f"{prefix}-{row}-{part}"] = (
                        f"Give the {missing} time too, or clear the {other} time"
                    )
        hours[day], origins[day] = spans, origin
    return hours, errors, origins


@router.post("/organization", response_class=HTMLResponse)
def update_organization(request: Request, ctx: ApiContext, form: Form) -> Response:
    org = working_organization(ctx)
    ctx.require(WRITE, org.id)
    payload: dict[str, Any] = {"phone": text(form, "phone")}
    errors: dict[str, str] = {}
    for name in ("name", "time_zone"):
        if (value := text(form, name)) is None:
            errors[name] = "is required"
        else:
            payload[name] = value
    hours, hour_errors, origins = _hours(form)
    payload["business_hours"] = hours
    data = None
    try:
        data = OrganizationUpdate.model_validate(payload)
    except ValidationError as exc:
        found = errors_of(exc)
        for day, origin in origins.items():
            found = renumber(found, f"business_hours-{day}", origin)
        errors = found | errors
    # A half-filled period also fails validation above; say what to do about it instead.
    errors |= hour_errors
    if not errors and data is not None:
        try:
            service.update_organization(ctx, org.id, data)
        except (InvalidInput, Conflict) as exc:
            errors = errors_of(exc)
    if errors:
        forms.discard(ctx)
        reject(_org_page(request, ctx, org, values=values_of(form), errors=errors, status_code=422))
    return redirect("/directory/organization", "saved")


@router.post("/organization/holidays", response_class=HTMLResponse)
def add_holiday(request: Request, ctx: ApiContext, form: Form) -> Response:
    org = working_organization(ctx)
    try:
        data = HolidayCreate.model_validate(
            {"date": text(form, "holiday-date"), "name": text(form, "holiday-name")}
        )
        service.add_holiday(ctx, org.id, data)
    except (ValidationError, InvalidInput, Conflict) as exc:
        forms.discard(ctx)
        errors = {
            f"holiday-{k}" if k != forms.FORM_LEVEL else k: v for k, v in errors_of(exc).items()
        }
        page = _org_page(
            request,
            ctx,
            org,
            holiday_values=values_of(form),
            holiday_errors=errors,
            status_code=exc.status if isinstance(exc, Conflict) else 422,
        )
        reject(page)
    return redirect("/directory/organization", "holiday-added")


@router.post("/organization/holidays/{holiday_id}/remove")
def remove_holiday(holiday_id: uuid.UUID, ctx: ApiContext) -> Response:
    org = working_organization(ctx)
    service.remove_holiday(ctx, org.id, holiday_id)
    return redirect("/directory/organization", "holiday-removed")


# --- Locations, practitioners, visit types, roles, devices -----------------------------


def _resource(kind: str) -> Resource:
    found = RESOURCES.get(kind)
    if found is None:
        raise NotFound("Page")
    return found


@router.get("/{kind}", response_class=HTMLResponse)
def list_rows(
    request: Request,
    kind: str,
    ctx: ApiContext,
    q: Annotated[str, Query(max_length=100)] = "",
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> Response:
    resource = _resource(kind)
    org = working_organization(ctx)
    query = {"q": q} if resource.search and q.strip() else {}
    rows, next_cursor = resource.list_rows(
        ctx, organization_id=org.id, active=None, limit=PAGE_SIZE, cursor=cursor, **query
    )
    return render(
        request,
        ctx,
        "directory/list.html",
        nav="directory",
        org=org,
        res=resource,
        rows=rows,
        lookups=resource.lookups(ctx, org.id, rows),
        next_cursor=next_cursor,
        q=q,
    )


def _form_page(
    request: Request,
    ctx: Context,
    resource: Resource,
    org: Organization,
    *,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    row: Any = None,
    status_code: int = 200,
) -> Response:
    editing = row is not None
    fields = resource.form_fields(editing)
    return render(
        request,
        ctx,
        "directory/form.html",
        status_code=status_code,
        nav="directory",
        org=org,
        res=resource,
        row=row,
        fields=fields,
        choices={f.name: f.choices(ctx, org.id) for f in fields if f.kind in ("select", "multi")},
        heading=resource.name_of(row, resource.lookups(ctx, org.id, [row])) if editing else None,
        values=values,
        errors=errors or {},
    )


def _typed(resource: Resource, form: FormData, editing: bool) -> dict[str, Any]:
    values = values_of(form)
    for f in resource.form_fields(editing):
        if f.kind == "multi":
            values[f.name] = [v for v in form.getlist(f.name) if isinstance(v, str)]
    return values


def _payload(
    resource: Resource, form: FormData, editing: bool
) -> tuple[dict[str, Any], dict[str, str]]:
    payload: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for f in resource.form_fields(editing):
        if f.kind == "checkbox":
            payload[f.name] = checked(form, f.name)
        elif f.kind == "multi":
            payload[f.name] = [v for v in form.getlist(f.name) if isinstance(v, str) and v]
        elif f.kind == "list":
            items = [p.strip() for p in (text(form, f.name) or "").split(",") if p.strip()]
            if items or editing:
                payload[f.name] = items
        elif (value := text(form, f.name)) is None:
            if f.required:
                errors[f.name] = "is required"
            elif editing:
                payload[f.name] = None
        else:
            payload[f.name] = value.upper() if f.name == "country" else value
    return payload, errors


def _field_errors(resource: Resource, exc: Exception, editing: bool) -> dict[str, str]:
    """Problems keyed by the form's field names ("specialties-2" belongs to "specialties")."""
    names = {f.name for f in resource.form_fields(editing)}
    found: dict[str, str] = {}
    for key, message in errors_of(exc).items():
        head = key.split("-")[0]
        target = key if key in names else head if head in names else forms.FORM_LEVEL
        found.setdefault(target, message)
    return found


@router.get("/{kind}/new", response_class=HTMLResponse)
def new_row(request: Request, kind: str, ctx: ApiContext) -> Response:
    resource = _resource(kind)
    org = working_organization(ctx)
    ctx.require(WRITE, org.id)
    values: dict[str, Any] = {f.name: f.default for f in resource.form_fields(False)}
    return _form_page(request, ctx, resource, org, values=values)


@router.post("/{kind}/new", response_class=HTMLResponse)
def create_row(request: Request, kind: str, ctx: ApiContext, form: Form) -> Response:
    resource = _resource(kind)
    org = working_organization(ctx)
    ctx.require(WRITE, org.id)
    payload, errors = _payload(resource, form, editing=False)
    payload["organization_id"] = org.id
    status_code = 422
    try:
        data = resource.create_shape.model_validate(payload)
    except ValidationError as exc:
        errors = _field_errors(resource, exc, False) | errors
    if not errors:
        try:
            resource.create(ctx, data)
        except (InvalidInput, Conflict) as exc:
            errors, status_code = _field_errors(resource, exc, False), exc.status
    if errors:
        forms.discard(ctx)
        values = _typed(resource, form, editing=False)
        reject(
            _form_page(
                request, ctx, resource, org, values=values, errors=errors, status_code=status_code
            )
        )
    return redirect(f"/directory/{resource.slug}", "created")


def _stored(resource: Resource, ctx: Context, row: Any) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for f in resource.form_fields(editing=True):
        value = getattr(row, f.name, None)
        if f.kind == "checkbox":
            values[f.name] = "on" if value else ""
        elif f.kind == "list":
            values[f.name] = ", ".join(value or [])
        else:
            values[f.name] = "" if value is None else str(value)
    return values | resource.extra_values(ctx, row)


@router.get("/{kind}/{row_id}", response_class=HTMLResponse)
def edit_row(request: Request, kind: str, row_id: uuid.UUID, ctx: ApiContext) -> Response:
    resource = _resource(kind)
    row = resource.get(ctx, row_id)
    ctx.require(WRITE, row.organization_id)
    org = service.get_organization(ctx, row.organization_id)
    return _form_page(request, ctx, resource, org, values=_stored(resource, ctx, row), row=row)


@router.post("/{kind}/{row_id}", response_class=HTMLResponse)
def update_row(
    request: Request, kind: str, row_id: uuid.UUID, ctx: ApiContext, form: Form
) -> Response:
    resource = _resource(kind)
    row = resource.get(ctx, row_id)
    org_id = row.organization_id
    ctx.require(WRITE, org_id)
    payload, errors = _payload(resource, form, editing=True)
    status_code = 422
    try:
        data = resource.update_shape.model_validate(payload)
    except ValidationError as exc:
        errors = _field_errors(resource, exc, True) | errors
    if not errors:
        try:
            resource.update(ctx, row_id, data)
        except (InvalidInput, Conflict) as exc:
            errors, status_code = _field_errors(resource, exc, True), exc.status
    if errors:
        forms.discard(ctx)
        org = service.get_organization(ctx, org_id)
        values = _typed(resource, form, editing=True)
        page = _form_page(
            request,
            ctx,
            resource,
            org,
            values=values,
            errors=errors,
            row=row,
            status_code=status_code,
        )
        reject(page)
    return redirect(f"/directory/{resource.slug}", "saved")
