"""The outbox for administrators: what waits to go out, what went, and what failed for
good (dead letters), with a retry for the last. Only the safe detail of a failure is
stored (the gateway's error type and code, never an address or a body), and only that
is shown; payloads are not shown at all (a one-off message's text is in one)."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from liaison.auth.dependencies import ApiContext
from liaison.context import Context
from liaison.errors import Conflict
from liaison.jobs import service as jobs_service
from liaison.web import forms
from liaison.web.forms import reject
from liaison.web.pages import redirect, render, working_organization

router = APIRouter(prefix="/messaging/outbox", include_in_schema=False)

Status = Literal["dead", "pending", "processing", "done", "cancelled"]
STATUSES: list[tuple[Status, str, str]] = [
    ("dead", "Failed for good", "Gave up after every retry. Fix the cause, then retry."),
    ("pending", "Waiting", "Not sent yet: due now, later (a reminder), or after a failed try."),
    ("processing", "Being sent", "Claimed by a worker right now."),
    ("done", "Done", "Handled."),
    ("cancelled", "Cancelled", "No longer needed (the appointment was cancelled)."),
]


def _page(
    request: Request,
    ctx: Context,
    status: Status,
    *,
    problem: str | None = None,
    status_code: int = 200,
) -> Response:
    org = working_organization(ctx)
    rows = jobs_service.list_messages(ctx, status, org.id)
    return render(
        request,
        ctx,
        "messaging/outbox.html",
        status_code=status_code,
        nav="messaging",
        section="outbox",
        org=org,
        status=status,
        statuses=STATUSES,
        rows=rows,
        problem=problem,
    )


@router.get("", response_class=HTMLResponse)
def outbox(
    request: Request, ctx: ApiContext, status: Annotated[Status, Query()] = "dead"
) -> Response:
    return _page(request, ctx, status)


@router.post("/{message_id}/retry")
def retry(request: Request, message_id: uuid.UUID, ctx: ApiContext) -> Response:
    try:
        jobs_service.retry(ctx, message_id)
    except Conflict as exc:
        forms.discard(ctx)
        reject(_page(request, ctx, "dead", problem=exc.detail, status_code=exc.status))
    return redirect("/messaging/outbox?status=dead", "retried")
