"""The openings board, an opening with its ranked candidates, and the assignment plan."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from liaison.auth.dependencies import ApiContext
from liaison.context import Context
from liaison.errors import Conflict, InvalidInput
from liaison.staffing import access
from liaison.staffing.matching import service as matching
from liaison.staffing.openings import service as openings
from liaison.staffing.placements import service as placements
from liaison.staffing.placements.schemas import PlacementCreate
from liaison.web import forms
from liaison.web.pages import redirect, render

router = APIRouter(prefix="/staffing", include_in_schema=False)


@router.get("/openings", response_class=HTMLResponse)
def board(request: Request, ctx: ApiContext) -> Response:
    views, _ = openings.list_openings(ctx, limit=200)
    columns = {
        status: [v for v in views if v.opening.status == status]
        for status in ("open", "filled", "closed")
    }
    return render(
        request,
        ctx,
        "staffing/openings.html",
        nav="staffing",
        section="openings",
        columns=columns,
        can_plan=access.is_staffing_team(ctx.caller),
    )


def _opening_page(
    request: Request,
    ctx: Context,
    opening_id: uuid.UUID,
    *,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    view = openings.get_opening(ctx, opening_id)
    team = access.is_staffing_team(ctx.caller)
    result = matching.match_opening(ctx, opening_id, limit=10) if team else None
    current, _ = placements.list_placements(ctx, opening_id=opening_id, limit=50)
    return render(
        request,
        ctx,
        "staffing/opening.html",
        status_code=status_code,
        nav="staffing",
        section="openings",
        v=view,
        result=result,
        placements=current,
        can_propose=team
        and access.is_staffing_team(ctx.caller, access.WRITE)
        and view.opening.status == "open",
        errors=errors or {},
    )


@router.get("/openings/{opening_id}", response_class=HTMLResponse)
def opening(request: Request, opening_id: uuid.UUID, ctx: ApiContext) -> Response:
    return _opening_page(request, ctx, opening_id)


@router.post("/openings/{opening_id}/propose", response_class=HTMLResponse)
def propose(request: Request, opening_id: uuid.UUID, ctx: ApiContext, form: forms.Form) -> Response:
    try:
        data = PlacementCreate(
            opening_id=opening_id, coordinator_id=forms.text(form, "coordinator_id")
        )  # type: ignore[arg-type]
        view = placements.propose(ctx, data)
    except (InvalidInput, Conflict, ValueError) as exc:
        forms.discard(ctx)
        errors = forms.errors_of(exc) or {forms.FORM_LEVEL: "The proposal was refused"}
        message = "; ".join(errors.values())
        forms.reject(
            _opening_page(
                request,
                ctx,
                opening_id,
                errors={forms.FORM_LEVEL: message},
                status_code=409 if isinstance(exc, Conflict) else 422,
            )
        )
    return redirect(f"/staffing/placements/{view.placement.id}", "proposed")


@router.get("/assignments", response_class=HTMLResponse)
def plan(
    request: Request,
    ctx: ApiContext,
    opening_id: Annotated[list[uuid.UUID] | None, Query(max_length=200)] = None,
) -> Response:
    access.require_team(ctx, access.READ)
    if not opening_id:
        views, _ = openings.list_openings(ctx, status="open", limit=200)
        opening_id = [v.opening.id for v in views]
    result: Any = matching.assignment_plan(ctx, opening_id) if opening_id else None
    return render(
        request, ctx, "staffing/plan.html", nav="staffing", section="openings", plan=result
    )
