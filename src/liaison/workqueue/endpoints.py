"""HTTP edge of the work queue, the inbox and the queue's settings."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, Query, Request, Response

from liaison.audit.trail import PendingAudit
from liaison.auth.dependencies import ApiContext
from liaison.context import Context
from liaison.errors import InvalidInput, NotFound
from liaison.kit.validation import Limit
from liaison.messaging.schemas import CommunicationRead
from liaison.workqueue import admin, inbox, repository, service
from liaison.workqueue.schemas import (
    Assignment,
    BulkAction,
    DepthRow,
    Filed,
    Identify,
    InboundMessage,
    NoteCreate,
    NotificationRead,
    PlaybookRead,
    PlaybookWrite,
    Reply,
    RoutingRuleRead,
    RoutingRuleWrite,
    SavedViewRead,
    SavedViewWrite,
    SlaPolicyRead,
    SlaPolicyWrite,
    Snooze,
    StatusChange,
    Supervision,
    TaskCreate,
    TaskEventRead,
    TaskPage,
    TaskRead,
    TaskUpdate,
    TeamRead,
    TeamWrite,
    TriageDecision,
    Versioned,
)

router = APIRouter(prefix="/api/v1", tags=["work queue"])


def task_data(action: str) -> object:
    """A context whose request leaves one audit row about the task, even on failure."""

    def dependency(request: Request, ctx: ApiContext) -> Context:
        raw = request.path_params.get("task_id")
        ctx.audit_default = PendingAudit(action=action, resource_type="Task", resource_id=raw)
        return ctx

    return Annotated[Context, Depends(dependency)]


Reading = task_data("read")
Writing = task_data("update")


def _if_match(value: str | None) -> int | None:
    if value is None:
        return None
    raw = value.strip().removeprefix("W/").strip('"')
    if not raw.isdigit():
        raise InvalidInput("If-Match", 'must be the task\'s version, e.g. "3"')
    return int(raw)


def _version(body: Versioned | None, header: str | None) -> int | None:
    given = body.version if body is not None else None
    return given if given is not None else _if_match(header)


IfMatch = Annotated[str | None, Header(max_length=40)]


def _read(task: object, response: Response | None = None) -> TaskRead:
    read = TaskRead.model_validate(task)
    if response is not None:
        response.headers["ETag"] = f'"{read.version}"'
    return read


# --- Tasks ------------------------------------------------------------------------------


@router.post("/tasks", response_model=TaskRead, status_code=201)
def create_task(body: TaskCreate, ctx: task_data("create"), response: Response) -> TaskRead:  # type: ignore[valid-type]
    return _read(service.open_task(ctx, body), response)


@router.get("/tasks", response_model=TaskPage)
def list_tasks(
    ctx: Reading,  # type: ignore[valid-type]
    view: Literal["mine", "team", "unassigned", "all"] = "mine",
    organization_id: uuid.UUID | None = None,
    type: Annotated[str | None, Query(max_length=40)] = None,
    priority: Literal["routine", "urgent", "asap", "stat"] | None = None,
    sla: Literal["on-track", "at-risk", "breached"] | None = None,
    patient_id: uuid.UUID | None = None,
    owner_user_id: uuid.UUID | None = None,
    status: Annotated[str, Query(max_length=20)] = "open",
    include_snoozed: bool = False,
    limit: Limit = 50,
    cursor: Annotated[str | None, Query(max_length=400)] = None,
) -> TaskPage:
    """A queue view, most pressing first (priority, then the nearest deadline)."""
    filters = repository.Filters(
        view=view,
        organization_id=organization_id,
        task_type=type,
        priority=priority,
        sla=sla,
        patient_id=patient_id,
        owner_user_id=owner_user_id,
        status=status,
        include_snoozed=include_snoozed,
    )
    items, next_cursor = service.queue(ctx, filters, limit=limit, cursor=cursor)
    return TaskPage(items=[TaskRead.model_validate(t) for t in items], next_cursor=next_cursor)


@router.post("/tasks/bulk", response_model=list[TaskRead])
def bulk(body: BulkAction, ctx: Writing) -> list[TaskRead]:  # type: ignore[valid-type]
    """One action on up to 200 tasks, all or nothing (the problem names the task)."""
    return [_read(t) for t in service.bulk(ctx, body)]


@router.get("/tasks/{task_id}", response_model=TaskRead)
def get_task(task_id: uuid.UUID, ctx: Reading, response: Response) -> TaskRead:  # type: ignore[valid-type]
    return _read(service.get_task(ctx, task_id), response)


@router.patch("/tasks/{task_id}", response_model=TaskRead)
def update_task(
    task_id: uuid.UUID,
    body: TaskUpdate,
    ctx: Writing,  # type: ignore[valid-type]
    response: Response,
    if_match: IfMatch = None,
) -> TaskRead:
    """Edit; send the version you read (body ``version`` or If-Match): 409 if stale."""
    return _read(service.update_task(ctx, task_id, body, _if_match(if_match)), response)


@router.post("/tasks/{task_id}/status", response_model=TaskRead)
def change_status(
    task_id: uuid.UUID,
    body: StatusChange,
    ctx: Writing,  # type: ignore[valid-type]
    response: Response,
    if_match: IfMatch = None,
) -> TaskRead:
    task = service.transition(ctx, task_id, body.status, _version(body, if_match), body.note)
    return _read(task, response)


@router.post("/tasks/{task_id}/claim", response_model=TaskRead)
def claim(task_id: uuid.UUID, ctx: Writing, response: Response) -> TaskRead:  # type: ignore[valid-type]
    """Take an unowned task; 409 if someone else was faster."""
    return _read(service.claim(ctx, task_id), response)


@router.post("/tasks/{task_id}/assign", response_model=TaskRead)
def assign(
    task_id: uuid.UUID,
    body: Assignment,
    ctx: Writing,  # type: ignore[valid-type]
    response: Response,
    if_match: IfMatch = None,
) -> TaskRead:
    task = service.assign(ctx, task_id, body.user_id, _version(body, if_match))
    return _read(task, response)


@router.post("/tasks/{task_id}/snooze", response_model=TaskRead)
def snooze(
    task_id: uuid.UUID,
    body: Snooze,
    ctx: Writing,  # type: ignore[valid-type]
    response: Response,
    if_match: IfMatch = None,
) -> TaskRead:
    return _read(service.snooze(ctx, task_id, body.until, _version(body, if_match)), response)


@router.post("/tasks/{task_id}/notes", response_model=TaskEventRead, status_code=201)
def add_note(task_id: uuid.UUID, body: NoteCreate, ctx: Writing) -> TaskEventRead:  # type: ignore[valid-type]
    return TaskEventRead.model_validate(service.add_note(ctx, task_id, body.text))


@router.get("/tasks/{task_id}/history", response_model=list[TaskEventRead])
def history(task_id: uuid.UUID, ctx: Reading) -> list[TaskEventRead]:  # type: ignore[valid-type]
    task = service.get_task(ctx, task_id)
    return [TaskEventRead.model_validate(e) for e in service.history(ctx, task)]


@router.get("/tasks/{task_id}/messages", response_model=list[CommunicationRead])
def messages(task_id: uuid.UUID, ctx: Reading) -> list[CommunicationRead]:  # type: ignore[valid-type]
    """The conversation: the patient's messages across channels, oldest first."""
    task = service.get_task(ctx, task_id)
    return [CommunicationRead.model_validate(c) for c in inbox.conversation(ctx, task)]


@router.post("/tasks/{task_id}/reply", response_model=TaskRead)
def reply(task_id: uuid.UUID, body: Reply, ctx: Writing) -> TaskRead:  # type: ignore[valid-type]
    """Answer the patient; the first answer records the first response."""
    return _read(inbox.reply(ctx, task_id, body.body, body.channel))


@router.post("/tasks/{task_id}/identify", response_model=TaskRead)
def identify(
    task_id: uuid.UUID,
    body: Identify,
    ctx: Writing,
    if_match: IfMatch = None,  # type: ignore[valid-type]
) -> TaskRead:
    """Name the patient behind an unknown number."""
    return _read(inbox.identify(ctx, task_id, body.patient_id, _version(body, if_match)))


@router.post("/tasks/{task_id}/triage", response_model=TaskRead)
def triage(
    task_id: uuid.UUID,
    body: TriageDecision,
    ctx: Writing,
    if_match: IfMatch = None,  # type: ignore[valid-type]
) -> TaskRead:
    """Confirm or correct the suggested category and urgency (kept for retraining)."""
    task = inbox.confirm_triage(ctx, task_id, body.category, body.urgency, _version(body, if_match))
    return _read(task)


@router.post("/inbox/messages", response_model=Filed, status_code=201)
def inbound(body: InboundMessage, ctx: ApiContext) -> Filed:
    """A patient's message from an integration (portal, email gateway): triaged, then
    filed on the patient's open conversation or a new one."""
    ctx.audit_default = PendingAudit(
        action="create", resource_type="Communication", resource_id=None, patient_id=body.patient_id
    )
    filed = inbox.receive_message(ctx, body)
    return Filed(task=_read(filed.task), created=filed.created, emergency=filed.emergency)


@router.get("/queue/supervision", response_model=Supervision)
def supervision(ctx: ApiContext, organization_id: uuid.UUID | None = None) -> Supervision:
    """Queue depth, breaches and the oldest open item per organization and coordinator."""
    orgs, people = admin.supervision(ctx, organization_id)
    return Supervision(
        organizations=[DepthRow.model_validate(o) for o in orgs],
        coordinators=[DepthRow.model_validate(p) for p in people],
    )


# --- Settings ---------------------------------------------------------------------------


@router.put("/sla-policies", response_model=SlaPolicyRead)
def save_policy(body: SlaPolicyWrite, ctx: ApiContext) -> SlaPolicyRead:
    """Create or replace the targets of one task type (business minutes)."""
    return SlaPolicyRead.model_validate(admin.save_policy(ctx, body))


@router.get("/sla-policies", response_model=list[SlaPolicyRead])
def list_policies(ctx: ApiContext, organization_id: uuid.UUID) -> list[SlaPolicyRead]:
    return [SlaPolicyRead.model_validate(p) for p in admin.policies(ctx, organization_id)]


@router.post("/work-teams", response_model=TeamRead, status_code=201)
def create_team(body: TeamWrite, ctx: ApiContext) -> TeamRead:
    return TeamRead.model_validate(admin.save_team(ctx, body))


@router.put("/work-teams/{team_id}", response_model=TeamRead)
def update_team(team_id: uuid.UUID, body: TeamWrite, ctx: ApiContext) -> TeamRead:
    return TeamRead.model_validate(admin.save_team(ctx, body, team_id))


@router.get("/work-teams", response_model=list[TeamRead])
def list_teams(ctx: ApiContext, organization_id: uuid.UUID) -> list[TeamRead]:
    return [TeamRead.model_validate(t) for t in admin.teams(ctx, organization_id)]


@router.post("/routing-rules", response_model=RoutingRuleRead, status_code=201)
def add_rule(body: RoutingRuleWrite, ctx: ApiContext) -> RoutingRuleRead:
    return RoutingRuleRead.model_validate(admin.add_rule(ctx, body))


@router.get("/routing-rules", response_model=list[RoutingRuleRead])
def list_rules(ctx: ApiContext, organization_id: uuid.UUID) -> list[RoutingRuleRead]:
    return [RoutingRuleRead.model_validate(r) for r in admin.rules_of(ctx, organization_id)]


@router.delete("/routing-rules/{rule_id}", status_code=204)
def delete_rule(rule_id: uuid.UUID, ctx: ApiContext) -> Response:
    admin.delete_rule(ctx, rule_id)
    return Response(status_code=204)


@router.post("/playbooks", response_model=PlaybookRead, status_code=201)
def publish_playbook(body: PlaybookWrite, ctx: ApiContext) -> PlaybookRead:
    """Publish a new version of the organization's operating notes."""
    return PlaybookRead.model_validate(admin.publish_playbook(ctx, body))


@router.get("/playbooks", response_model=list[PlaybookRead])
def playbook_versions(ctx: ApiContext, organization_id: uuid.UUID) -> list[PlaybookRead]:
    return [PlaybookRead.model_validate(p) for p in admin.playbook_versions(ctx, organization_id)]


@router.get("/playbooks/current", response_model=PlaybookRead)
def current_playbook(ctx: ApiContext, organization_id: uuid.UUID) -> PlaybookRead:
    book = admin.playbook(ctx, organization_id)
    if book is None:
        raise NotFound("Playbook", "This organization has no playbook yet")
    return PlaybookRead.model_validate(book)


@router.get("/saved-views", response_model=list[SavedViewRead])
def list_views(ctx: ApiContext) -> list[SavedViewRead]:
    return [SavedViewRead.model_validate(v) for v in admin.views(ctx)]


@router.post("/saved-views", response_model=SavedViewRead, status_code=201)
def save_view(body: SavedViewWrite, ctx: ApiContext) -> SavedViewRead:
    return SavedViewRead.model_validate(admin.save_view(ctx, body))


@router.delete("/saved-views/{view_id}", status_code=204)
def delete_view(view_id: uuid.UUID, ctx: ApiContext) -> Response:
    admin.delete_view(ctx, view_id)
    return Response(status_code=204)


@router.get("/notifications", response_model=list[NotificationRead])
def list_notifications(ctx: ApiContext, unread_only: bool = True) -> list[NotificationRead]:
    return [NotificationRead.model_validate(n) for n in admin.notifications(ctx, unread_only)]


@router.post("/notifications/{notification_id}/read", response_model=NotificationRead)
def mark_read(notification_id: uuid.UUID, ctx: ApiContext) -> NotificationRead:
    return NotificationRead.model_validate(admin.mark_read(ctx, notification_id))
