"""Patient pages: search, the record, create (with the duplicate warning) and edit."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from liaison.auth.dependencies import ApiContext, patient_data
from liaison.authz.permissions import Permission
from liaison.context import Context
from liaison.directory import service as directory_service
from liaison.errors import Conflict, InvalidInput
from liaison.models import Organization
from liaison.patients import service
from liaison.patients.schemas import ConsentIn, PatientCreate, PatientUpdate
from liaison.users import service as users_service
from liaison.web import forms
from liaison.web.forms import Form, checked, errors_of, reject, renumber, text, values_of
from liaison.web.pages import redirect, render, working_organization

router = APIRouter(prefix="/patients", include_in_schema=False)

Reading = patient_data("read")
Creating = patient_data("create")
Updating = patient_data("update")

PAGE_SIZE = 25
# The form shows three phone rows, more when the record has more, up to the API's limit:
# an edit must never drop a number the form had no row for.
PHONE_ROWS, MAX_PHONES = 3, 5
SEXES = [("female", "Female"), ("male", "Male"), ("other", "Other"), ("unknown", "Unknown")]
PHONE_USES = [("mobile", "Mobile"), ("home", "Home"), ("work", "Work")]
CHANNELS = [
    ("sms", "Text message (SMS)"),
    ("email", "E-mail"),
    ("voice", "Phone call"),
    ("portal", "Patient portal"),
]
CONSENT_METHODS = [
    ("verbal", "Verbal"),
    ("written", "Written"),
    ("portal", "Portal"),
    ("sms-keyword", "SMS keyword"),
    ("email", "E-mail"),
    ("import", "Imported"),
]
OPTIONAL_TEXT = (
    "middle_name",
    "preferred_name",
    "gender_identity",
    "email",
    "line1",
    "line2",
    "city",
    "state",
    "postal_code",
    "country",
)
REQUIRED = ("given_name", "family_name", "birth_date", "administrative_sex", "preferred_language")
SEARCH_LABELS = {"q": "The search text", "cursor": "The page link", "phone": "The phone number"}


def _choices() -> dict[str, Any]:
    return {
        "sexes": SEXES,
        "phone_uses": PHONE_USES,
        "channels": CHANNELS,
        "consent_methods": CONSENT_METHODS,
    }


# --- Search ---------------------------------------------------------------------------


@router.get("", response_class=HTMLResponse)
def search(
    request: Request,
    ctx: ApiContext,
    q: Annotated[str, Query(max_length=200)] = "",
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> Response:
    org = working_organization(ctx)
    # htmx asks for the results region only; a reload or a shared link gets the page.
    block = "results" if request.headers.get("hx-target") == "results" else None
    data: dict[str, Any] = {
        "nav": "patients",
        "q": q,
        "org": org,
        "patients": [],
        "phones": {},
        "next_cursor": None,
        "error": None,
        "searched": bool(q.strip()),
    }
    if q.strip():
        try:
            patients, phones, next_cursor = service.search_patients(
                ctx, q=q, organization_id=org.id, limit=PAGE_SIZE, cursor=cursor
            )
        except InvalidInput as exc:
            problem = exc.problems[0]
            data["error"] = (SEARCH_LABELS.get(problem.field, "The search"), problem.message)
            reject(
                render(request, ctx, "patients/search.html", block=block, status_code=422, **data)
            )
        data.update(patients=patients, phones=phones, next_cursor=next_cursor)
    return render(request, ctx, "patients/search.html", block=block, **data)


# --- The record -----------------------------------------------------------------------


def _user_names(ctx: Context, organization_id: uuid.UUID) -> dict[uuid.UUID, str]:
    if not ctx.caller.can(Permission.USER_READ, organization_id):
        return {}
    return {u.id: u.display_name for u, _ in users_service.list_users(ctx, organization_id)}


def _record_page(
    request: Request,
    ctx: Context,
    record: service.PatientRecord,
    *,
    consent_values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    patient = record.patient
    org = directory_service.get_organization(ctx, patient.organization_id)
    practitioner = (
        directory_service.get_practitioner(ctx, patient.preferred_practitioner_id)
        if patient.preferred_practitioner_id
        else None
    )
    org_id = patient.organization_id
    return render(
        request,
        ctx,
        "patients/record.html",
        status_code=status_code,
        nav="patients",
        record=record,
        can_read_appointments=ctx.caller.can(Permission.APPOINTMENT_READ, org_id),
        can_book=ctx.caller.can(Permission.APPOINTMENT_WRITE, org_id),
        patient=patient,
        org=org,
        practitioner=practitioner,
        user_names=_user_names(ctx, patient.organization_id),
        consents={c.channel: c for c in record.consents},
        values=consent_values or {"given_by": "patient", "method": "verbal"},
        errors=errors or {},
        can_write=ctx.caller.can(Permission.PATIENT_WRITE, patient.organization_id),
        **_choices(),
    )


@router.get("/new", response_class=HTMLResponse)
def new_patient(request: Request, ctx: ApiContext) -> Response:
    org = working_organization(ctx)
    ctx.require(Permission.PATIENT_WRITE, org.id)
    values = {"preferred_language": "en", "consent_given_by": "patient", "consent_method": "verbal"}
    return _form_page(request, ctx, org, values=values)


@router.get("/{patient_id}", response_class=HTMLResponse)
def patient_record(request: Request, patient_id: uuid.UUID, ctx: Reading) -> Response:
    return _record_page(request, ctx, service.get_patient(ctx, patient_id))


@router.post("/{patient_id}/consents")
def record_consent(request: Request, patient_id: uuid.UUID, ctx: Updating, form: Form) -> Response:
    try:
        data = ConsentIn.model_validate(
            {
                "channel": text(form, "channel"),
                "status": text(form, "status"),
                "given_by": text(form, "given_by") or "patient",
                "method": text(form, "method") or "verbal",
            }
        )
        service.record_consent(ctx, patient_id, data)
    except (ValidationError, InvalidInput) as exc:
        forms.discard(ctx)
        page = _record_page(
            request,
            ctx,
            service.get_patient(ctx, patient_id),
            consent_values=values_of(form),
            errors=errors_of(exc),
            status_code=422,
        )
        reject(page)
    return redirect(f"/patients/{patient_id}", "consent")


# --- Create and edit ------------------------------------------------------------------


def _practitioners(ctx: Context, organization_id: uuid.UUID) -> list[tuple[str, str]]:
    # Inactive ones too: a patient may still name one, and the edit form must not drop it.
    rows, _ = directory_service.list_practitioners(
        ctx, organization_id=organization_id, active=None, limit=200
    )
    return [(str(p.id), p.display_name + ("" if p.active else " (inactive)")) for p in rows]


def _form_page(
    request: Request,
    ctx: Context,
    org: Organization,
    *,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    candidates: list[dict[str, Any]] | None = None,
    patient: Any = None,
    stale: str | None = None,
    status_code: int = 200,
) -> Response:
    filled = [i for i in range(MAX_PHONES) if values.get(f"phones-{i}-value")]
    return render(
        request,
        ctx,
        "patients/form.html",
        phone_rows=max(PHONE_ROWS, filled[-1] + 1 if filled else 0),
        status_code=status_code,
        nav="patients",
        org=org,
        values=values,
        errors=errors or {},
        candidates=candidates or [],
        patient=patient,
        stale=stale,
        practitioners=_practitioners(ctx, org.id),
        **_choices(),
    )


def _payload(form: FormData, *, editing: bool) -> tuple[dict[str, Any], dict[str, str], list[int]]:
    """The form as the service's input, and the problems found before validation."""
    payload: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name in REQUIRED:
        value = text(form, name)
        if value is None:
            errors[name] = "is required"
        else:
            payload[name] = value
    for name in OPTIONAL_TEXT:
        value = text(form, name)
        if name == "country" and value:
            value = value.upper()
        # Editing: a cleared field clears the stored value; creating: it is left out.
        if value is not None or editing:
            payload[name] = value
    mrn = text(form, "mrn")
    if mrn is not None:
        payload["mrn"] = mrn
    elif editing:
        errors["mrn"] = "is required"
    practitioner = text(form, "preferred_practitioner_id")
    if practitioner is not None or editing:
        payload["preferred_practitioner_id"] = practitioner
    phones, origin = forms.rows(form, "phones", MAX_PHONES, ("use", "value"), keep_if=("value",))
    payload["phones"] = [{"use": p["use"] or "mobile", "value": p["value"]} for p in phones]
    return payload, errors, origin


def _consents(form: FormData) -> list[dict[str, Any]]:
    given_by = text(form, "consent_given_by") or "patient"
    method = text(form, "consent_method") or "verbal"
    return [
        {"channel": channel, "status": status, "given_by": given_by, "method": method}
        for channel, _ in CHANNELS
        if (status := text(form, f"consent-{channel}")) in ("granted", "revoked")
    ]


def _form_errors(exc: Exception, origin: list[int]) -> dict[str, str]:
    errors = renumber(errors_of(exc), "phones", origin)
    # One "given by" and one "method" apply to every channel's decision.
    for key in [k for k in errors if k.startswith("consents-")]:
        message = errors.pop(key)
        field = key.rsplit("-", 1)[-1]
        target = {"given_by": "consent_given_by", "method": "consent_method"}.get(field)
        errors[target or forms.FORM_LEVEL] = message
    return errors


@router.post("/new", response_class=HTMLResponse)
def create_patient(request: Request, ctx: Creating, form: Form) -> Response:
    org = working_organization(ctx)
    values = values_of(form)
    payload, errors, origin = _payload(form, editing=False)
    payload.update(
        organization_id=org.id,
        consents=_consents(form),
        confirm_not_duplicate=checked(form, "confirm_not_duplicate"),
    )
    try:
        data = PatientCreate.model_validate(payload)
    except ValidationError as exc:
        errors = _form_errors(exc, origin) | errors
    if errors:
        reject(_form_page(request, ctx, org, values=values, errors=errors, status_code=422))
    try:
        record = service.create_patient(ctx, data)
    except service.LikelyDuplicate as exc:
        # Nothing was stored: the person at the desk reviews the matches and confirms.
        values.pop("confirm_not_duplicate", None)
        page = _form_page(
            request,
            ctx,
            org,
            values=values,
            candidates=exc.extensions["candidates"],
            status_code=409,
        )
        reject(page)
    except (InvalidInput, Conflict) as exc:
        forms.discard(ctx)
        page = _form_page(
            request,
            ctx,
            org,
            values=values,
            errors=_form_errors(exc, origin),
            status_code=exc.status,
        )
        reject(page)
    return redirect(f"/patients/{record.patient.id}", "patient-created")


def _stored_values(record: service.PatientRecord) -> dict[str, Any]:
    patient = record.patient
    values: dict[str, Any] = {
        name: getattr(patient, name) or "" for name in (*REQUIRED, *OPTIONAL_TEXT, "mrn")
    }
    values["birth_date"] = patient.birth_date.isoformat()
    values["preferred_practitioner_id"] = str(patient.preferred_practitioner_id or "")
    values["version"] = str(patient.version)
    values["active"] = "on" if patient.active else ""
    for i, phone in enumerate(record.phones[:MAX_PHONES]):
        values[f"phones-{i}-use"] = phone.use
        values[f"phones-{i}-value"] = phone.value
    return values


@router.get("/{patient_id}/edit", response_class=HTMLResponse)
def edit_patient(request: Request, patient_id: uuid.UUID, ctx: Reading) -> Response:
    record = service.get_patient(ctx, patient_id)
    ctx.require(Permission.PATIENT_WRITE, record.patient.organization_id)
    org = directory_service.get_organization(ctx, record.patient.organization_id)
    return _form_page(request, ctx, org, values=_stored_values(record), patient=record.patient)


@router.post("/{patient_id}/edit", response_class=HTMLResponse)
def update_patient(request: Request, patient_id: uuid.UUID, ctx: Updating, form: Form) -> Response:
    values = values_of(form)
    payload, errors, origin = _payload(form, editing=True)
    version = text(form, "version")
    payload.update(active=checked(form, "active"), version=version)
    data = None
    try:
        data = PatientUpdate.model_validate(payload)
    except ValidationError as exc:
        errors = _form_errors(exc, origin) | errors
    stale, status_code = None, 422
    if not errors and data is not None:
        try:
            service.update_patient(ctx, patient_id, data)
        except Conflict as exc:
            status_code = exc.status
            errors = errors_of(exc)
            # A conflict that names no field is the stale version (or a lost race).
            if forms.FORM_LEVEL in errors:
                stale, errors = exc.detail, {}
        except InvalidInput as exc:
            errors = _form_errors(exc, origin)
    if errors or stale:
        forms.discard(ctx)
        record = service.get_patient(ctx, patient_id)
        org = directory_service.get_organization(ctx, record.patient.organization_id)
        page = _form_page(
            request,
            ctx,
            org,
            values=values,
            errors=errors,
            patient=record.patient,
            stale=stale,
            status_code=status_code,
        )
        reject(page)
    return redirect(f"/patients/{patient_id}", "saved")
