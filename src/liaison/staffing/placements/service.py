"""Use cases of placements, and the access that goes with them.

A coordinator reaches a client's patients through a membership in that organization.
The membership is granted when the placement becomes active and revoked the moment it
ends, in the same unit of work as the state change: there is no moment when the
placement says "ended" and the membership still works.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from sqlalchemy import select

from liaison.authz.access import access_one
from liaison.authz.permissions import Permission
from liaison.authz.scope import scoped
from liaison.context import Context
from liaison.errors import Conflict, InvalidInput
from liaison.kit import clock
from liaison.kit.keyset import page_of, paginate
from liaison.models import Coordinator, Course, Enrollment, Membership, Opening, Placement, User
from liaison.models.staffing import LIVE_PLACEMENT_STATUSES
from liaison.staffing import access
from liaison.staffing.fields import fte_percent
from liaison.staffing.matching import service as matching
from liaison.staffing.openings import repository as openings_repository
from liaison.staffing.openings import service as openings
from liaison.staffing.placements import rules
from liaison.staffing.placements.schemas import PlacementCreate, TransitionRequest
from liaison.staffing.profiles import repository as profiles_repository
from liaison.staffing.training import rules as training_rules
from liaison.staffing.training import service as training

READ, WRITE = Permission.STAFFING_READ, Permission.STAFFING_WRITE


@dataclass
class Checklist:
    items: list[dict[str, object]] = field(default_factory=list)
    blockers: list[rules.Blocker] = field(default_factory=list)


@dataclass
class PlacementView:
    placement: Placement
    opening: Opening
    organization_name: str
    coordinator_name: str
    checklist: Checklist | None = None


def access_placement(
    ctx: Context, placement_id: uuid.UUID, *, for_update: bool = False
) -> Placement:
    return access_one(
        ctx.session, ctx.caller, Placement, placement_id, READ, "Placement", for_update=for_update
    )


def _views(ctx: Context, placements: list[Placement]) -> list[PlacementView]:
    openings_by_id = {
        o.id: o
        for o in openings_repository.by_ids(
            ctx.session, ctx.caller, list({p.opening_id for p in placements})
        )
    }
    names = openings_repository.organization_names(
        ctx.session, {p.organization_id for p in placements}
    )
    people = dict(
        ctx.session.execute(
            select(Coordinator.id, User.display_name)
            .join(User, User.id == Coordinator.user_id)
            .where(Coordinator.id.in_(list({p.coordinator_id for p in placements})))
        ).all()
    )
    return [
        PlacementView(
            p,
            openings_by_id[p.opening_id],
            names.get(p.organization_id, ""),
            people.get(p.coordinator_id, ""),
        )
        for p in placements
    ]


def list_placements(
    ctx: Context,
    *,
    organization_id: uuid.UUID | None = None,
    coordinator_id: uuid.UUID | None = None,
    opening_id: uuid.UUID | None = None,
    status: str | None = None,
    limit: int = 100,
    cursor: str | None = None,
) -> tuple[list[PlacementView], str | None]:
    if organization_id is not None:
        ctx.require(READ, organization_id)
    if coordinator_id is not None:
        access.access_coordinator(ctx, coordinator_id)
    if opening_id is not None:
        openings.access_opening(ctx, opening_id)
    stmt = scoped(select(Placement), ctx.caller, Placement, READ)
    if organization_id is not None:
        stmt = stmt.where(Placement.organization_id == organization_id)
    if coordinator_id is not None:
        stmt = stmt.where(Placement.coordinator_id == coordinator_id)
    if opening_id is not None:
        stmt = stmt.where(Placement.opening_id == opening_id)
    if status is not None:
        stmt = stmt.where(Placement.status == status)
    order = (Placement.id,)
    rows = list(ctx.session.scalars(paginate(stmt, order, limit=limit, cursor=cursor)))
    found, nxt = page_of(rows, order, limit)
    return _views(ctx, found), nxt


def get_placement(ctx: Context, placement_id: uuid.UUID) -> PlacementView:
    placement = access_placement(ctx, placement_id)
    view = _views(ctx, [placement])[0]
    view.checklist = checklist(ctx, placement, view.opening)
    return view


def checklist(ctx: Context, placement: Placement, opening: Opening) -> Checklist:
    """Onboarding: the training the client requires (its playbook, its systems, the
    role's courses) and the certifications, each with where the coordinator stands."""
    course_ids = [uuid.UUID(c) for c in matching.required_courses(ctx, [opening])[opening.id]]
    courses = {
        c.id: c for c in ctx.session.scalars(select(Course).where(Course.id.in_(course_ids)))
    }
    enrollments = {
        e.course_id: e
        for e in ctx.session.scalars(
            select(Enrollment).where(
                Enrollment.coordinator_id == placement.coordinator_id,
                Enrollment.course_id.in_(course_ids),
            )
        )
    }
    certificates = training_rules.current_certifications(
        profiles_repository.certifications(ctx.session, [placement.coordinator_id]).get(
            placement.coordinator_id, []
        )
    )
    today = clock.now().date()
    result = Checklist()
    for course_id in course_ids:
        course = courses.get(course_id)
        if course is None:
            continue
        enrollment = enrollments.get(course_id)
        result.items.append(
            {
                "kind": "course",
                "code": str(course.id),
                "title": course.title,
                "state": enrollment.status if enrollment else "not-enrolled",
                "due_on": enrollment.due_on if enrollment else None,
            }
        )
    for code in opening.required_certifications:
        cert = certificates.get(code)
        state = training_rules.certification_state(cert.expires_on, today) if cert else "missing"
        result.items.append(
            {
                "kind": "certification",
                "code": code,
                "title": code,
                "state": state,
                "due_on": cert.expires_on if cert else None,
            }
        )
    result.blockers = rules.blockers(
        [(str(c), courses[c].title) for c in course_ids if c in courses],
        {str(e.course_id) for e in enrollments.values() if e.status == "passed"},
        opening.required_certifications,
        {code: cert.expires_on for code, cert in certificates.items()},
        today,
    )
    return result


# --- Proposing ------------------------------------------------------------------------


def _placed_percent(ctx: Context, coordinator_id: uuid.UUID) -> int:
    return profiles_repository.placed_percent(ctx.session, ctx.caller, [coordinator_id]).get(
        coordinator_id, 0
    )


def propose(ctx: Context, data: PlacementCreate) -> PlacementView:
    opening = openings.access_opening(ctx, data.opening_id)
    principal = ctx.require(WRITE, opening.organization_id)
    coordinator = access.access_coordinator(ctx, data.coordinator_id, write=True, for_update=True)
    if opening.status != "open":
        raise Conflict(
            f"The opening is {opening.status}; reopen it to propose someone", field="opening_id"
        )
    duplicate = ctx.session.scalar(
        scoped(
            select(Placement.id).where(
                Placement.opening_id == opening.id,
                Placement.coordinator_id == coordinator.id,
                Placement.status.in_(LIVE_PLACEMENT_STATUSES),
            ),
            principal,
            Placement,
            READ,
        )
    )
    if duplicate is not None:
        raise Conflict(
            "This coordinator is already proposed or placed for this opening",
            field="coordinator_id",
        )
    requested = fte_percent(data.fte) if data.fte is not None else opening.fte_percent
    problem = rules.capacity_problem(
        coordinator.capacity_percent, _placed_percent(ctx, coordinator.id), requested
    )
    if problem:
        raise Conflict(problem, field="fte")
    candidate = matching.explain_pair(ctx, opening, coordinator.id)
    reasons = [e.reason for e in candidate.exclusions if e.field != "capacity"]
    if reasons:
        raise InvalidInput("coordinator_id", "; ".join(reasons))
    now = clock.now()
    placement = Placement(
        organization_id=opening.organization_id,
        opening_id=opening.id,
        coordinator_id=coordinator.id,
        status="proposed",
        fte_percent=requested,
        score=candidate.score,
        score_components=[
            {
                "key": c.key,
                "label": c.label,
                "value": c.value,
                "weight": c.weight,
                "points": c.points,
                "detail": c.detail,
            }
            for c in candidate.components
        ],
        proposed_at=now,
        proposed_by_user_id=principal.user_id,
    )
    ctx.session.add(placement)
    ctx.session.flush()
    ctx.audit(
        "create",
        "Placement",
        placement.id,
        organization_id=placement.organization_id,
        coordinator=str(coordinator.id),
    )
    return get_placement(ctx, placement.id)


# --- Moving through the pipeline ------------------------------------------------------


def transition(ctx: Context, placement_id: uuid.UUID, data: TransitionRequest) -> PlacementView:
    placement = access_placement(ctx, placement_id, for_update=True)
    principal = ctx.require(WRITE, placement.organization_id)
    problem = rules.why_not(placement.status, data.to)
    if problem:
        raise Conflict(problem, field="to")
    opening = openings.access_opening(ctx, placement.opening_id)
    coordinator = access.access_coordinator(ctx, placement.coordinator_id, for_update=True)
    now = clock.now()
    previous = placement.status
    if data.to == "onboarding":
        # Confirming is the staffing manager's decision; onboarding enrolls the
        # coordinator in every course the client requires, due when the opening starts.
        placement.confirmed_at, placement.confirmed_by_user_id = now, principal.user_id
        required = [uuid.UUID(c) for c in matching.required_courses(ctx, [opening])[opening.id]]
        training.enroll_missing(ctx, coordinator, required, opening.starts_on)
    elif data.to == "active":
        blocked = checklist(ctx, placement, opening).blockers
        if blocked:
            raise Conflict(
                "The placement is blocked until the required training is passed: "
                + "; ".join(b.reason for b in blocked),
                field="to",
                blockers=[b.reason for b in blocked],
            )
        if coordinator.status != "active":
            raise Conflict("The coordinator's profile is inactive", field="to")
        _grant_access(ctx, placement, coordinator)
        placement.activated_at = now
    else:
        placement.ended_at = now
        placement.end_reason = data.reason
        if previous == "active":
            _revoke_access(ctx, placement, coordinator)
    placement.status = data.to
    ctx.session.flush()
    openings.refresh_status(ctx, opening)
    ctx.session.flush()
    ctx.audit(
        "update",
        "Placement",
        placement.id,
        organization_id=placement.organization_id,
        change=f"{previous}->{data.to}",
    )
    return get_placement(ctx, placement.id)


def _membership(ctx: Context, placement: Placement, coordinator: Coordinator) -> Membership | None:
    stmt = scoped(
        select(Membership)
        .where(
            Membership.organization_id == placement.organization_id,
            Membership.user_id == coordinator.user_id,
        )
        .with_for_update(),
        ctx.caller,
        Membership,
        WRITE,
    )
    return ctx.session.scalar(stmt)


def _grant_access(ctx: Context, placement: Placement, coordinator: Coordinator) -> None:
    membership = _membership(ctx, placement, coordinator)
    if membership is None:
        membership = Membership(
            organization_id=placement.organization_id,
            user_id=coordinator.user_id,
            role="coordinator",
            active=True,
        )
        ctx.session.add(membership)
        ctx.session.flush()
        action = "create"
    elif membership.role != "coordinator":
        # Another role (an admin who is also a coordinator) is not the placement's to
        # give or take away.
        raise Conflict(
            f"The coordinator already holds the {membership.role} role in this organization; "
            "a placement cannot control that access",
            field="to",
        )
    else:
        membership.active = True
        action = "update"
    ctx.audit(
        action,
        "Membership",
        membership.id,
        organization_id=placement.organization_id,
        user=str(coordinator.user_id),
        reason="placement active",
        placement=str(placement.id),
    )


def _revoke_access(ctx: Context, placement: Placement, coordinator: Coordinator) -> None:
    still_placed = ctx.session.scalar(
        scoped(
            select(Placement.id).where(
                Placement.organization_id == placement.organization_id,
                Placement.coordinator_id == coordinator.id,
                Placement.status == "active",
                Placement.id != placement.id,
            ),
            ctx.caller,
            Placement,
            READ,
        )
    )
    if still_placed is not None:
        return  # another active placement at this client still needs the access
    membership = _membership(ctx, placement, coordinator)
    if membership is None or membership.role != "coordinator" or not membership.active:
        return
    membership.active = False
    ctx.audit(
        "update",
        "Membership",
        membership.id,
        organization_id=placement.organization_id,
        user=str(coordinator.user_id),
        reason="placement ended",
        placement=str(placement.id),
    )
