"""API shapes of the work queue, the inbox and their settings."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, Field, StringConstraints, computed_field

from liaison.kit import clock
from liaison.kit.validation import Code, LanguageTag, ReadShape, Shape, ShortText
from liaison.workqueue import sla

Priority = Literal["routine", "urgent", "asap", "stat"]
Status = Literal[
    "requested", "accepted", "in-progress", "on-hold", "completed", "cancelled", "failed"
]
Category = Literal["scheduling", "refill", "billing", "clinical", "records", "other"]
Urgency = Literal["emergency", "urgent", "routine"]
LongText = Annotated[str, StringConstraints(max_length=5000)]
Message = Annotated[str, StringConstraints(min_length=1, max_length=1600)]
FocusType = Literal["Appointment", "Communication", "WaitlistEntry", "Patient", "ServiceRequest"]


class ChecklistItem(Shape):
    text: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    done: bool = False


class TaskCreate(Shape):
    organization_id: uuid.UUID
    type: Code = Field(description="inquiry, call-back, reschedule, ... or your own type")
    title: ShortText
    description: LongText = ""
    priority: Priority = "routine"
    patient_id: uuid.UUID | None = None
    focus_type: FocusType | None = None
    focus_id: uuid.UUID | None = None
    owner_user_id: uuid.UUID | None = Field(
        default=None, description="Assign directly; otherwise the routing rules decide"
    )
    team_id: uuid.UUID | None = None
    language: LanguageTag | None = None
    skill: Code | None = None
    checklist: list[ChecklistItem] = Field(default_factory=list, max_length=50)
    route: bool = Field(default=True, description="Route to a coordinator when no owner is given")


class TaskUpdate(Shape):
    version: int | None = Field(default=None, description="The version you read (or If-Match)")
    title: ShortText | None = None
    description: LongText | None = None
    priority: Priority | None = None
    checklist: list[ChecklistItem] | None = Field(default=None, max_length=50)
    language: LanguageTag | None = None
    skill: Code | None = None
    team_id: uuid.UUID | None = None


class Versioned(Shape):
    version: int | None = Field(default=None, description="The version you read (or If-Match)")


class StatusChange(Versioned):
    status: Status
    note: LongText | None = None


class Assignment(Versioned):
    user_id: uuid.UUID | None = Field(description="null releases the task to the queue")


class Snooze(Versioned):
    until: AwareDatetime | None = Field(description="null wakes the task now")


class NoteCreate(Shape):
    text: Annotated[str, StringConstraints(min_length=1, max_length=5000)]


class Reply(Shape):
    body: Message
    channel: Literal["sms", "email", "portal"] | None = None


class Identify(Versioned):
    patient_id: uuid.UUID


class TriageDecision(Versioned):
    category: Category
    urgency: Urgency


class BulkAction(Shape):
    task_ids: list[uuid.UUID] = Field(min_length=1, max_length=200)
    action: Literal["claim", "assign", "release", "complete", "cancel", "snooze", "priority"]
    user_id: uuid.UUID | None = None
    until: AwareDatetime | None = None
    priority: Priority | None = None
    note: LongText | None = None


class InboundMessage(Shape):
    """A patient's message handed over by an integration (portal, email gateway)."""

    organization_id: uuid.UUID
    patient_id: uuid.UUID
    channel: Literal["email", "portal"]
    subject: Annotated[str, StringConstraints(max_length=200)] | None = None
    body: Message


class TaskRead(ReadShape):
    id: uuid.UUID
    organization_id: uuid.UUID
    type: str
    status: str
    priority: str
    title: str
    description: str
    patient_id: uuid.UUID | None
    focus_type: str | None
    focus_id: uuid.UUID | None
    contact: str | None
    owner_user_id: uuid.UUID | None
    team_id: uuid.UUID | None
    language: str | None
    skill: str | None
    checklist: list[dict[str, Any]]
    category: str | None
    urgency: str | None
    triage_reason: str | None
    triage_confirmed: bool
    source: str
    created_at: datetime
    updated_at: datetime
    first_response_due_at: datetime | None
    due_at: datetime
    next_due_at: datetime
    next_at_risk_at: datetime
    first_response_at: datetime | None
    completed_at: datetime | None
    snoozed_until: datetime | None
    escalated_at: datetime | None
    version: int

    @computed_field  # type: ignore[prop-decorator]
    @property
    def sla_state(self) -> str | None:
        """on-track, at-risk, breached (open), met or missed (closed)."""
        if self.completed_at is not None:
            return sla.sla_state(
                due_at=self.due_at,
                at_risk_at=None,
                now=self.completed_at,
                done_at=self.completed_at,
            )
        return sla.sla_state(
            due_at=self.next_due_at, at_risk_at=self.next_at_risk_at, now=clock.now()
        )


class TaskPage(ReadShape):
    items: list[TaskRead]
    next_cursor: str | None = None


class TaskEventRead(ReadShape):
    id: uuid.UUID
    at: datetime
    user_id: uuid.UUID | None
    action: str
    from_value: str | None
    to_value: str | None
    note: str | None


class Filed(ReadShape):
    task: TaskRead
    created: bool
    emergency: bool


# --- Settings of an organization's queue -----------------------------------------------


class SlaPolicyWrite(Shape):
    organization_id: uuid.UUID
    task_type: Code
    first_response_minutes: int | None = Field(default=None, ge=1, le=60 * 24 * 30)
    resolution_minutes: int = Field(ge=1, le=60 * 24 * 90)
    at_risk_percent: int = Field(default=80, ge=1, le=99)


class SlaPolicyRead(ReadShape):
    id: uuid.UUID
    organization_id: uuid.UUID
    task_type: str
    first_response_minutes: int | None
    resolution_minutes: int
    at_risk_percent: int


class TeamWrite(Shape):
    organization_id: uuid.UUID
    name: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    lead_user_id: uuid.UUID | None = None
    member_user_ids: list[uuid.UUID] = Field(default_factory=list, max_length=200)


class TeamRead(ReadShape):
    id: uuid.UUID
    organization_id: uuid.UUID
    name: str
    lead_user_id: uuid.UUID | None
    member_user_ids: list[uuid.UUID]


class RoutingRuleWrite(Shape):
    organization_id: uuid.UUID
    position: int = Field(default=100, ge=0, le=10000)
    task_type: Code | None = None
    category: Category | None = None
    language: LanguageTag | None = None
    team_id: uuid.UUID | None = None
    skill: Code | None = None
    active: bool = True


class RoutingRuleRead(ReadShape):
    id: uuid.UUID
    organization_id: uuid.UUID
    position: int
    task_type: str | None
    category: str | None
    language: str | None
    team_id: uuid.UUID | None
    skill: str | None
    active: bool


class PlaybookWrite(Shape):
    organization_id: uuid.UUID
    scripts: LongText = ""
    escalation_contacts: LongText = ""
    do_not_handle: LongText = ""
    notes: LongText = ""


class PlaybookRead(ReadShape):
    id: uuid.UUID
    organization_id: uuid.UUID
    version: int
    scripts: str
    escalation_contacts: str
    do_not_handle: str
    notes: str
    created_at: datetime
    created_by_user_id: uuid.UUID | None


class SavedViewWrite(Shape):
    name: Annotated[str, StringConstraints(min_length=1, max_length=60)]
    view: Literal["mine", "team", "unassigned", "all"] = "mine"
    organization_id: uuid.UUID | None = None
    task_type: Code | None = None
    priority: Priority | None = None
    sla: Literal["on-track", "at-risk", "breached"] | None = None


class SavedViewRead(ReadShape):
    id: uuid.UUID
    name: str
    filters: dict[str, Any]


class NotificationRead(ReadShape):
    id: uuid.UUID
    organization_id: uuid.UUID
    task_id: uuid.UUID | None
    kind: str
    text: str
    created_at: datetime
    read_at: datetime | None


class DepthRow(ReadShape):
    organization_id: uuid.UUID
    organization_name: str
    owner_user_id: uuid.UUID | None
    owner_name: str | None
    open: int
    breached: int
    at_risk: int
    oldest_at: datetime | None


class Supervision(ReadShape):
    organizations: list[DepthRow]
    coordinators: list[DepthRow]
