"""Tasks: opening (with deadlines and routing), the queue, claiming, status, history.

Every change to a task bumps its ``version`` (the ORM's version counter): an edit that
names an older version is refused with 409, and two writers who read the same version
cannot both win. Claiming is one conditional UPDATE, so of two coordinators claiming the
same task at the same moment exactly one gets it.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm.exc import StaleDataError

from liaison.authz.access import access_one, referenced
from liaison.authz.permissions import Permission
from liaison.authz.principal import Principal
from liaison.authz.scope import scoped, unscoped_system
from liaison.context import Context
from liaison.errors import Conflict, InvalidInput, NotFound
from liaison.kit import clock
from liaison.kit.keyset import page_of, paginate
from liaison.models import (
    Membership,
    Organization,
    Patient,
    StaffNotification,
    Task,
    TaskEvent,
    WorkTeam,
)
from liaison.models.workqueue import OPEN_STATUSES
from liaison.workqueue import repository, rules, sla

READ, WRITE = Permission.TASK_READ, Permission.TASK_WRITE
SYSTEM = "the worker escalates breached tasks of every organization"
FOCUS_TYPES = ("Appointment", "Communication", "WaitlistEntry", "Patient", "ServiceRequest")


# --- Opening a task -------------------------------------------------------------------


@dataclass
class NewTask:
    """Everything a task can be opened with (the API's TaskCreate, or a domain event)."""

    organization_id: uuid.UUID
    type: str
    title: str
    description: str = ""
    priority: str = "routine"
    patient_id: uuid.UUID | None = None
    focus_type: str | None = None
    focus_id: uuid.UUID | None = None
    owner_user_id: uuid.UUID | None = None
    team_id: uuid.UUID | None = None
    language: str | None = None
    skill: str | None = None
    checklist: list[dict[str, Any]] = field(default_factory=list)
    contact: str | None = None
    category: str | None = None
    urgency: str | None = None
    triage_reason: str | None = None
    source: str = "manual"
    route: bool = True


def open_task(ctx: Context, data: Any) -> Task:
    """A person (or an integration) opens a task through the API or the UI."""
    audit = ctx.audit(
        "create", "Task", patient_id=data.patient_id, organization_id=data.organization_id
    )
    principal = ctx.require(WRITE, data.organization_id)
    org = data.organization_id
    if data.patient_id is not None:
        referenced(
            ctx.session,
            principal,
            Patient,
            org,
            data.patient_id,
            Permission.PATIENT_READ,
            "patient_id",
        )
    if data.team_id is not None:
        referenced(ctx.session, principal, WorkTeam, org, data.team_id, READ, "team_id")
    if data.owner_user_id is not None:
        _check_assignee(ctx, org, data.owner_user_id, "owner_user_id")
    if (data.focus_type is None) != (data.focus_id is None):
        raise InvalidInput("focus_id", "focus_type and focus_id go together")
    task = create(
        ctx,
        NewTask(
            organization_id=org,
            type=data.type,
            title=data.title,
            description=data.description or "",
            priority=data.priority,
            patient_id=data.patient_id,
            focus_type=data.focus_type,
            focus_id=data.focus_id,
            owner_user_id=data.owner_user_id,
            team_id=data.team_id,
            language=data.language,
            skill=data.skill,
            checklist=[item.model_dump() for item in data.checklist],
            source="manual",
            route=data.owner_user_id is None and data.route,
        ),
        author=principal,
    )
    audit.about(resource_id=task.id)
    return task


def create(ctx: Context, new: NewTask, *, author: Principal | None = None) -> Task:
    """Open a task: deadlines from the organization's targets in its business hours, an
    owner from the routing rules, and the first history entries. Callers check access."""
    session = ctx.session
    org = session.get(Organization, new.organization_id)
    if org is None:
        raise NotFound("Organization")
    now = clock.now()
    targets = rules.targets_for(
        new.type, new.priority, repository.policy(session, org.id, new.type)
    )
    cal = repository.calendar(session, org, now)
    ratio = targets.at_risk_percent / 100
    resolution = sla.deadline(cal, now, targets.resolution_minutes, ratio)
    first = (
        sla.deadline(cal, now, targets.first_response_minutes, ratio)
        if targets.first_response_minutes is not None
        else None
    )
    by = None if author is None or author.system else author.user_id
    task = Task(
        organization_id=org.id,
        type=new.type,
        status="requested",
        is_open=True,
        priority=new.priority,
        priority_rank=rules.PRIORITY_RANK[new.priority],
        title=new.title,
        description=new.description,
        patient_id=new.patient_id,
        focus_type=new.focus_type,
        focus_id=new.focus_id,
        contact=new.contact,
        team_id=new.team_id,
        language=new.language,
        skill=new.skill,
        checklist=new.checklist,
        category=new.category,
        urgency=new.urgency,
        triage_reason=new.triage_reason,
        source=new.source,
        created_by_user_id=by,
        due_at=resolution.due_at,
        at_risk_at=resolution.at_risk_at,
        first_response_due_at=first.due_at if first else None,
        first_response_at_risk_at=first.at_risk_at if first else None,
        next_due_at=first.due_at if first else resolution.due_at,
        next_at_risk_at=first.at_risk_at if first else resolution.at_risk_at,
        created_at=now,
        updated_at=now,
    )
    session.add(task)
    session.flush()
    _event(ctx, task, "created", to_value=new.type, user_id=by)
    if new.owner_user_id is not None:
        _set_owner(ctx, task, new.owner_user_id, "assigned", by, now)
    elif new.route:
        route_task(ctx, task)
    session.flush()  # the version the caller is shown is the stored one
    if author is None or author.system:  # a person's request is audited by its edge
        ctx.audit(
            "create",
            "Task",
            task.id,
            patient_id=task.patient_id,
            organization_id=task.organization_id,
            type=task.type,
        )
    return task


def route_task(ctx: Context, task: Task) -> rules.Routed:
    """Apply the organization's routing rules to an unowned task."""
    session = ctx.session
    work = rules.Work(task.type, task.category, task.language, task.skill)
    rule = rules.matching_rule(repository.routing_rules(session, task.organization_id), work)
    if rule is not None and rule.team_id is not None and task.team_id is None:
        task.team_id = rule.team_id
    routed = rules.route(
        work,
        repository.candidates(session, task.organization_id),
        team_id=task.team_id,
        required_skill=rule.skill if rule else None,
        continuity_user_id=repository.continuity_owner(
            session, task.organization_id, task.patient_id
        ),
    )
    if routed.user_id is not None:
        _set_owner(ctx, task, routed.user_id, "routed", None, clock.now(), note=routed.reason)
    else:
        _event(ctx, task, "unrouted", note=routed.reason)
    return routed


def _set_owner(
    ctx: Context,
    task: Task,
    user_id: uuid.UUID | None,
    action: str,
    by: uuid.UUID | None,
    now: datetime,
    note: str | None = None,
) -> None:
    previous = task.owner_user_id
    task.owner_user_id = user_id
    task.assigned_at = now if user_id else None
    if user_id is not None and task.status == "requested":
        task.status = "accepted"
    if user_id is None and task.status == "accepted":
        task.status = "requested"
    _event(
        ctx,
        task,
        action,
        user_id=by,
        from_value=str(previous) if previous else None,
        to_value=str(user_id) if user_id else None,
        note=note,
    )


def _event(
    ctx: Context,
    task: Task,
    action: str,
    *,
    user_id: uuid.UUID | None = None,
    from_value: str | None = None,
    to_value: str | None = None,
    note: str | None = None,
) -> TaskEvent:
    event = TaskEvent(
        organization_id=task.organization_id,
        task_id=task.id,
        at=clock.now(),
        user_id=user_id,
        action=action,
        from_value=from_value,
        to_value=to_value,
        note=note,
    )
    ctx.session.add(event)
    return event


def _check_assignee(
    ctx: Context, organization_id: uuid.UUID, user_id: uuid.UUID, field: str
) -> None:
    """Work can only go to someone who may work on it in that organization."""
    stmt = select(Membership).where(
        Membership.organization_id == organization_id,
        Membership.user_id == user_id,
        Membership.active.is_(True),
        Membership.role.in_(("coordinator", "admin")),
    )
    if ctx.session.scalar(scoped(stmt, ctx.caller, Membership, Permission.USER_READ)) is None:
        raise InvalidInput(field, "is not a coordinator or admin of this organization")


# --- Reading ----------------------------------------------------------------------------


def get_task(ctx: Context, task_id: uuid.UUID, *, for_update: bool = False) -> Task:
    audit = ctx.audit("read", "Task", task_id)
    task = access_one(ctx.session, ctx.caller, Task, task_id, READ, "Task", for_update=for_update)
    audit.about(patient_id=task.patient_id, organization_id=task.organization_id)
    return task


def history(ctx: Context, task: Task) -> list[TaskEvent]:
    stmt = select(TaskEvent).where(
        TaskEvent.organization_id == task.organization_id, TaskEvent.task_id == task.id
    )
    stmt = scoped(stmt.order_by(TaskEvent.at, TaskEvent.id), ctx.caller, TaskEvent, READ)
    return list(ctx.session.scalars(stmt))


def queue(
    ctx: Context, filters: repository.Filters, *, limit: int = 50, cursor: str | None = None
) -> tuple[list[Task], str | None]:
    """One page of a queue view, most pressing first. Audited as one read of the list
    (which organization, which view), not one row per task."""
    ctx.audit("read", "Task", organization_id=filters.organization_id, view=filters.view)
    if filters.organization_id is not None:
        ctx.require(READ, filters.organization_id)
    elif not ctx.caller.can(READ):
        ctx.require(READ)
    rows: list[Task] = []
    for stmt in repository.queue_statements(ctx.session, ctx.caller, filters, clock.now()):
        rows += ctx.session.scalars(paginate(stmt, repository.ORDER, limit=limit, cursor=cursor))
    rows.sort(key=lambda t: (t.priority_rank, t.next_due_at, t.id))
    return page_of(rows[: limit + 1], repository.ORDER, limit)


# --- Changing ---------------------------------------------------------------------------


def _editable(ctx: Context, task_id: uuid.UUID, version: int | None, action: str) -> Task:
    audit = ctx.audit(action, "Task", task_id)
    task = access_one(ctx.session, ctx.caller, Task, task_id, READ, "Task")
    audit.about(patient_id=task.patient_id, organization_id=task.organization_id)
    ctx.require(WRITE, task.organization_id)
    if version is not None and version != task.version:
        raise Conflict(
            "The task was changed by someone else; reload it and try again",
            current_version=task.version,
        )
    return task


def _flush(ctx: Context) -> None:
    try:
        ctx.session.flush()
    except StaleDataError as exc:
        raise Conflict("The task was changed by someone else; reload it and try again") from exc


EDITABLE = ("title", "description", "checklist", "language", "skill", "team_id")


def update_task(ctx: Context, task_id: uuid.UUID, data: Any, if_match: int | None) -> Task:
    expected = data.version if data.version is not None else if_match
    if expected is None:
        raise InvalidInput("version", "is required: send the version you read (or If-Match)")
    task = _editable(ctx, task_id, expected, "update")
    if not task.is_open:
        raise Conflict(f"A {task.status} task cannot be edited")
    me = ctx.caller.user_id
    changes = data.model_dump(exclude_unset=True, exclude={"version"})
    if "team_id" in changes and changes["team_id"] is not None:
        referenced(
            ctx.session,
            ctx.caller,
            WorkTeam,
            task.organization_id,
            changes["team_id"],
            READ,
            "team_id",
        )
    for name in EDITABLE:
        if name in changes:
            value = changes[name]
            if name == "title" and not value:
                raise InvalidInput("title", "may not be empty")
            if getattr(task, name) != value:
                setattr(task, name, value if value is not None or name != "description" else "")
                _event(
                    ctx,
                    task,
                    "checklist" if name == "checklist" else "edited",
                    user_id=me,
                    to_value=name,
                )
    if "priority" in changes and changes["priority"] and changes["priority"] != task.priority:
        _event(
            ctx,
            task,
            "priority",
            user_id=me,
            from_value=task.priority,
            to_value=changes["priority"],
        )
        task.priority = changes["priority"]
        task.priority_rank = rules.PRIORITY_RANK[task.priority]
    _flush(ctx)
    return task


def transition(
    ctx: Context, task_id: uuid.UUID, status: str, version: int | None, note: str | None = None
) -> Task:
    task = _editable(ctx, task_id, version, "update")
    _move(ctx, task, status, note)
    _flush(ctx)
    return task


def _move(ctx: Context, task: Task, status: str, note: str | None) -> None:
    problem = rules.transition_problem(task.status, status)
    if problem:
        raise Conflict(f"status: {problem}", field="status")
    now = clock.now()
    me = None if ctx.caller.system else ctx.caller.user_id
    _event(ctx, task, "status", user_id=me, from_value=task.status, to_value=status, note=note)
    task.status = status
    task.is_open = status in OPEN_STATUSES
    if status == "in-progress":
        _responded(task, now, me)
        if task.owner_user_id is None and me is not None:
            task.owner_user_id, task.assigned_at = me, now
    if not task.is_open:
        task.completed_at = now
        task.completed_by_user_id = me
        task.snoozed_until = None
    if status == "requested":
        task.owner_user_id = None


def _responded(task: Task, now: datetime, by: uuid.UUID | None) -> None:
    """The first response happened: the deadline that matters is now the resolution."""
    if task.first_response_at is None:
        task.first_response_at = now
        task.first_response_by_user_id = by
    task.next_due_at, task.next_at_risk_at = task.due_at, task.at_risk_at


def claim(ctx: Context, task_id: uuid.UUID) -> Task:
    """Take an unowned task. One conditional UPDATE: of two people claiming at once,
    exactly one gets it; the other is told who was faster (409)."""
    audit = ctx.audit("update", "Task", task_id, step="claim")
    task = access_one(ctx.session, ctx.caller, Task, task_id, READ, "Task")
    audit.about(patient_id=task.patient_id, organization_id=task.organization_id)
    ctx.require(WRITE, task.organization_id)
    me, now = ctx.caller.user_id, clock.now()
    stmt = (
        update(Task)
        .where(
            Task.organization_id == task.organization_id,
            Task.id == task.id,
            Task.owner_user_id.is_(None),
            Task.is_open.is_(True),
        )
        .values(
            owner_user_id=me,
            assigned_at=now,
            version=Task.version + 1,
            updated_at=now,
            status="accepted" if task.status == "requested" else task.status,
        )
        .execution_options(synchronize_session=False)
    )
    won = ctx.session.execute(scoped(stmt, ctx.caller, Task, WRITE)).rowcount == 1
    if not won:
        ctx.session.expire(task)
        raise Conflict(
            "Someone else has this task already" if task.is_open else "The task is closed"
        )
    ctx.session.expire(task)
    _event(ctx, task, "claimed", user_id=me, to_value=str(me))
    ctx.session.flush()
    return task


def assign(
    ctx: Context, task_id: uuid.UUID, user_id: uuid.UUID | None, version: int | None
) -> Task:
    task = _editable(ctx, task_id, version, "update")
    if not task.is_open:
        raise Conflict(f"A {task.status} task cannot be reassigned")
    if user_id is not None:
        _check_assignee(ctx, task.organization_id, user_id, "user_id")
    if user_id == task.owner_user_id:
        return task
    action = "released" if user_id is None else "assigned"
    _set_owner(ctx, task, user_id, action, ctx.caller.user_id, clock.now())
    _flush(ctx)
    return task


def snooze(ctx: Context, task_id: uuid.UUID, until: datetime | None, version: int | None) -> Task:
    task = _editable(ctx, task_id, version, "update")
    if not task.is_open:
        raise Conflict(f"A {task.status} task cannot be snoozed")
    if until is not None and until <= clock.now():
        raise InvalidInput("until", "must be in the future")
    task.snoozed_until = until
    _event(
        ctx,
        task,
        "snoozed",
        user_id=ctx.caller.user_id,
        to_value=until.isoformat() if until else None,
    )
    _flush(ctx)
    return task


def add_note(ctx: Context, task_id: uuid.UUID, text: str) -> TaskEvent:
    task = _editable(ctx, task_id, None, "update")
    if not text.strip():
        raise InvalidInput("text", "is empty")
    # A note is history, not an edit: the task's version stays, so an edit prepared
    # before someone added a note still applies.
    event = _event(ctx, task, "note", user_id=ctx.caller.user_id, note=text.strip())
    _flush(ctx)
    return event


BULK_ACTIONS = ("claim", "assign", "release", "complete", "cancel", "snooze", "priority")


def bulk(ctx: Context, data: Any) -> list[Task]:
    """One action on many tasks, all or nothing: if any task refuses, none changes and
    the problem names it (``task_ids[3]``)."""
    done = []
    for index, task_id in enumerate(data.task_ids):
        try:
            if data.action == "claim":
                task = claim(ctx, task_id)
            elif data.action in ("assign", "release"):
                if data.action == "assign" and data.user_id is None:
                    raise InvalidInput("user_id", "is required to assign")
                task = assign(ctx, task_id, data.user_id if data.action == "assign" else None, None)
            elif data.action in ("complete", "cancel"):
                status = "completed" if data.action == "complete" else "cancelled"
                task = transition(ctx, task_id, status, None, data.note)
            elif data.action == "snooze":
                if data.until is None:
                    raise InvalidInput("until", "is required to snooze")
                task = snooze(ctx, task_id, data.until, None)
            else:
                if data.priority is None:
                    raise InvalidInput("priority", "is required")
                task = _editable(ctx, task_id, None, "update")
                if task.priority != data.priority:
                    _event(
                        ctx,
                        task,
                        "priority",
                        user_id=ctx.caller.user_id,
                        from_value=task.priority,
                        to_value=data.priority,
                    )
                    task.priority = data.priority
                    task.priority_rank = rules.PRIORITY_RANK[data.priority]
                    _flush(ctx)
        except NotFound as exc:
            raise NotFound("Task", f"task_ids[{index}]: {exc.detail}") from exc
        except Conflict as exc:
            raise Conflict(f"task_ids[{index}]: {exc.detail}", field=f"task_ids[{index}]") from exc
        done.append(task)
    return done


# --- Escalation -------------------------------------------------------------------------


def escalate_breaches(ctx: Context, limit: int = 500) -> int:
    """Breached tasks that were not escalated for their current deadline: priority one
    step up, an event in the history, and a notification to the team lead (or the
    organization's admins). Runs as a periodic sweep."""
    now = clock.now()
    rows = list(
        ctx.session.scalars(
            unscoped_system(
                select(Task)
                .where(Task.is_open.is_(True), Task.next_due_at <= now)
                .where((Task.escalated_at.is_(None)) | (Task.escalated_at < Task.next_due_at))
                .order_by(Task.next_due_at)
                .limit(limit)
                .with_for_update(skip_locked=True),
                SYSTEM,
            )
        )
    )
    for task in rows:
        raised = rules.escalated_priority(task.priority)
        which = (
            "first response"
            if task.first_response_at is None and task.first_response_due_at
            else "resolution"
        )
        _event(
            ctx,
            task,
            "escalated",
            from_value=task.priority,
            to_value=raised,
            note=f"{which} target breached",
        )
        task.priority, task.priority_rank = raised, rules.PRIORITY_RANK[raised]
        task.escalated_at = now
        ctx.audit(
            "update",
            "Task",
            task.id,
            patient_id=task.patient_id,
            organization_id=task.organization_id,
            change="escalated",
        )
        notify(
            ctx,
            task,
            repository.lead_of(ctx.session, task.organization_id, task.team_id),
            "breach",
            f"{rules.TYPE_LABELS.get(task.type, task.type)}: {which} target breached",
        )
    ctx.session.flush()
    return len(rows)


def notify(ctx: Context, task: Task, user_ids: Sequence[uuid.UUID], kind: str, text: str) -> None:
    now = clock.now()
    for user_id in dict.fromkeys(user_ids):
        ctx.session.add(
            StaffNotification(
                organization_id=task.organization_id,
                user_id=user_id,
                task_id=task.id,
                kind=kind,
                text=text[:300],
                created_at=now,
            )
        )
