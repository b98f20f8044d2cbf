"""Use cases of matching: candidates for one opening, an assignment for many, and the
contradiction check an opening must pass before it is saved."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from liaison.authz.permissions import Permission
from liaison.authz.scope import scoped
from liaison.context import Context
from liaison.errors import InvalidInput, NotFound
from liaison.kit import clock
from liaison.models import Coordinator, Enrollment, Opening, Placement, User
from liaison.staffing import access
from liaison.staffing.matching import assignment
from liaison.staffing.matching.rules import (
    Board,
    Candidate,
    CodeNeed,
    CoordinatorFacts,
    LanguageNeed,
    OpeningNeeds,
    build_board,
)
from liaison.staffing.openings import repository as openings_repository
from liaison.staffing.profiles import repository as profiles_repository
from liaison.staffing.training import rules as training_rules
from liaison.staffing.vocabulary import language_name, skill_name, specialty_name, system_name

READ = Permission.STAFFING_READ
# How many excluded coordinators a match result explains (the rest are counted).
EXCLUDED_SHOWN = 50


@dataclass
class Pool:
    facts: list[CoordinatorFacts]
    rows: dict[uuid.UUID, tuple[Coordinator, User]]


def profile_text(c: Coordinator) -> str:
    words = [c.headline, c.bio]
    words += [skill_name(s) for s in c.skills]
    words += [system_name(s["code"]) for s in c.systems]
    words += [specialty_name(s) for s in c.specialties]
    words += [language_name(lang["tag"]) for lang in c.languages]
    return " ".join(w for w in words if w)


def load_pool(ctx: Context, as_of: date, *, with_performance: bool = True) -> Pool:
    """Every coordinator as matching facts, in a fixed number of queries."""
    session, principal = ctx.session, ctx.caller
    rows = profiles_repository.with_users(session)
    rows.sort(key=lambda cu: (cu[1].display_name.lower(), str(cu[0].id)))
    ids = [c.id for c, _ in rows]
    placed = profiles_repository.placed_percent(session, principal, ids)
    certificates = profiles_repository.certifications(session, ids)
    passed: dict[uuid.UUID, set[str]] = defaultdict(set)
    for coordinator_id, course_id in session.execute(
        select(Enrollment.coordinator_id, Enrollment.course_id).where(Enrollment.status == "passed")
    ):
        passed[coordinator_id].add(str(course_id))
    history: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
    stmt = scoped(
        select(Placement.coordinator_id, Placement.organization_id)
        .where(Placement.status.in_(("onboarding", "active", "ended")))
        .distinct(),
        principal,
        Placement,
        READ,
    )
    for coordinator_id, organization_id in session.execute(stmt):
        history[coordinator_id].add(organization_id)
    performance: dict[uuid.UUID, float | None] = {}
    if with_performance:
        from liaison.staffing.oversight import service as oversight

        performance = oversight.performance_by_user(ctx, [u.id for _, u in rows], as_of)
    facts = []
    for c, u in rows:
        current = training_rules.current_certifications(certificates.get(c.id, []))
        facts.append(
            CoordinatorFacts(
                key=c.id,
                name=u.display_name,
                active=c.status == "active",
                languages={item["tag"]: item["proficiency"] for item in c.languages},
                systems={item["code"]: int(item["years"]) for item in c.systems},
                skills=frozenset(c.skills),
                specialties=frozenset(c.specialties),
                time_zone=c.home_time_zone,
                working_hours=c.working_hours,
                capacity=c.capacity_percent,
                placed=placed.get(c.id, 0),
                scores=(c.score_communication, c.score_accuracy, c.score_empathy),
                certifications={code: cert.expires_on for code, cert in current.items()},
                passed_courses=frozenset(passed.get(c.id, set())),
                performance=performance.get(u.id),
                history=frozenset(history.get(c.id, set())),
                text=profile_text(c),
            )
        )
    return Pool(facts, {c.id: (c, u) for c, u in rows})


def required_courses(
    ctx: Context, openings: list[Opening], role: str = "primary"
) -> dict[uuid.UUID, list[str]]:
    """Per opening: its own courses, its client's, and those required for the role."""
    by_client = openings_repository.client_course_ids(
        ctx.session, ctx.caller, {o.organization_id for o in openings}
    )
    for_role = [str(c) for c in openings_repository.role_course_ids(ctx.session, role)]
    found = {}
    for o in openings:
        ids = [
            *o.required_course_ids,
            *(str(c) for c in by_client.get(o.organization_id, [])),
            *for_role,
        ]
        found[o.id] = list(dict.fromkeys(ids))
    return found


def needs_of(opening: Opening, courses: list[str]) -> OpeningNeeds:
    return OpeningNeeds(
        key=opening.id,
        organization=opening.organization_id,
        title=opening.title,
        time_zone=opening.time_zone,
        hours=opening.hours,
        fte=opening.fte_percent,
        headcount=opening.headcount,
        languages=tuple(
            LanguageNeed(
                n["tag"],
                float(n["share"]),
                bool(n.get("required")),
                n.get("min_proficiency", "professional"),
            )
            for n in opening.languages
        ),
        systems=tuple(CodeNeed(n["code"], bool(n.get("required"))) for n in opening.systems),
        skills=tuple(CodeNeed(n["code"], bool(n.get("required"))) for n in opening.skills),
        specialties=tuple(
            CodeNeed(n["code"], bool(n.get("required"))) for n in opening.specialties
        ),
        required_certifications=tuple(opening.required_certifications),
        required_courses=tuple(courses),
        min_hours_overlap=opening.min_hours_overlap_percent,
        min_assessment=opening.min_assessment,
        text=f"{opening.title}\n{opening.description}",
    )


def board_for(
    ctx: Context, openings: list[Opening], *, with_performance: bool = True
) -> tuple[Board, Pool]:
    as_of = clock.now().date()
    pool = load_pool(ctx, as_of, with_performance=with_performance)
    courses = required_courses(ctx, openings)
    needs = [needs_of(o, courses[o.id]) for o in openings]
    return build_board(pool.facts, needs, as_of), pool


def check_not_contradictory(ctx: Context, opening: Opening) -> None:
    """422 naming the constraint that leaves no coordinator, before the opening is saved."""
    board, _ = board_for(ctx, [opening], with_performance=False)
    empty = board.empty_pool(0)
    if empty is not None:
        raise InvalidInput(empty.field, empty.message)


# --- Results --------------------------------------------------------------------------


@dataclass
class MatchResult:
    opening: Opening
    candidates: list[Candidate]
    excluded: list[Candidate]
    excluded_total: int
    pool_size: int
    exclusion_counts: dict[str, int]


def _opening(ctx: Context, opening_id: uuid.UUID) -> Opening:
    found = openings_repository.by_ids(ctx.session, ctx.caller, [opening_id])
    if not found:
        raise NotFound("Opening")
    return found[0]


def match_opening(ctx: Context, opening_id: uuid.UUID, limit: int = 10) -> MatchResult:
    opening = _opening(ctx, opening_id)
    access.require_team(ctx, READ)
    board, _ = board_for(ctx, [opening])
    ranked = board.ranked(0)
    candidates = [board.explain(0, i) for i in ranked[:limit]]
    excluded_ids = [i for i in range(len(board.coordinators)) if not board.eligible[0, i]]
    counts: dict[str, int] = defaultdict(int)
    for field_name, mask in board.constraints[0]:
        counts[field_name] = int((~mask).sum())
    excluded_ids.sort(key=lambda i: -board.total[0, i])
    ctx.audit("read", "StaffingMatch", opening.id, organization_id=opening.organization_id)
    return MatchResult(
        opening,
        candidates,
        [board.explain(0, i) for i in excluded_ids[:EXCLUDED_SHOWN]],
        len(excluded_ids),
        len(board.coordinators),
        {k: v for k, v in counts.items() if v},
    )


@dataclass
class PlanRow:
    opening: Opening
    seat: int
    candidate: Candidate | None


@dataclass
class PlanResult:
    optimal: list[PlanRow]
    greedy: list[PlanRow]
    optimal_total: float
    greedy_total: float
    seats: int
    optimal_filled: int
    greedy_filled: int


def assignment_plan(ctx: Context, opening_ids: list[uuid.UUID]) -> PlanResult:
    """Optimal and greedy assignments for these openings; nothing is saved: a staffing
    manager confirms each placement."""
    found = {o.id: o for o in openings_repository.by_ids(ctx.session, ctx.caller, opening_ids)}
    for index, opening_id in enumerate(opening_ids):
        if opening_id not in found:
            raise NotFound("Opening", f"opening_ids[{index}] not found")
    access.require_team(ctx, READ)
    openings = [found[i] for i in dict.fromkeys(opening_ids)]
    for index, opening in enumerate(openings):
        if opening.status != "open":
            raise InvalidInput(f"opening_ids[{index}]", f"is {opening.status}, not open")
    board, _ = board_for(ctx, openings)
    plans = (assignment.optimal(board), assignment.greedy(board))

    def rows(plan: assignment.Plan) -> list[PlanRow]:
        picked = {(p.opening, p.seat): p for p in plan.picks}
        out = []
        for j, opening in enumerate(openings):
            for seat in range(opening.headcount):
                pick = picked.get((j, seat))
                out.append(
                    PlanRow(opening, seat, board.explain(j, pick.coordinator) if pick else None)
                )
        return out

    ctx.audit("read", "StaffingAssignment", None, openings=len(openings))
    return PlanResult(
        rows(plans[0]),
        rows(plans[1]),
        plans[0].total,
        plans[1].total,
        plans[0].seats,
        plans[0].filled,
        plans[1].filled,
    )


def explain_pair(
    ctx: Context, opening: Opening, coordinator_id: uuid.UUID, role: str = "primary"
) -> Candidate:
    """One coordinator against one opening (for proposals and backups)."""
    as_of = clock.now().date()
    pool = load_pool(ctx, as_of)
    index = next((i for i, f in enumerate(pool.facts) if f.key == coordinator_id), None)
    if index is None:
        raise NotFound("Coordinator")
    courses = required_courses(ctx, [opening], role)
    # Scored against the whole pool, as on the match page: TF-IDF weights depend on it.
    board = build_board(pool.facts, [needs_of(opening, courses[opening.id])], as_of)
    return board.explain(0, index)
