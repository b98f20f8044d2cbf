"""The coordinator's work queue (FHIR Task), its deadlines, routing, inbox and playbooks."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from liaison.models.base import Base, TenantOwned, Timestamped, new_id

TASK_STATUSES = (
    "requested",
    "accepted",
    "in-progress",
    "on-hold",
    "completed",
    "cancelled",
    "failed",
)
OPEN_STATUSES = ("requested", "accepted", "in-progress", "on-hold")
TASK_PRIORITIES = ("routine", "urgent", "asap", "stat")  # FHIR request-priority


def _fk(column: str, table: str) -> ForeignKeyConstraint:
    return ForeignKeyConstraint(
        ["organization_id", column], [f"{table}.organization_id", f"{table}.id"]
    )


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} in ({','.join(repr(v) for v in values)})"


class WorkTeam(TenantOwned, Timestamped, Base):
    """A group of an organization's staff who share a queue; its lead hears of breaches."""

    __tablename__ = "work_team"
    __table_args__ = (UniqueConstraint("organization_id", "name"), Index(None, "lead_user_id"))

    name: Mapped[str] = mapped_column(String(100))
    lead_user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL")
    )


class WorkTeamMember(TenantOwned, Base):
    __tablename__ = "work_team_member"
    __table_args__ = (
        _fk("team_id", "work_team"),
        UniqueConstraint("organization_id", "team_id", "user_id"),
        Index(None, "user_id"),
    )

    team_id: Mapped[uuid.UUID] = mapped_column()
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))


class Task(TenantOwned, Timestamped, Base):
    """One piece of coordination work, shaped like FHIR Task.

    ``next_due_at``/``next_at_risk_at`` are the deadline that matters now: the first
    response while none has been given, then the resolution. The queue sorts and filters
    on them, so "at risk" and "breached" are index range scans, not per-row arithmetic.
    """

    __tablename__ = "task"
    __table_args__ = (
        _fk("patient_id", "patient"),
        _fk("team_id", "work_team"),
        CheckConstraint(_in("status", TASK_STATUSES), name="status"),
        CheckConstraint(_in("priority", TASK_PRIORITIES), name="priority"),
        CheckConstraint("priority_rank between 0 and 3", name="priority_rank"),
        # "My queue": one person's open work across every organization they serve.
        Index(None, "owner_user_id", "is_open", "priority_rank", "next_due_at", "id"),
        # An organization's (or a team's) queue, unassigned work, supervisor counts.
        Index(None, "organization_id", "is_open", "priority_rank", "next_due_at", "id"),
        # A team's queue (named: the generated name passes PostgreSQL's 63 characters).
        Index(
            "ix_task_team_queue",
            "organization_id",
            "team_id",
            "is_open",
            "priority_rank",
            "next_due_at",
            "id",
        ),
        Index(None, "organization_id", "patient_id", "is_open"),
        Index(None, "organization_id", "focus_id"),
        Index(None, "organization_id", "is_open", "contact"),
        # Staffing oversight reads the tasks a coordinator finished, by week.
        Index(None, "completed_by_user_id", "completed_at"),
        Index(None, "first_response_by_user_id", "first_response_at"),
    )

    type: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(12), default="requested")
    is_open: Mapped[bool] = mapped_column(Boolean, default=True)
    priority: Mapped[str] = mapped_column(String(8), default="routine")
    # stat 0, asap 1, urgent 2, routine 3: ascending order is most pressing first.
    priority_rank: Mapped[int] = mapped_column(Integer, default=3)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    patient_id: Mapped[uuid.UUID | None] = mapped_column()
    # What the task is about: ("Appointment", id), ("Communication", id) ...
    focus_type: Mapped[str | None] = mapped_column(String(40))
    focus_id: Mapped[uuid.UUID | None] = mapped_column()
    # An inbound message from an unknown number or address: who to identify.
    contact: Mapped[str | None] = mapped_column(String(254))
    owner_user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL")
    )
    team_id: Mapped[uuid.UUID | None] = mapped_column()
    language: Mapped[str | None] = mapped_column(String(20))
    skill: Mapped[str | None] = mapped_column(String(40))
    # [{"text": "Call the patient", "done": false}]
    checklist: Mapped[list[dict[str, Any]]] = mapped_column(default=list)
    # Triage of the message that opened the task: a suggestion until confirmed.
    category: Mapped[str | None] = mapped_column(String(20))
    urgency: Mapped[str | None] = mapped_column(String(12))
    triage_reason: Mapped[str | None] = mapped_column(String(500))
    triage_confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(String(20), default="manual")
    created_by_user_id: Mapped[uuid.UUID | None] = mapped_column()
    # Deadlines, counted in the organization's business hours when the task was opened.
    first_response_due_at: Mapped[datetime | None] = mapped_column()
    first_response_at_risk_at: Mapped[datetime | None] = mapped_column()
    due_at: Mapped[datetime] = mapped_column()
    at_risk_at: Mapped[datetime] = mapped_column()
    next_due_at: Mapped[datetime] = mapped_column()
    next_at_risk_at: Mapped[datetime] = mapped_column()
    first_response_at: Mapped[datetime | None] = mapped_column()
    first_response_by_user_id: Mapped[uuid.UUID | None] = mapped_column()
    completed_at: Mapped[datetime | None] = mapped_column()
    completed_by_user_id: Mapped[uuid.UUID | None] = mapped_column()
    snoozed_until: Mapped[datetime | None] = mapped_column()
    assigned_at: Mapped[datetime | None] = mapped_column()
    escalated_at: Mapped[datetime | None] = mapped_column()
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class TaskEvent(TenantOwned, Base):
    """The task's full history: every change, note and message, with who and when."""

    __tablename__ = "task_event"
    __table_args__ = (_fk("task_id", "task"), Index(None, "organization_id", "task_id", "at"))

    task_id: Mapped[uuid.UUID] = mapped_column()
    at: Mapped[datetime] = mapped_column()
    user_id: Mapped[uuid.UUID | None] = mapped_column()
    # created, assigned, claimed, released, status, priority, note, checklist, snoozed,
    # escalated, triage, message-in, message-out, patient-identified, edited
    action: Mapped[str] = mapped_column(String(30))
    from_value: Mapped[str | None] = mapped_column(String(100))
    to_value: Mapped[str | None] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(Text)


class SlaPolicy(TenantOwned, Timestamped, Base):
    """An organization's response-time targets for one task type, in business minutes."""

    __tablename__ = "sla_policy"
    __table_args__ = (
        UniqueConstraint("organization_id", "task_type"),
        CheckConstraint("at_risk_percent between 1 and 99", name="at_risk_percent"),
        CheckConstraint("resolution_minutes > 0", name="resolution"),
    )

    task_type: Mapped[str] = mapped_column(String(40))
    first_response_minutes: Mapped[int | None] = mapped_column(Integer)
    resolution_minutes: Mapped[int] = mapped_column(Integer)
    at_risk_percent: Mapped[int] = mapped_column(Integer, default=80)


class RoutingRule(TenantOwned, Timestamped, Base):
    """Where new work goes: the first active rule (by position) that matches decides the
    team and the skill a coordinator needs; workload and continuity pick the person."""

    __tablename__ = "routing_rule"
    __table_args__ = (_fk("team_id", "work_team"), Index(None, "organization_id", "team_id"))

    position: Mapped[int] = mapped_column(Integer, default=100)
    task_type: Mapped[str | None] = mapped_column(String(40))
    category: Mapped[str | None] = mapped_column(String(20))
    language: Mapped[str | None] = mapped_column(String(20))
    team_id: Mapped[uuid.UUID | None] = mapped_column()
    skill: Mapped[str | None] = mapped_column(String(40))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Playbook(TenantOwned, Base):
    """An organization's operating notes; every edit is a new version."""

    __tablename__ = "playbook"
    __table_args__ = (UniqueConstraint("organization_id", "version"),)

    version: Mapped[int] = mapped_column(Integer)
    scripts: Mapped[str] = mapped_column(Text, default="")
    escalation_contacts: Mapped[str] = mapped_column(Text, default="")
    do_not_handle: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column()
    created_by_user_id: Mapped[uuid.UUID | None] = mapped_column()


class TriageCorrection(TenantOwned, Base):
    """A coordinator's confirmation or correction of a triage suggestion, kept for
    retraining the classifier."""

    __tablename__ = "triage_correction"
    __table_args__ = (
        _fk("task_id", "task"),
        _fk("communication_id", "communication"),
        Index(None, "organization_id", "task_id"),
        Index(None, "organization_id", "communication_id"),
    )

    task_id: Mapped[uuid.UUID] = mapped_column()
    communication_id: Mapped[uuid.UUID | None] = mapped_column()
    suggested_category: Mapped[str | None] = mapped_column(String(20))
    suggested_urgency: Mapped[str | None] = mapped_column(String(12))
    category: Mapped[str] = mapped_column(String(20))
    urgency: Mapped[str] = mapped_column(String(12))
    user_id: Mapped[uuid.UUID] = mapped_column()
    at: Mapped[datetime] = mapped_column()


class StaffNotification(TenantOwned, Base):
    """Something a staff member must see (a breach on their team). Carries no patient
    data: the text names the task type and organization, the link opens the task."""

    __tablename__ = "staff_notification"
    __table_args__ = (
        _fk("task_id", "task"),
        Index(None, "user_id", "read_at"),
        Index(None, "organization_id", "task_id"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    task_id: Mapped[uuid.UUID | None] = mapped_column()
    kind: Mapped[str] = mapped_column(String(30))
    text: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column()
    read_at: Mapped[datetime | None] = mapped_column()


class SavedView(Base):
    """A user's saved queue filter. Filters are re-scoped on every use, so a view never
    reaches further than its owner can."""

    __tablename__ = "saved_view"
    __table_args__ = (UniqueConstraint("user_id", "name"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(60))
    filters: Mapped[dict[str, Any]] = mapped_column()
    created_at: Mapped[datetime] = mapped_column()
