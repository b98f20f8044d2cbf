"""The staffing overview and account health, with trend charts and the weekly report."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from liaison.auth.dependencies import ApiContext
from liaison.staffing import access
from liaison.staffing.oversight import coaching
from liaison.staffing.oversight import service as oversight
from liaison.web import forms
from liaison.web.pages import redirect, render, working_organization
from liaison.web.staffing.common import chart

router = APIRouter(prefix="/staffing", include_in_schema=False)
CHARTED = ("bookings", "noshow_rate", "scheduling_accuracy", "quality", "satisfaction", "activity")
DONE = {
    "coaching": "Coaching thresholds were evaluated.",
    "closed": "The coaching task was closed.",
}


def done_message(request: Request) -> list[str]:
    key = request.query_params.get("done")
    return [DONE[key]] if key in DONE else []


@router.get("", response_class=HTMLResponse)
def overview(request: Request, ctx: ApiContext) -> Response:
    principal = ctx.caller
    if not access.is_staffing_team(principal):
        if principal.can(access.READ):
            return redirect(f"/staffing/accounts/{working_organization(ctx).id}")
        return redirect("/staffing/learn")
    return render(
        request,
        ctx,
        "staffing/index.html",
        nav="staffing",
        section="accounts",
        accounts=oversight.accounts(ctx),
        tasks=coaching.coaching_tasks(ctx, "open"),
        flashes=done_message(request),
    )


@router.get("/accounts/{organization_id}", response_class=HTMLResponse)
def account(request: Request, organization_id: uuid.UUID, ctx: ApiContext) -> Response:
    health = oversight.account_health(ctx, organization_id)
    charts = [(k, chart(k)) for k in health.kpis if k.key in CHARTED]
    return render(
        request,
        ctx,
        "staffing/account.html",
        nav="staffing",
        section="accounts",
        h=health,
        charts=charts,
        unavailable=[k for k in health.kpis if not k.available],
        last_week=health.weeks[-2] if len(health.weeks) > 1 else health.weeks[-1],
        can_coach=access.is_staffing_team(ctx.caller, access.WRITE),
    )


@router.post("/coaching/evaluate", response_class=HTMLResponse)
def evaluate(request: Request, ctx: ApiContext) -> Response:
    coaching.evaluate_coaching(ctx)
    return redirect("/staffing", "coaching")


@router.post("/coaching/{task_id}/close", response_class=HTMLResponse)
def close_task(request: Request, task_id: uuid.UUID, ctx: ApiContext, form: forms.Form) -> Response:
    note = forms.text(form, "note") or "Coached."
    coaching.close_coaching_task(ctx, task_id, note[:500])
    return redirect("/staffing", "closed")
