"""One task: its state and actions (claim, assign, status, snooze, priority), checklist,
notes and history, beside the patient's conversation with the reply composer, the
triage suggestion, identifying an unknown sender, and the organization's playbook.

Every change sends the version the page was rendered with: an edit made on a stale
page is refused (409) and the page comes back as it is now, saying so. The same
endpoints answer the queue's row buttons (htmx swaps the row) and the inbox's composer.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from liaison.authz.permissions import Permission
from liaison.context import Context
from liaison.directory import service as directory_service
from liaison.errors import Conflict, InvalidInput, LiaisonError
from liaison.kit import clock
from liaison.models import Organization, Patient, Task
from liaison.patients import service as patients_service
from liaison.portal import messages as portal_messages
from liaison.web import forms
from liaison.web.forms import Form, errors_of, reject, text, values_of
from liaison.web.pages import redirect, render
from liaison.web.scheduling.common import asks_for, is_htmx
from liaison.web.workqueue import common
from liaison.web.workqueue.common import WRITE, Reading, Writing
from liaison.web.workqueue.queue import row_context
from liaison.workqueue import admin, inbox, rules, service
from liaison.workqueue.schemas import NoteCreate, Reply, TaskUpdate, TriageDecision

router = APIRouter(prefix="/queue/tasks", include_in_schema=False)
SEARCH_LIMIT = 8
THREAD_LIMIT = 100
# Problems of these form fields are shown next to the field; others at the top.
FIELDS = ("text", "body", "channel", "until", "priority", "category", "urgency", "item")


def _org(ctx: Context, organization_id: uuid.UUID) -> Organization:
    return directory_service.get_organization(ctx, organization_id)


def thread_data(ctx: Context, task: Task, org: Organization) -> dict[str, Any]:
    """The conversation beside a task (or in the inbox), and what the composer needs."""
    can_read_patients = ctx.caller.can(Permission.PATIENT_READ, task.organization_id)
    patient: Patient | None = None
    if task.patient_id is not None and can_read_patients:
        patient = patients_service.access_patient(ctx, task.patient_id)
    first_name = (patient.preferred_name or patient.given_name) if patient else ""
    can_write = ctx.caller.can(WRITE, task.organization_id)
    messages = inbox.conversation(ctx, task, THREAD_LIMIT) if can_read_patients else []
    return {
        "patient": patient,
        "messages": messages,
        # Files patients attached in the portal: listed with their messages, opened
        # through the audited staff download.
        "attachments": portal_messages.attachments_of(ctx, [m.id for m in messages])
        if messages
        else {},
        # A portal question is answered in the portal unless the coordinator chooses.
        "default_channel": "portal" if task.source == "portal" else "",
        "thread_limit": THREAD_LIMIT,
        "zone": org.time_zone,
        "can_reply": can_write and task.is_open and task.patient_id is not None,
        "snippets": common.snippets_for(
            (patient.preferred_language if patient else None) or task.language, first_name
        ),
        "reply_channels": common.REPLY_CHANNELS,
    }


def _task_page(
    request: Request,
    ctx: Context,
    task_id: uuid.UUID,
    *,
    problem: str | None = None,
    stale: bool = False,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
    search: dict[str, Any] | None = None,
) -> Response:
    task = service.get_task(ctx, task_id)
    org = _org(ctx, task.organization_id)
    now = clock.now()
    me = ctx.caller.user_id
    people = common.staff_names(ctx, org.id)
    names = common.Names({org.id: org}, people, {})
    data = thread_data(ctx, task, org)
    if data["patient"] is not None:
        names.patients[data["patient"].id] = data["patient"]
    can_write = ctx.caller.can(WRITE, org.id)
    moves = [s for s in common.TRANSITION_ORDER if rules.can_move(task.status, s)]
    if "failed" in rules.TRANSITIONS.get(task.status, ()):
        moves.append("failed")
    return render(
        request,
        ctx,
        "workqueue/task.html",
        status_code=status_code,
        nav="queue",
        subnav="queue",
        flashes=common.flashes(request),
        task=task,
        org=org,
        names=names,
        me=me,
        now=now,
        badge=common.sla_badge(task, now),
        events=service.history(ctx, task),
        playbook=admin.playbook(ctx, org.id),
        can_write=can_write,
        can_manage=ctx.caller.can(common.MANAGE, org.id),
        can_read_appointments=ctx.caller.can(Permission.APPOINTMENT_READ, org.id),
        assignable=common.assignable(ctx, org.id) if can_write else [],
        moves=moves,
        transition_labels={
            **common.TRANSITION_LABELS,
            **({} if task.status == "requested" else {"accepted": "Stop work"}),
        },
        priorities=common.PRIORITIES,
        snooze_presets=common.SNOOZE_PRESETS,
        categories=list(common.CATEGORY_LABELS.items()),
        urgencies=list(common.URGENCY_LABELS.items()),
        snoozed=task.snoozed_until is not None and task.snoozed_until > now,
        problem=problem,
        stale=stale,
        values=values or {},
        errors=errors or {},
        back=f"/queue/tasks/{task.id}",
        search=search or {"q": "", "found": None, "error": None},
        **data,
    )


@router.get("/{task_id}", response_class=HTMLResponse)
def task_page(request: Request, task_id: uuid.UUID, ctx: Reading) -> Response:  # type: ignore[valid-type]
    return _task_page(request, ctx, task_id)


@router.get("/{task_id}/identify", response_class=HTMLResponse)
def find_patient(
    request: Request,
    task_id: uuid.UUID,
    ctx: Reading,  # type: ignore[valid-type]
    q: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    """Who sent the message: a patient search in the task's organization."""
    task = inbox.get(ctx, task_id)
    found: list[Patient] | None = None
    error = None
    if q.strip():
        try:
            found, _, _ = patients_service.search_patients(
                ctx, q=q, organization_id=task.organization_id, limit=SEARCH_LIMIT
            )
        except InvalidInput as exc:
            error = exc.problems[0].message
    if asks_for(request, "identify-results"):
        return render(
            request,
            ctx,
            "workqueue/_identify.html",
            task=task,
            search={"q": q, "found": found, "error": error},
        )
    return _task_page(request, ctx, task_id, search={"q": q, "found": found, "error": error})


# --- Changing the task ----------------------------------------------------------------


def _version(form: FormData) -> int | None:
    raw = text(form, "version")
    if raw is None:
        return None
    if not raw.isdigit():
        raise InvalidInput("version", "must be the version of the task you read")
    return int(raw)


def _is_stale(exc: Exception) -> bool:
    return isinstance(exc, Conflict) and (
        "current_version" in exc.extensions or "changed by someone else" in exc.detail
    )


def _problem(exc: Exception) -> tuple[str, dict[str, str]]:
    """The sentence at the top of the page, and the problems next to their fields."""
    found = errors_of(exc)
    fields = {k: v for k, v in found.items() if k in FIELDS}
    if _is_stale(exc):
        return (
            "Someone else changed this task while you had it open, so nothing was saved. "
            "The page now shows the task as it is; check it and try again.",
            {},
        )
    if fields and len(fields) == len(found):
        return "Nothing was saved: a field needs your attention.", fields
    if isinstance(exc, LiaisonError):
        detail = exc.detail.removeprefix("status: ")
        return f"Nothing was saved: {common.sentence('The task', detail).rstrip('.')}.", fields
    first = next(iter(found.values()), "is invalid")
    return f"Nothing was saved: {common.sentence('A field', first).rstrip('.')}.", fields


ANNOUNCE = {
    "claimed": "Assigned to you: {title}",
    "completed": "Completed: {title}",
    "snoozed": "Snoozed: {title}",
    "status": "Status changed: {title}",
    "released": "Released to the queue: {title}",
    "priority": "Priority changed: {title}",
}


def _row(
    request: Request,
    ctx: Context,
    task_id: uuid.UUID,
    back: str,
    *,
    announce: str | None = None,
    problem: str | None = None,
    status_code: int = 200,
) -> Response:
    task = inbox.get(ctx, task_id)
    return render(
        request,
        ctx,
        "workqueue/_row.html",
        status_code=status_code,
        t=task,
        announce=announce.format(title=task.title) if announce else None,
        row_problem=problem,
        oob=True,
        **row_context(ctx, [task], back),
    )


def _act(
    request: Request,
    ctx: Context,
    task_id: uuid.UUID,
    form: FormData,
    change: Callable[[], object],
    done: str,
) -> Response:
    """Run one change, then answer as the form's page wants: the queue's row (htmx),
    or a redirect back (the task page, or the queue without JavaScript). A refused
    change rolls back and shows the page (or row) as it is now, with the reason."""
    in_row = is_htmx(request) and form.get("row") == "1"
    back = common.safe_next(text(form, "next"), default=f"/queue/tasks/{task_id}")
    try:
        change()
    except (ValidationError, InvalidInput, Conflict) as exc:
        forms.discard(ctx)
        status = 422 if isinstance(exc, ValidationError) else exc.status
        message, fields = _problem(exc)
        if in_row:
            reject(_row(request, ctx, task_id, back, problem=message, status_code=status))
        reject(
            _task_page(
                request,
                ctx,
                task_id,
                problem=message,
                stale=_is_stale(exc),
                values=values_of(form),
                errors=fields,
                status_code=status,
            )
        )
    if in_row:
        return _row(request, ctx, task_id, back, announce=ANNOUNCE.get(done))
    return redirect(back, done)


@router.post("/{task_id}/claim")
def claim(request: Request, task_id: uuid.UUID, ctx: Writing, form: Form) -> Response:  # type: ignore[valid-type]
    """Assign to me: claims an unowned task; taking one from a colleague needs the
    version (the task page's "Assign to me"), so a stale row never takes it."""
    me = ctx.caller.user_id

    def change() -> None:
        task = inbox.get(ctx, task_id)
        if task.owner_user_id is None or form.get("take") != "1":
            service.claim(ctx, task_id)
        else:
            service.assign(ctx, task_id, me, _version(form))

    return _act(request, ctx, task_id, form, change, "claimed")


@router.post("/{task_id}/assign")
def assign(request: Request, task_id: uuid.UUID, ctx: Writing, form: Form) -> Response:  # type: ignore[valid-type]
    raw = text(form, "user_id")
    user_id = common.parse_uuid(raw)

    def change() -> None:
        if raw and user_id is None:
            raise InvalidInput("user_id", "is not one of the people offered")
        service.assign(ctx, task_id, user_id, _version(form))

    return _act(request, ctx, task_id, form, change, "assigned" if user_id else "released")


@router.post("/{task_id}/status")
def change_status(request: Request, task_id: uuid.UUID, ctx: Writing, form: Form) -> Response:  # type: ignore[valid-type]
    status = text(form, "status") or ""

    def change() -> None:
        service.transition(ctx, task_id, status, _version(form), text(form, "note"))

    return _act(
        request, ctx, task_id, form, change, "completed" if status == "completed" else "status"
    )


@router.post("/{task_id}/snooze")
def snooze(request: Request, task_id: uuid.UUID, ctx: Writing, form: Form) -> Response:  # type: ignore[valid-type]
    wake = form.get("wake") == "1"

    def change() -> None:
        task = inbox.get(ctx, task_id)
        until = (
            None
            if wake
            else common.snooze_until(
                ctx, _org(ctx, task.organization_id), text(form, "preset"), text(form, "until")
            )
        )
        service.snooze(ctx, task_id, until, _version(form))

    return _act(request, ctx, task_id, form, change, "woken" if wake else "snoozed")


@router.post("/{task_id}/priority")
def set_priority(request: Request, task_id: uuid.UUID, ctx: Writing, form: Form) -> Response:  # type: ignore[valid-type]
    def change() -> None:
        data = TaskUpdate.model_validate(
            {"version": _version(form), "priority": text(form, "priority")}
        )
        if data.priority is None:
            raise InvalidInput("priority", "is required")
        service.update_task(ctx, task_id, data, None)

    return _act(request, ctx, task_id, form, change, "priority")


@router.post("/{task_id}/checklist")
def checklist(request: Request, task_id: uuid.UUID, ctx: Writing, form: Form) -> Response:  # type: ignore[valid-type]
    """Tick or untick one item (``index`` and ``done``), or add one (``item``)."""

    def change() -> None:
        task = inbox.get(ctx, task_id)
        items = [dict(i) for i in task.checklist]
        added = text(form, "item")
        index = text(form, "index")
        if added is not None:
            items.append({"text": added, "done": False})
        elif index is not None and index.isdigit() and int(index) < len(items):
            items[int(index)]["done"] = form.get("done") == "1"
        else:
            raise InvalidInput("item", "Write the item to add")
        try:
            data = TaskUpdate.model_validate({"version": _version(form), "checklist": items})
        except ValidationError as exc:
            raise InvalidInput("item", "must be 1 to 200 characters (at most 50 items)") from exc
        service.update_task(ctx, task_id, data, None)

    return _act(request, ctx, task_id, form, change, "checklist")


@router.post("/{task_id}/notes")
def add_note(request: Request, task_id: uuid.UUID, ctx: Writing, form: Form) -> Response:  # type: ignore[valid-type]
    def change() -> None:
        data = NoteCreate.model_validate({"text": text(form, "text") or ""})
        service.add_note(ctx, task_id, data.text)

    return _act(request, ctx, task_id, form, change, "note")


@router.post("/{task_id}/triage")
def triage(request: Request, task_id: uuid.UUID, ctx: Writing, form: Form) -> Response:  # type: ignore[valid-type]
    def change() -> None:
        data = TriageDecision.model_validate(
            {
                "version": _version(form),
                "category": text(form, "category"),
                "urgency": text(form, "urgency"),
            }
        )
        inbox.confirm_triage(ctx, task_id, data.category, data.urgency, data.version)

    return _act(request, ctx, task_id, form, change, "triage")


@router.post("/{task_id}/identify")
def identify(request: Request, task_id: uuid.UUID, ctx: Writing, form: Form) -> Response:  # type: ignore[valid-type]
    def change() -> None:
        patient_id = common.parse_uuid(text(form, "patient_id"))
        if patient_id is None:
            raise InvalidInput("patient_id", "Choose the patient from the search results")
        inbox.identify(ctx, task_id, patient_id, _version(form))

    return _act(request, ctx, task_id, form, change, "identified")


@router.post("/{task_id}/reply")
def reply(request: Request, task_id: uuid.UUID, ctx: Writing, form: Form) -> Response:  # type: ignore[valid-type]
    """Answer the patient. The inbox's composer (htmx) gets its thread back."""
    from liaison.web.workqueue import inbox as inbox_pages

    def change() -> None:
        data = Reply.model_validate(
            {"body": text(form, "body") or "", "channel": text(form, "channel")}
        )
        inbox.reply(ctx, task_id, data.body, data.channel)

    if asks_for(request, inbox_pages.THREAD):
        try:
            change()
        except (ValidationError, InvalidInput, Conflict) as exc:
            forms.discard(ctx)
            message, fields = _problem(exc)
            status = 422 if isinstance(exc, ValidationError) else exc.status
            reject(
                inbox_pages.thread_response(
                    request,
                    ctx,
                    task_id,
                    problem=message,
                    values=values_of(form),
                    errors=fields,
                    status_code=status,
                )
            )
        return inbox_pages.thread_response(request, ctx, task_id, sent=True)
    return _act(request, ctx, task_id, form, change, "reply")
