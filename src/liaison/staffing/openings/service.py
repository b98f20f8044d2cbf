"""Use cases of openings: what a client needs, and its named backup coordinator."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from liaison.authz.permissions import Permission
from liaison.context import Context
from liaison.errors import InvalidInput, NotFound
from liaison.models import Opening, Organization
from liaison.staffing import access
from liaison.staffing.fields import fte_percent, hours_json, overlapping_day
from liaison.staffing.matching import service as matching
from liaison.staffing.openings import repository
from liaison.staffing.openings.schemas import OpeningCreate, OpeningUpdate

READ, WRITE = Permission.STAFFING_READ, Permission.STAFFING_WRITE
# Changing one of these re-runs the contradiction check.
CONSTRAINT_FIELDS = {
    "languages",
    "systems",
    "skills",
    "specialties",
    "required_certifications",
    "hours",
    "time_zone",
    "min_hours_overlap_percent",
    "min_assessment",
}


@dataclass
class OpeningView:
    opening: Opening
    organization_name: str
    filled: int


def access_opening(ctx: Context, opening_id: uuid.UUID) -> Opening:
    found = repository.by_ids(ctx.session, ctx.caller, [opening_id])
    if not found:
        raise NotFound("Opening")
    return found[0]


def views(ctx: Context, openings: list[Opening]) -> list[OpeningView]:
    names = repository.organization_names(ctx.session, {o.organization_id for o in openings})
    filled = repository.active_counts(ctx.session, ctx.caller, [o.id for o in openings])
    return [OpeningView(o, names.get(o.organization_id, ""), filled.get(o.id, 0)) for o in openings]


def list_openings(
    ctx: Context,
    *,
    organization_id: uuid.UUID | None = None,
    status: str | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> tuple[list[OpeningView], str | None]:
    if organization_id is not None:
        ctx.require(READ, organization_id)
    rows, nxt = repository.page(
        ctx.session,
        ctx.caller,
        organization_id=organization_id,
        status=status,
        limit=limit,
        cursor=cursor,
    )
    return views(ctx, rows), nxt


def get_opening(ctx: Context, opening_id: uuid.UUID) -> OpeningView:
    return views(ctx, [access_opening(ctx, opening_id)])[0]


def _columns(data: OpeningCreate | OpeningUpdate) -> dict[str, Any]:
    # A new opening gets every field (defaults included): the contradiction check reads
    # it before the flush that would apply the column defaults.
    changes = data.model_dump(exclude_unset=isinstance(data, OpeningUpdate))
    for name in ("title", "hours", "fte", "headcount", "languages", "status", "time_zone"):
        if (
            name in changes
            and changes[name] is None
            and not (name == "time_zone" and isinstance(data, OpeningCreate))
        ):
            raise InvalidInput(name, "may not be null")
    columns: dict[str, Any] = {}
    for name, value in changes.items():
        if name == "fte":
            columns["fte_percent"] = fte_percent(value)
        elif name == "hours":
            hours = hours_json(data.hours)
            day = overlapping_day(hours)
            if day:
                raise InvalidInput(f"hours.{day}", "has spans that overlap")
            if not any(hours.values()):
                raise InvalidInput("hours", "must name the time to cover")
            columns["hours"] = hours
        elif name == "required_course_ids":
            columns[name] = [str(v) for v in value or []]
        elif name in ("systems", "skills", "specialties", "required_certifications"):
            columns[name] = list(value or [])
        else:
            columns[name] = value
    return columns


def _check_courses(ctx: Context, opening: Opening) -> None:
    ids = [uuid.UUID(v) for v in opening.required_course_ids]
    known = repository.courses(ctx.session, ids)
    for index, course_id in enumerate(ids):
        course = known.get(course_id)
        if course is None:
            raise InvalidInput(f"required_course_ids[{index}]", "does not exist")
        if course.client_organization_id not in (None, opening.organization_id):
            raise InvalidInput(f"required_course_ids[{index}]", "is another client's playbook")


def _check_min_overlap(opening: Opening) -> None:
    if opening.min_hours_overlap_percent is not None and not any(opening.hours.values()):
        raise InvalidInput("min_hours_overlap_percent", "needs hours to cover")


def create_opening(ctx: Context, data: OpeningCreate) -> OpeningView:
    principal = ctx.require(WRITE, data.organization_id)
    organization = ctx.session.get(Organization, data.organization_id)
    if organization is None:
        raise InvalidInput("organization_id", "does not exist")
    columns = _columns(data)
    columns["time_zone"] = columns.get("time_zone") or organization.time_zone
    opening = Opening(created_by_user_id=principal.user_id, **columns)
    _check_courses(ctx, opening)
    _check_min_overlap(opening)
    matching.check_not_contradictory(ctx, opening)
    ctx.session.add(opening)
    ctx.session.flush()
    ctx.audit("create", "Opening", opening.id, organization_id=opening.organization_id)
    return get_opening(ctx, opening.id)


def update_opening(ctx: Context, opening_id: uuid.UUID, data: OpeningUpdate) -> OpeningView:
    opening = access_opening(ctx, opening_id)
    ctx.require(WRITE, opening.organization_id)
    columns = _columns(data)
    for name, value in columns.items():
        setattr(opening, name, value)
    _check_courses(ctx, opening)
    _check_min_overlap(opening)
    if CONSTRAINT_FIELDS & set(columns):
        matching.check_not_contradictory(ctx, opening)
    if columns.get("status") == "open":
        refresh_status(ctx, opening)
    ctx.session.flush()
    ctx.audit(
        "update",
        "Opening",
        opening.id,
        organization_id=opening.organization_id,
        fields=sorted(columns),
    )
    return get_opening(ctx, opening.id)


def refresh_status(ctx: Context, opening: Opening) -> None:
    """open <-> filled from the active placements; a closed opening stays closed."""
    if opening.status == "closed":
        return
    active = repository.active_counts(ctx.session, ctx.caller, [opening.id]).get(opening.id, 0)
    opening.status = "filled" if active >= opening.headcount else "open"


def set_backup(
    ctx: Context, opening_id: uuid.UUID, coordinator_id: uuid.UUID | None
) -> OpeningView:
    """Name (or clear) the trained backup: they must meet the opening's required items
    and have passed its training, but take no capacity until they cover."""
    opening = access_opening(ctx, opening_id)
    ctx.require(WRITE, opening.organization_id)
    if coordinator_id is not None:
        access.access_coordinator(ctx, coordinator_id)
        candidate = matching.explain_pair(ctx, opening, coordinator_id, role="backup")
        reasons = [e.reason for e in candidate.exclusions if e.field != "capacity"]
        training = next(c for c in candidate.components if c.key == "training")
        if training.value is not None and training.value < 1.0:
            reasons.append(f"has not completed the required training ({training.detail})")
        if reasons:
            raise InvalidInput("coordinator_id", "; ".join(reasons))
    opening.backup_coordinator_id = coordinator_id
    ctx.session.flush()
    ctx.audit(
        "update",
        "Opening",
        opening.id,
        organization_id=opening.organization_id,
        fields=["backup_coordinator_id"],
    )
    return get_opening(ctx, opening.id)
