"""Staff API for portal proxies: grant, list and revoke (``liaison.portal.proxies``).

Every request leaves one audit row about the patient."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter
from pydantic import StringConstraints

from liaison.auth.dependencies import patient_data
from liaison.kit.validation import ReadShape, Shape
from liaison.portal import proxies

api_router = APIRouter(prefix="/api/v1/patients", tags=["portal"])

Reading = patient_data("read")
Creating = patient_data("create")
Updating = patient_data("update")
Relationship = Literal["parent", "guardian", "caregiver", "spouse", "other"]


class ProxyCreate(Shape):
    """The person is named by the phone number or e-mail address they sign in to the
    portal with (exactly one); an account is made for it if there is none yet."""

    relationship: Relationship
    scope: Literal["read", "manage"] = "manage"
    phone: Annotated[str, StringConstraints(min_length=3, max_length=30)] | None = None
    email: Annotated[str, StringConstraints(min_length=3, max_length=254)] | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    display_name: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None


class ProxyRead(ReadShape):
    id: uuid.UUID
    organization_id: uuid.UUID
    patient_id: uuid.UUID
    proxy_user_id: uuid.UUID
    relationship: str
    scope: str
    starts_on: date
    ends_on: date | None
    revoked_at: datetime | None
    created_at: datetime
    created_by_user_id: uuid.UUID | None
    # How the proxy signs in, as much as may be shown: "sms", "•••• 1234".
    channel: str | None
    hint: str | None
    active: bool


def _read(view: proxies.ProxyView) -> ProxyRead:
    p = view.proxy
    return ProxyRead(
        id=p.id,
        organization_id=p.organization_id,
        patient_id=p.patient_id,
        proxy_user_id=p.proxy_user_id,
        relationship=p.relationship,
        scope=p.scope,
        starts_on=p.starts_on,
        ends_on=p.ends_on,
        revoked_at=p.revoked_at,
        created_at=p.created_at,
        created_by_user_id=p.created_by_user_id,
        channel=view.channel,
        hint=view.hint,
        active=view.active,
    )


@api_router.post("/{patient_id}/proxies", response_model=ProxyRead, status_code=201)
def grant_proxy(patient_id: uuid.UUID, body: ProxyCreate, ctx: Creating) -> ProxyRead:
    """Give someone portal access to this patient's visits and messages."""
    grant = proxies.Grant(**body.model_dump())
    return _read(proxies.grant(ctx, patient_id, grant))


@api_router.get("/{patient_id}/proxies", response_model=list[ProxyRead])
def list_proxies(patient_id: uuid.UUID, ctx: Reading) -> list[ProxyRead]:
    """Everyone given portal access to this patient, newest first (ended ones too)."""
    return [_read(v) for v in proxies.list_for(ctx, patient_id)]


@api_router.post("/{patient_id}/proxies/{proxy_id}/revoke", response_model=ProxyRead)
def revoke_proxy(
    patient_id: uuid.UUID,
    proxy_id: uuid.UUID,
    ctx: Updating,
) -> ProxyRead:
    """End a proxy's access now (idempotent)."""
    return _read(proxies.revoke(ctx, patient_id, proxy_id))
