"""The coordinator directory, a coordinator's profile and their scorecard."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from liaison.auth.dependencies import ApiContext
from liaison.staffing import vocabulary
from liaison.staffing.oversight import service as oversight
from liaison.staffing.profiles import service as profiles
from liaison.staffing.training import service as training
from liaison.web.pages import render
from liaison.web.staffing.accounts import CHARTED
from liaison.web.staffing.common import chart

router = APIRouter(prefix="/staffing/coordinators", include_in_schema=False)
Text = Annotated[str | None, Query(max_length=100)]


@router.get("", response_class=HTMLResponse)
def directory(
    request: Request,
    ctx: ApiContext,
    q: Text = None,
    language: Text = None,
    system: Text = None,
    status: Annotated[str | None, Query(pattern="^(active|inactive)?$")] = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> Response:
    rows, next_cursor = profiles.list_coordinators(
        ctx,
        q=q,
        language=language or None,
        system=system or None,
        status=status or None,
        limit=50,
        cursor=cursor,
    )
    return render(
        request,
        ctx,
        "staffing/coordinators.html",
        nav="staffing",
        section="coordinators",
        rows=rows,
        next_cursor=next_cursor,
        query={
            "q": q or "",
            "language": language or "",
            "system": system or "",
            "status": status or "",
        },
        languages=sorted(vocabulary.LANGUAGE_NAMES.items(), key=lambda kv: kv[1]),
        systems=sorted(vocabulary.SYSTEMS.items(), key=lambda kv: kv[1]),
    )


@router.get("/{coordinator_id}", response_class=HTMLResponse)
def profile(request: Request, coordinator_id: uuid.UUID, ctx: ApiContext) -> Response:
    found = profiles.get_profile(ctx, coordinator_id)
    return render(
        request,
        ctx,
        "staffing/coordinator.html",
        nav="staffing",
        section="coordinators",
        p=found,
        states=profiles.certification_states(found),
        enrollments=training.enrollments(ctx, coordinator_id),
    )


@router.get("/{coordinator_id}/scorecard", response_class=HTMLResponse)
def scorecard(
    request: Request,
    coordinator_id: uuid.UUID,
    ctx: ApiContext,
    weeks: Annotated[int, Query(ge=2, le=26)] = 8,
) -> Response:
    card = oversight.scorecard(ctx, coordinator_id, weeks=weeks)
    return render(
        request,
        ctx,
        "staffing/scorecard.html",
        nav="staffing",
        section="coordinators",
        card=card,
        charts=[(k, chart(k)) for k in card.kpis if k.key in CHARTED],
        unavailable=[k for k in card.kpis if not k.available],
    )
