"""The queue: tasks most pressing first, filtered by view tabs and selects carried in
the query string (a filter is a link), saved views, "more" paging, and bulk actions.
The keyboard shortcuts (app.js) press the buttons each row shows."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlparse

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from liaison.auth.dependencies import ApiContext
from liaison.context import Context
from liaison.errors import Conflict, InvalidInput, LiaisonError, NotFound
from liaison.kit import clock
from liaison.models import Organization, Task
from liaison.web import forms
from liaison.web.forms import Form, errors_of, reject, text
from liaison.web.pages import redirect, render
from liaison.web.scheduling.common import asks_for
from liaison.web.workqueue import common
from liaison.web.workqueue.common import READ, WRITE
from liaison.workqueue import admin, repository, rules, service
from liaison.workqueue.schemas import BulkAction, SavedViewWrite

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
MORE = "queue-rows"


@dataclass(frozen=True)
class QueueQuery:
    """The queue's filters as the query string carries them. Unknown values are
    ignored rather than refused: a filter link from an old bookmark still opens."""

    view: str = "mine"
    organization_id: uuid.UUID | None = None
    type: str | None = None
    priority: str | None = None
    sla: str | None = None
    owner: uuid.UUID | None = None

    @classmethod
    def parse(cls, params: Mapping[str, Any], default_view: str = "mine") -> QueueQuery:
        def one(name: str) -> str | None:
            value = params.get(name)
            return value.strip() or None if isinstance(value, str) else None

        view = one("view")
        kind = one("type")
        priority = one("priority")
        level = one("sla")
        return cls(
            view=view if view in common.VIEW_NAMES else default_view,
            organization_id=common.parse_uuid(one("organization_id")),
            type=kind if kind in rules.TYPE_LABELS else None,
            priority=priority if priority in common.PRIORITY_LABELS else None,
            sla=level if level in common.SLA_LABELS else None,
            owner=common.parse_uuid(one("owner")),
        )

    @classmethod
    def of_saved(cls, filters: Mapping[str, Any]) -> QueueQuery:
        return cls.parse({**filters, "type": filters.get("task_type")})

    def filters(self, **more: Any) -> repository.Filters:
        return repository.Filters(
            view=self.view,
            organization_id=self.organization_id,
            task_type=self.type,
            priority=self.priority,
            sla=self.sla,
            owner_user_id=self.owner,
            **more,
        )

    def params(self, **changes: Any) -> dict[str, Any]:
        values = {
            "view": self.view,
            "organization_id": self.organization_id,
            "type": self.type,
            "priority": self.priority,
            "sla": self.sla,
            "owner": self.owner,
        }
        values.update(changes)
        return {k: str(v) for k, v in values.items() if v not in (None, "")}

    def url(self, path: str = "/queue", **changes: Any) -> str:
        return path + common.query_string(self.params(**changes))

    @property
    def narrowed(self) -> bool:
        return any((self.organization_id, self.type, self.priority, self.sla, self.owner))

    def matches(self, filters: Mapping[str, Any]) -> bool:
        return QueueQuery.of_saved(filters) == replace(self, owner=None)


def row_context(ctx: Context, tasks: list[Task], back: str) -> dict[str, Any]:
    """What a task row needs to render: names, the clock, what the caller may do."""
    me = ctx.caller.user_id
    names = common.names_for(ctx, tasks)
    return {
        "names": names,
        # The organization column only for people who work for several.
        "show_org": sum(1 for o in names.organizations if ctx.caller.can(READ, o)) > 1,
        "now": clock.now(),
        "me": me,
        "writable": {t.organization_id for t in tasks if ctx.caller.can(WRITE, t.organization_id)},
        "badges": {t.id: common.sla_badge(t, clock.now()) for t in tasks},
        "back": back,
    }


def _queue_page(
    request: Request,
    ctx: Context,
    query: QueueQuery,
    cursor: str | None = None,
    *,
    problem: str | None = None,
    status_code: int = 200,
) -> Response:
    tasks, next_cursor = service.queue(ctx, query.filters(), limit=PAGE_SIZE, cursor=cursor)
    back = query.url() if cursor is None else query.url(cursor=cursor)
    data = row_context(ctx, tasks, back)
    readable = [o for o in data["names"].organizations.values() if ctx.caller.can(READ, o.id)]
    more_url = query.url(cursor=next_cursor) if next_cursor else None
    if cursor and asks_for(request, MORE):
        return render(
            request,
            ctx,
            "workqueue/queue.html",
            block="more",
            partial=True,
            tasks=tasks,
            more_url=more_url,
            query=query,
            **data,
        )
    saved = admin.views(ctx)
    alerts = admin.notifications(ctx, unread_only=True, limit=10)
    owner_name = data["names"].person(query.owner, None) if query.owner else None
    return render(
        request,
        ctx,
        "workqueue/queue.html",
        status_code=status_code,
        nav="queue",
        subnav="queue",
        flashes=common.flashes(request),
        query=query,
        cursor=cursor,
        tasks=tasks,
        more_url=more_url,
        organizations=sorted(readable, key=lambda o: o.name),
        views=common.VIEWS,
        types=sorted(rules.TYPE_LABELS.items(), key=lambda kv: kv[1]),
        priorities=common.PRIORITIES,
        sla_filters=common.SLA_FILTERS,
        saved=saved,
        saved_active=next((v.id for v in saved if query.matches(v.filters)), None),
        owner_name=owner_name,
        snooze_presets=common.SNOOZE_PRESETS,
        can_manage=ctx.caller.can(common.MANAGE),
        can_write_any=ctx.caller.can(WRITE),
        problem=problem,
        alerts=alerts,
        **data,
    )


@router.get("/queue", response_class=HTMLResponse)
def queue_page(
    request: Request,
    ctx: ApiContext,
    cursor: Annotated[str | None, Query(max_length=400)] = None,
) -> Response:
    query = QueueQuery.parse(request.query_params)
    try:
        return _queue_page(request, ctx, query, cursor)
    except InvalidInput as exc:
        if exc.problems[0].field != "cursor":
            raise
        forms.discard(ctx)
        if asks_for(request, MORE):
            # htmx would follow a redirect and append a whole page to the table.
            return render(
                request,
                ctx,
                "workqueue/queue.html",
                block="more",
                partial=True,
                tasks=[],
                more_url=None,
                more_problem=query.url(),
                query=query,
            )
        # A page link from before the queue changed shape: start again from the top.
        return redirect(query.url())


@router.post("/queue/alerts/{notification_id}/read")
def alert_read(request: Request, notification_id: uuid.UUID, ctx: ApiContext) -> Response:
    """Dismiss an alert (a breach or an emergency on the caller's team)."""
    admin.mark_read(ctx, notification_id)
    return redirect("/queue")


# --- Saved views ----------------------------------------------------------------------


@router.post("/queue/views")
def save_view(request: Request, ctx: ApiContext, form: Form) -> Response:
    query = QueueQuery.parse(form)
    back = query.url()
    try:
        data = SavedViewWrite.model_validate(
            {
                "name": text(form, "name") or "",
                "view": query.view,
                "organization_id": query.organization_id,
                "task_type": query.type,
                "priority": query.priority,
                "sla": query.sla,
            }
        )
        admin.save_view(ctx, data)
    except (ValidationError, LiaisonError) as exc:
        forms.discard(ctx)
        found = errors_of(exc)
        message = found.get("name") or next(iter(found.values()), "could not be saved")
        problem = common.sentence("The view's name", message)
        reject(_queue_page(request, ctx, query, problem=problem, status_code=422))
    return redirect(back, "view-saved")


@router.post("/queue/views/{view_id}/delete")
def delete_view(request: Request, view_id: uuid.UUID, ctx: ApiContext, form: Form) -> Response:
    admin.delete_view(ctx, view_id)
    return redirect(common.safe_next(text(form, "next")), "view-deleted")


# --- Bulk actions ---------------------------------------------------------------------


def _back_query(target: str) -> tuple[QueueQuery, str]:
    back = common.safe_next(target)
    params = dict(parse_qsl(urlparse(back).query))
    params.pop("cursor", None)
    query = QueueQuery.parse(params)
    return query, query.url()


@router.post("/queue/bulk")
def bulk(request: Request, ctx: ApiContext, form: Form) -> Response:
    """One action on the ticked tasks, all or nothing (service.bulk)."""
    query, back = _back_query(text(form, "next") or "/queue")
    action = text(form, "action") or ""
    ids = [v for v in form.getlist("task_ids") if isinstance(v, str) and v]
    try:
        if not ids:
            raise InvalidInput("task_ids", "Tick at least one task first")
        payload: dict[str, Any] = {"task_ids": ids, "action": action}
        if action == "priority":
            payload["priority"] = text(form, "priority")
        if action == "snooze":
            first = service.get_task(ctx, uuid.UUID(ids[0]))
            org = ctx.session.get(Organization, first.organization_id)
            if org is None:
                raise NotFound("Organization")
            payload["until"] = common.snooze_until(ctx, org, text(form, "preset"), None)
        service.bulk(ctx, BulkAction.model_validate(payload))
    except (ValidationError, ValueError, Conflict, InvalidInput, NotFound) as exc:
        forms.discard(ctx)
        reject(_queue_page(request, ctx, query, problem=_bulk_problem(exc, ids), status_code=409))
    return redirect(back, "bulk")


def _bulk_problem(exc: Exception, ids: list[str]) -> str:
    """Which task refused, by its position in the list ticked."""
    if isinstance(exc, ValidationError):
        fields = {str(e["loc"][0]) for e in exc.errors() if e["loc"]}
        if "priority" in fields:
            return "Choose the priority to set."
        if "task_ids" in fields:
            return "Tick at most 200 tasks at a time."
        return "Choose one of the actions offered."
    if isinstance(exc, ValueError) and not isinstance(exc, LiaisonError):
        return "A ticked task is not one of yours to change."
    detail = exc.detail if isinstance(exc, LiaisonError) else str(exc)
    if detail.startswith("task_ids["):
        index, _, rest = detail.partition("]: ")
        try:
            number = int(index.removeprefix("task_ids[")) + 1
        except ValueError:
            number = 0
        if number:
            return f"Nothing was changed: ticked task {number} of {len(ids)} refused: {rest}."
    return f"Nothing was changed: {common.sentence('The action', detail)}."
