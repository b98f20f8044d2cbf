"""The inbox: patients' conversations (open inquiry tasks) with the last message of
each, and the thread of the one opened beside the list, with the reply composer."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from liaison.auth.dependencies import ApiContext
from liaison.context import Context
from liaison.directory import service as directory_service
from liaison.errors import InvalidInput
from liaison.kit import clock
from liaison.models import Task
from liaison.web import forms
from liaison.web.pages import redirect, render
from liaison.web.scheduling.common import asks_for
from liaison.web.templating import templates
from liaison.web.workqueue import common
from liaison.web.workqueue.common import Reading
from liaison.workqueue import inbox, repository, service

router = APIRouter(prefix="/inbox", include_in_schema=False)
PAGE_SIZE = 25
THREAD = "thread"
PREVIEW_CHARS = 140


def _view(value: str | None) -> str:
    return value if value in common.VIEW_NAMES else "all"


def _previews(ctx: Context, tasks: list[Task]) -> dict[uuid.UUID, Any]:
    """The last message of each conversation (one small read per conversation),
    audited as one read of messages per organization, naming the patients."""
    by_org: dict[uuid.UUID, list[Task]] = {}
    for task in tasks:
        by_org.setdefault(task.organization_id, []).append(task)
    found = {}
    for org_id, of_org in by_org.items():
        ctx.audit(
            "read",
            "Communication",
            organization_id=org_id,
            purpose="inbox previews",
            patients=sorted({str(t.patient_id) for t in of_org if t.patient_id}),
        )
        for task in of_org:
            last = inbox.conversation(ctx, task, limit=1)
            if last:
                found[task.id] = last[-1]
    return found


def _inbox_page(
    request: Request,
    ctx: Context,
    view: str,
    cursor: str | None,
    opened: uuid.UUID | None,
) -> Response:
    filters = repository.Filters(view=view, task_type="inquiry")
    try:
        tasks, next_cursor = service.queue(ctx, filters, limit=PAGE_SIZE, cursor=cursor)
    except InvalidInput:
        forms.discard(ctx)
        return redirect(f"/inbox?view={view}")
    names = common.names_for(ctx, tasks)
    now = clock.now()
    data: dict[str, Any] = {}
    if opened is not None:
        data = _thread_data(ctx, opened)
    return render(
        request,
        ctx,
        "workqueue/inbox.html",
        nav="inbox",
        subnav="inbox",
        flashes=common.flashes(request),
        view=view,
        views=common.VIEWS,
        tasks=tasks,
        previews=_previews(ctx, tasks),
        badges={t.id: common.sla_badge(t, now) for t in tasks},
        names=names,
        now=now,
        me=ctx.caller.user_id,
        next_cursor=next_cursor,
        cursor=cursor,
        opened=opened,
        preview_chars=PREVIEW_CHARS,
        **data,
    )


def _thread_data(
    ctx: Context,
    task_id: uuid.UUID,
    *,
    sent: bool = False,
    problem: str | None = None,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
) -> dict[str, Any]:
    from liaison.web.workqueue.task import thread_data

    task = service.get_task(ctx, task_id)
    org = directory_service.get_organization(ctx, task.organization_id)
    now = clock.now()
    return {
        "task": task,
        "org": org,
        "badge": common.sla_badge(task, now),
        "sent": sent,
        "problem": problem,
        "values": values or {},
        "errors": errors or {},
        "thread_names": common.Names({org.id: org}, common.staff_names(ctx, org.id), {}),
        **thread_data(ctx, task, org),
    }


def thread_response(
    request: Request,
    ctx: Context,
    task_id: uuid.UUID,
    *,
    sent: bool = False,
    problem: str | None = None,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    """The thread region alone (the composer posted with htmx); after a reply, also
    the conversation's entry in the list, out of band ("not answered" goes away)."""
    data = _thread_data(ctx, task_id, sent=sent, problem=problem, values=values, errors=errors)
    listed: dict[str, Any] = {}
    if sent:
        task = data["task"]
        listed = {
            "listed": True,
            "previews": _previews(ctx, [task]),
            "badges": {task.id: data["badge"]},
            "names": common.names_for(ctx, [task]),
            "me": ctx.caller.user_id,
            "preview_chars": PREVIEW_CHARS,
        }
    return render(
        request,
        ctx,
        "workqueue/inbox.html",
        block="thread",
        status_code=status_code,
        view=_view(request.query_params.get("view")),
        **data,
        **listed,
    )


@router.get("", response_class=HTMLResponse)
def inbox_page(
    request: Request,
    ctx: ApiContext,
    view: Annotated[str | None, Query(max_length=20)] = None,
    cursor: Annotated[str | None, Query(max_length=400)] = None,
) -> Response:
    return _inbox_page(request, ctx, _view(view), cursor, None)


@router.get("/count", response_class=HTMLResponse)
def unread(request: Request, ctx: ApiContext) -> Response:
    """The navigation's badge: conversations nobody has answered yet."""
    count = inbox.unread_count(ctx) if common.workqueue_nav(ctx.caller) else 0
    response = templates.TemplateResponse(request, "workqueue/_count.html", {"count": count})
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/{task_id}", response_class=HTMLResponse)
def thread(
    request: Request,
    task_id: uuid.UUID,
    ctx: Reading,  # type: ignore[valid-type]
    view: Annotated[str | None, Query(max_length=20)] = None,
    cursor: Annotated[str | None, Query(max_length=400)] = None,
) -> Response:
    """One conversation: beside the list, or (htmx) the thread region alone."""
    if asks_for(request, THREAD):
        return thread_response(request, ctx, task_id)
    return _inbox_page(request, ctx, _view(view), cursor, task_id)
