"""HTTP edge of the audit trail: search for admins."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict

from liaison.audit import service
from liaison.auth.dependencies import ApiContext
from liaison.authz.permissions import Permission

router = APIRouter(prefix="/api/v1/audit-events", tags=["audit"])


class AuditEventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    seq: int
    occurred_at: datetime
    user_id: uuid.UUID | None
    role: str | None
    organization_id: uuid.UUID | None
    action: str
    resource_type: str
    resource_id: str | None
    patient_id: uuid.UUID | None
    outcome: str
    http_status: int | None
    client_ip: str | None
    request_id: str | None
    details: dict[str, Any]


class AuditPage(BaseModel):
    items: list[AuditEventRead]
    next_cursor: str | None


@router.get("", response_model=AuditPage)
def search_audit(
    ctx: ApiContext,
    since: datetime | None = None,
    until: datetime | None = None,
    user_id: uuid.UUID | None = None,
    patient_id: uuid.UUID | None = None,
    organization_id: uuid.UUID | None = None,
    action: Literal["create", "read", "update", "delete", "execute"] | None = None,
    outcome: Literal["success", "denied", "failed", "error"] | None = None,
    order: Literal["asc", "desc"] = "desc",
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(pattern=r"^\d{1,19}$")] = None,
) -> AuditPage:
    ctx.require(Permission.AUDIT_READ, organization_id)
    rows = service.search(
        ctx.session,
        ctx.caller,
        since=since,
        until=until,
        user_id=user_id,
        patient_id=patient_id,
        organization_id=organization_id,
        action=action,
        outcome=outcome,
        order=order,
        limit=limit,
        after_seq=int(cursor) if cursor else None,
    )
    next_cursor = str(rows[-1].seq) if len(rows) == limit else None
    return AuditPage(
        items=[AuditEventRead.model_validate(r) for r in rows], next_cursor=next_cursor
    )
