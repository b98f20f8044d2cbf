"""Use cases of coordinator profiles and certifications."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from liaison.authz.permissions import Permission
from liaison.context import Context
from liaison.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from liaison.jobs.outbox import enqueue
from liaison.kit import clock
from liaison.kit.db import flush_or_conflict
from liaison.kit.pagination import decode_cursor, encode_cursor
from liaison.models import (
    Coordinator,
    CoordinatorCertification,
    Opening,
    Placement,
    User,
)
from liaison.staffing import access
from liaison.staffing.fields import fte_percent, hours_json, overlapping_day
from liaison.staffing.profiles import repository
from liaison.staffing.profiles.schemas import (
    CertificationCreate,
    CoordinatorCreate,
    CoordinatorUpdate,
)
from liaison.staffing.training import rules as training_rules

WRITE = Permission.STAFFING_WRITE


@dataclass
class Profile:
    coordinator: Coordinator
    user: User
    placed_percent: int = 0
    certifications: list[CoordinatorCertification] = field(default_factory=list)
    placements: list[tuple[Placement, Opening, str]] = field(default_factory=list)


# --- Reading --------------------------------------------------------------------------


def _visible_ids(ctx: Context) -> set[uuid.UUID] | None:
    """Coordinator ids the caller may list (None: all of them)."""
    principal = ctx.caller
    if access.is_staffing_team(principal):
        return None
    ids = repository.placed_coordinator_ids(ctx.session, principal)
    me = repository.by_user(ctx.session, principal.user_id)
    if me is not None:
        ids.add(me.id)
    return ids


def _matches(c: Coordinator, language: str | None, system: str | None, skill: str | None) -> bool:
    # Filters on JSON lists run here rather than in SQL: containment is spelled
    # differently on each engine, and the partner's pool is thousands of rows at most.
    if language and not any(item["tag"] == language for item in c.languages):
        return False
    if system and not any(item["code"] == system for item in c.systems):
        return False
    return not (skill and skill not in c.skills)


def list_coordinators(
    ctx: Context,
    *,
    q: str | None = None,
    language: str | None = None,
    system: str | None = None,
    skill: str | None = None,
    status: str | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> tuple[list[Profile], str | None]:
    visible = _visible_ids(ctx)
    if visible is not None and not visible:
        return [], None
    rows = repository.with_users(
        ctx.session, coordinator_ids=visible, status=status, name_like=(q or "").strip() or None
    )
    rows = [(c, u) for c, u in rows if _matches(c, language, system, skill)]
    rows.sort(key=lambda cu: (cu[1].display_name.lower(), str(cu[0].id)))
    if cursor:
        after_name, after_id = decode_cursor(cursor, 2)
        rows = [
            (c, u)
            for c, u in rows
            if (u.display_name.lower(), str(c.id)) > (str(after_name), str(after_id))
        ]
    page = rows[:limit]
    next_cursor = None
    if len(rows) > limit:
        last_c, last_u = page[-1]
        next_cursor = encode_cursor([last_u.display_name.lower(), str(last_c.id)])
    placed = repository.placed_percent(ctx.session, ctx.caller, [c.id for c, _ in page])
    return [Profile(c, u, placed.get(c.id, 0)) for c, u in page], next_cursor


def get_profile(ctx: Context, coordinator_id: uuid.UUID) -> Profile:
    coordinator = access.access_coordinator(ctx, coordinator_id)
    return _profile(ctx, coordinator)


def _profile(ctx: Context, coordinator: Coordinator) -> Profile:
    user = ctx.session.get(User, coordinator.user_id)
    assert user is not None  # the foreign key cascades
    return Profile(
        coordinator,
        user,
        repository.placed_percent(ctx.session, ctx.caller, [coordinator.id]).get(coordinator.id, 0),
        repository.certifications(ctx.session, [coordinator.id]).get(coordinator.id, []),
        repository.placements_of(ctx.session, ctx.caller, coordinator.id),
    )


def certification_states(profile: Profile) -> dict[uuid.UUID, str]:
    """Each certificate's state today; older certificates of a renewed code are
    'superseded'."""
    today = clock.now().date()
    newest = training_rules.current_certifications(profile.certifications)
    return {
        cert.id: (
            training_rules.certification_state(cert.expires_on, today)
            if newest.get(cert.code) is cert
            else "superseded"
        )
        for cert in profile.certifications
    }


# --- Writing --------------------------------------------------------------------------


def _check_hours(hours: dict[str, list[dict[str, str]]], field_name: str) -> None:
    day = overlapping_day(hours)
    if day:
        raise InvalidInput(f"{field_name}.{day}", "has spans that overlap")
    if not any(hours.values()):
        raise InvalidInput(field_name, "names no working time")


def _profile_columns(data: CoordinatorCreate | CoordinatorUpdate) -> dict[str, Any]:
    changes = data.model_dump(exclude_unset=True)
    for name in (
        "headline",
        "home_time_zone",
        "working_hours",
        "capacity_fte",
        "languages",
        "status",
    ):
        if name in changes and changes[name] is None:
            raise InvalidInput(name, "may not be null")
    columns: dict[str, Any] = {}
    for name, value in changes.items():
        if name == "capacity_fte":
            columns["capacity_percent"] = fte_percent(value)
        elif name == "working_hours":
            hours = hours_json(data.working_hours)
            _check_hours(hours, "working_hours")
            columns["working_hours"] = hours
        elif name in ("skills", "specialties"):
            columns[name] = list(value or [])
        else:
            columns[name] = value
    return columns


def create_coordinator(ctx: Context, data: CoordinatorCreate) -> Profile:
    principal = ctx.caller
    user = ctx.session.get(User, data.user_id)
    if not access.is_staffing_team(principal, WRITE):
        # Someone outside the staffing team learns nothing about users they cannot see.
        if user is None or not repository.organizations_of_user(ctx.session, principal, user.id):
            raise NotFound("User")
        raise PermissionDenied("Only the staffing team may create coordinator profiles")
    if user is None:
        raise InvalidInput("user_id", "does not exist")
    if repository.by_user(ctx.session, user.id) is not None:
        raise Conflict("This user already has a coordinator profile", field="user_id")
    columns = _profile_columns(data)
    columns.pop("user_id", None)
    coordinator = Coordinator(user_id=user.id, **columns)
    ctx.session.add(coordinator)
    flush_or_conflict(ctx.session, "This user already has a coordinator profile", field="user_id")
    ctx.audit("create", "Coordinator", coordinator.id)
    return _profile(ctx, coordinator)


def update_coordinator(ctx: Context, coordinator_id: uuid.UUID, data: CoordinatorUpdate) -> Profile:
    coordinator = access.access_coordinator(ctx, coordinator_id, write=True, for_update=True)
    columns = _profile_columns(data)
    if "capacity_percent" in columns:
        placed = repository.placed_percent(ctx.session, ctx.caller, [coordinator.id]).get(
            coordinator.id, 0
        )
        if columns["capacity_percent"] < placed:
            raise Conflict(
                f"{placed / 100:.2f} FTE is already placed; end a placement before lowering "
                "the capacity below it",
                field="capacity_fte",
            )
    for name, value in columns.items():
        setattr(coordinator, name, value)
    ctx.session.flush()
    ctx.audit("update", "Coordinator", coordinator.id, fields=sorted(columns))
    return _profile(ctx, coordinator)


def add_certification(
    ctx: Context, coordinator_id: uuid.UUID, data: CertificationCreate
) -> CoordinatorCertification:
    coordinator = access.access_coordinator(ctx, coordinator_id, write=True)
    today = clock.now().date()
    if data.issued_on > today:
        raise InvalidInput("issued_on", "is in the future")
    if data.expires_on is not None and data.expires_on < today:
        # An expired certificate proves nothing for a placement; what counts is the
        # renewal, recorded with its own dates.
        raise InvalidInput(
            "expires_on",
            f"is in the past: the certificate expired on {data.expires_on}; record the renewed one",
        )
    cert = CoordinatorCertification(
        coordinator_id=coordinator.id,
        code=data.code,
        name=data.name,
        issued_on=data.issued_on,
        expires_on=data.expires_on,
        source="external",
        created_at=clock.now(),
    )
    ctx.session.add(cert)
    ctx.session.flush()
    ctx.audit("create", "CoordinatorCertification", cert.id, coordinator=str(coordinator.id))
    return cert


# --- Renewals -------------------------------------------------------------------------


@dataclass
class Renewal:
    coordinator: Coordinator
    user: User
    certification: CoordinatorCertification
    state: str
    days_left: int


def renewals_due(ctx: Context, within_days: int) -> list[Renewal]:
    """Current certificates that expire within ``within_days`` (or already have)."""
    visible = _visible_ids(ctx)
    rows = repository.with_users(ctx.session, coordinator_ids=visible)
    by_id = {c.id: (c, u) for c, u in rows}
    certs = repository.certifications(ctx.session, list(by_id))
    today = clock.now().date()
    due = []
    for coordinator_id, items in certs.items():
        for cert in training_rules.current_certifications(items).values():
            if cert.expires_on is None or (cert.expires_on - today).days > within_days:
                continue
            c, u = by_id[coordinator_id]
            state = training_rules.certification_state(cert.expires_on, today, within_days)
            due.append(Renewal(c, u, cert, state, (cert.expires_on - today).days))
    due.sort(key=lambda r: (r.days_left, r.user.display_name))
    return due


def queue_renewal_reminders(ctx: Context, within_days: int) -> list[Renewal]:
    """One reminder per certificate through the outbox (sent after commit by whatever
    consumes ``staffing.certification.renewal-due``); a certificate already reminded
    is skipped, so running this daily is safe."""
    access.require_team(ctx)
    due = [r for r in renewals_due(ctx, within_days) if r.certification.reminded_at is None]
    now = clock.now()
    for renewal in due:
        cert = renewal.certification
        enqueue(
            ctx.session,
            "staffing.certification.renewal-due",
            {
                "coordinator_id": str(renewal.coordinator.id),
                "user_id": str(renewal.user.id),
                "certification_id": str(cert.id),
                "code": cert.code,
                "expires_on": cert.expires_on.isoformat() if cert.expires_on else None,
            },
            idempotency_key=f"certification-renewal:{cert.id}",
            organization_id=None,
        )
        cert.reminded_at = now
    ctx.session.flush()
    ctx.audit("execute", "CertificationReminder", None, count=len(due))
    return due
