"""The placement pipeline and one placement with its onboarding checklist."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from liaison.auth.dependencies import ApiContext
from liaison.context import Context
from liaison.errors import Conflict, InvalidInput
from liaison.staffing import access
from liaison.staffing.placements import rules
from liaison.staffing.placements import service as placements
from liaison.staffing.placements.schemas import TransitionRequest
from liaison.web import forms
from liaison.web.pages import redirect, render

router = APIRouter(prefix="/staffing/placements", include_in_schema=False)
STAGES = ("proposed", "onboarding", "active", "ended")
DONE = {
    "proposed": "The placement was proposed; confirm it to start onboarding.",
    "moved": "The placement moved on.",
}
ACTIONS = {
    "onboarding": "Confirm and start onboarding",
    "active": "Go live (grant access)",
    "ended": "End placement",
}


@router.get("", response_class=HTMLResponse)
def pipeline(request: Request, ctx: ApiContext) -> Response:
    views, _ = placements.list_placements(ctx, limit=200)
    columns = {stage: [v for v in views if v.placement.status == stage] for stage in STAGES}
    return render(
        request,
        ctx,
        "staffing/placements.html",
        nav="staffing",
        section="placements",
        columns=columns,
    )


def _page(
    request: Request,
    ctx: Context,
    placement_id: uuid.UUID,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    view = placements.get_placement(ctx, placement_id)
    key = request.query_params.get("done")
    can_move = access.is_staffing_team(ctx.caller, access.WRITE)
    return render(
        request,
        ctx,
        "staffing/placement.html",
        status_code=status_code,
        nav="staffing",
        section="placements",
        v=view,
        next_steps=[(to, ACTIONS[to]) for to in rules.TRANSITIONS[view.placement.status]]
        if can_move
        else [],
        errors={forms.FORM_LEVEL: error} if error else {},
        flashes=[DONE[key]] if key in DONE else [],
    )


@router.get("/{placement_id}", response_class=HTMLResponse)
def placement(request: Request, placement_id: uuid.UUID, ctx: ApiContext) -> Response:
    return _page(request, ctx, placement_id)


@router.post("/{placement_id}/transition", response_class=HTMLResponse)
def transition(
    request: Request, placement_id: uuid.UUID, ctx: ApiContext, form: forms.Form
) -> Response:
    try:
        data = TransitionRequest.model_validate(
            {"to": forms.text(form, "to"), "reason": forms.text(form, "reason")}
        )
        placements.transition(ctx, placement_id, data)
    except (InvalidInput, Conflict, ValueError) as exc:
        forms.discard(ctx)
        message = "; ".join(forms.errors_of(exc).values()) or "The change was refused"
        forms.reject(
            _page(
                request,
                ctx,
                placement_id,
                error=message,
                status_code=409 if isinstance(exc, Conflict) else 422,
            )
        )
    return redirect(f"/staffing/placements/{placement_id}", "moved")
