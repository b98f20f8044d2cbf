"""Staff API for the visit question flow: read the published versions and publish a new
one (queue managers and directory editors). Mounted under /api/v1 by
``liaison.portal.api_routers``."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from fastapi import APIRouter

from liaison.auth.dependencies import ApiContext
from liaison.kit.validation import ReadShape, Shape
from liaison.portal import flows

api_router = APIRouter(prefix="/api/v1", tags=["portal"])


class FlowCreate(Shape):
    # Checked node by node by flows.problems (422 naming the path of the bad node).
    tree: dict[str, Any]


class FlowRead(ReadShape):
    id: uuid.UUID
    organization_id: uuid.UUID
    version: int
    tree: dict[str, Any]
    created_at: datetime
    created_by_user_id: uuid.UUID | None


@api_router.get("/organizations/{organization_id}/visit-flows", response_model=list[FlowRead])
def list_flows(organization_id: uuid.UUID, ctx: ApiContext) -> list[FlowRead]:
    """Every published version of the organization's question flow, newest first."""
    return [FlowRead.model_validate(f) for f in flows.list_versions(ctx, organization_id)]


@api_router.get("/organizations/{organization_id}/visit-flows/current", response_model=FlowRead)
def current_flow(organization_id: uuid.UUID, ctx: ApiContext) -> FlowRead:
    """The version patients walk through now (404 when none is published)."""
    return FlowRead.model_validate(flows.published(ctx, organization_id))


@api_router.post(
    "/organizations/{organization_id}/visit-flows",
    response_model=FlowRead,
    status_code=201,
    responses={422: {"description": "The tree has problems; each names the path of its node"}},
)
def publish_flow(organization_id: uuid.UUID, body: FlowCreate, ctx: ApiContext) -> FlowRead:
    """Publish a new version: every leaf names an active visit type patients may book,
    at most five questions deep, every question and answer in English and Spanish."""
    return FlowRead.model_validate(flows.publish(ctx, organization_id, body.tree))
