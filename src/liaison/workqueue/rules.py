"""The work queue's pure rules: the status model, priorities, default targets, routing.

No I/O and no clock: facts in, decisions out, each with the reason a person can read.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from liaison.models.workqueue import OPEN_STATUSES, TASK_PRIORITIES, TASK_STATUSES

# Work types Liaison knows; an organization (or a later domain) may use others: the
# queue treats a type as a label with an SLA policy, nothing more.
TASK_TYPES = (
    "inquiry",
    "call-back",
    "reschedule",
    "no-show-outreach",
    "waitlist-follow-up",
    "intake-review",
    "insurance-exception",
    "referral",
    "document-review",
    "general",
    "appointment-request",
    "cancellation-follow-up",
)
TYPE_LABELS = {
    "inquiry": "Inquiry",
    "call-back": "Call-back",
    "reschedule": "Reschedule",
    "no-show-outreach": "No-show outreach",
    "waitlist-follow-up": "Waitlist follow-up",
    "intake-review": "Intake review",
    "insurance-exception": "Insurance exception",
    "referral": "Referral",
    "document-review": "Document review",
    "general": "General",
    # A patient asked in the portal for a visit type a coordinator approves.
    "appointment-request": "Appointment request",
    "cancellation-follow-up": "Cancellation follow-up",
}
CATEGORIES = ("scheduling", "refill", "billing", "clinical", "records", "other")
URGENCIES = ("emergency", "urgent", "routine")

PRIORITY_RANK = {"stat": 0, "asap": 1, "urgent": 2, "routine": 3}
assert set(PRIORITY_RANK) == set(TASK_PRIORITIES)

# FHIR Task's status model, as far as a coordination queue uses it. Completed, cancelled
# and failed are final: new work on the same matter is a new task.
TRANSITIONS: Mapping[str, frozenset[str]] = {
    "requested": frozenset({"accepted", "in-progress", "on-hold", "completed", "cancelled"}),
    "accepted": frozenset(
        {"requested", "in-progress", "on-hold", "completed", "cancelled", "failed"}
    ),
    "in-progress": frozenset({"accepted", "on-hold", "completed", "cancelled", "failed"}),
    "on-hold": frozenset({"requested", "accepted", "in-progress", "completed", "cancelled"}),
    "completed": frozenset(),
    "cancelled": frozenset(),
    "failed": frozenset(),
}
assert set(TRANSITIONS) == set(TASK_STATUSES)
FINAL = frozenset(s for s in TASK_STATUSES if s not in OPEN_STATUSES)


def can_move(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, frozenset())


def transition_problem(current: str, target: str) -> str | None:
    """Why ``current -> target`` is not allowed, or None when it is."""
    if target not in TASK_STATUSES:
        return f"is not a task status ({', '.join(TASK_STATUSES)})"
    if current == target:
        return f"the task is already {current}"
    if current in FINAL:
        return f"a {current} task cannot change status; open a new task instead"
    if not can_move(current, target):
        allowed = ", ".join(sorted(TRANSITIONS[current]))
        return f"a {current} task can move to {allowed}"
    return None


def escalated_priority(priority: str) -> str:
    """One step more pressing (routine -> urgent -> asap -> stat), stat stays stat."""
    order = ("routine", "urgent", "asap", "stat")
    index = order.index(priority)
    return order[min(index + 1, len(order) - 1)]


def priority_for_urgency(urgency: str | None) -> str:
    return {"emergency": "stat", "urgent": "urgent"}.get(urgency or "", "routine")


# --- Default targets (business minutes) when an organization has set none -------------


@dataclass(frozen=True)
class Targets:
    first_response_minutes: int | None
    resolution_minutes: int
    at_risk_percent: int = 80


DAY = 8 * 60  # one business day of a typical 8-hour schedule, in business minutes
DEFAULT_TARGETS: Mapping[str, Targets] = {
    "inquiry": Targets(60, 2 * DAY),
    "call-back": Targets(None, 4 * 60),
    "reschedule": Targets(None, DAY),
    "no-show-outreach": Targets(None, DAY),
    "waitlist-follow-up": Targets(None, DAY),
    "intake-review": Targets(None, 2 * DAY),
    "insurance-exception": Targets(None, 2 * DAY),
    "referral": Targets(None, 3 * DAY),
    "document-review": Targets(None, 3 * DAY),
    "general": Targets(None, 3 * DAY),
    "appointment-request": Targets(None, DAY),
    "cancellation-follow-up": Targets(None, DAY),
}
FALLBACK_TARGETS = Targets(None, 3 * DAY)
# A more pressing priority shortens the target to this share of it.
PRIORITY_FACTOR = {"routine": 1.0, "urgent": 0.5, "asap": 0.25, "stat": 0.0625}


def targets_for(task_type: str, priority: str, policy: Targets | None) -> Targets:
    base = policy or DEFAULT_TARGETS.get(task_type, FALLBACK_TARGETS)
    factor = PRIORITY_FACTOR[priority]

    def scaled(minutes: int | None) -> int | None:
        return None if minutes is None else max(5, round(minutes * factor))

    return Targets(
        scaled(base.first_response_minutes),
        scaled(base.resolution_minutes) or 5,
        base.at_risk_percent,
    )


# --- Routing ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    id: uuid.UUID
    position: int
    task_type: str | None
    category: str | None
    language: str | None
    team_id: uuid.UUID | None
    skill: str | None


@dataclass(frozen=True)
class Work:
    """What routing needs to know about a new task."""

    task_type: str
    category: str | None
    language: str | None
    skill: str | None


def matching_rule(rules: Sequence[Rule], work: Work) -> Rule | None:
    """The first rule by position whose every set condition matches."""
    for rule in sorted(rules, key=lambda r: (r.position, str(r.id))):
        if rule.task_type and rule.task_type != work.task_type:
            continue
        if rule.category and rule.category != work.category:
            continue
        if rule.language and not _same_language(rule.language, work.language):
            continue
        return rule
    return None


@dataclass(frozen=True)
class Candidate:
    user_id: uuid.UUID
    languages: frozenset[str] = frozenset()
    skills: frozenset[str] = frozenset()
    open_tasks: int = 0
    # 100 = full time; a half-time coordinator carries half the load before looking busy.
    capacity_percent: int = 100
    last_assigned_at: datetime | None = None
    teams: frozenset[uuid.UUID] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Routed:
    user_id: uuid.UUID | None
    reason: str


def _same_language(a: str | None, b: str | None) -> bool:
    if not a or not b:
        return False
    return a.split("-")[0].lower() == b.split("-")[0].lower()


def route(
    work: Work,
    candidates: Sequence[Candidate],
    *,
    team_id: uuid.UUID | None = None,
    required_skill: str | None = None,
    continuity_user_id: uuid.UUID | None = None,
    max_open_tasks: int = 40,
) -> Routed:
    """Who takes a new task.

    Eligible: in the rule's team (if any), with the needed skill (the rule's or the
    task's), speaking the patient's language when someone eligible does, and under their
    share of ``max_open_tasks``. Among them, the coordinator who already works with the
    patient keeps them (continuity) unless they carry clearly more than the least-loaded
    (more than 1.5x, at least 3 tasks more); otherwise the least loaded relative to
    capacity, and on a tie the one who was given work longest ago (fair rotation).
    """
    pool = [c for c in candidates if team_id is None or team_id in c.teams]
    if team_id is not None and not pool:
        return Routed(None, "nobody is on the team this work is routed to")
    skill = required_skill or work.skill
    if skill:
        pool = [c for c in pool if skill in c.skills]
        if not pool:
            return Routed(None, f"nobody available has the skill '{skill}'")
    reasons: list[str] = []
    if work.language and not _same_language(work.language, "en"):
        speakers = [c for c in pool if any(_same_language(x, work.language) for x in c.languages)]
        if speakers:
            pool = speakers
            reasons.append(f"speaks {work.language}")
        else:
            reasons.append(f"nobody available speaks {work.language}")

    def load(c: Candidate) -> float:
        return c.open_tasks / max(c.capacity_percent, 5) * 100

    pool = [c for c in pool if load(c) < max_open_tasks]
    if not pool:
        return Routed(None, "everyone eligible is at their workload limit; left for the team")
    lightest = min(load(c) for c in pool)
    if continuity_user_id is not None:
        keeper = next((c for c in pool if c.user_id == continuity_user_id), None)
        if keeper is not None and (load(keeper) <= max(lightest * 1.5, lightest + 3)):
            return Routed(keeper.user_id, "; ".join(["already works with this patient", *reasons]))

    def order(c: Candidate) -> tuple[float, float, str]:
        last = c.last_assigned_at.timestamp() if c.last_assigned_at else float("-inf")
        return (load(c), last, str(c.user_id))

    chosen = min(pool, key=order)
    return Routed(
        chosen.user_id,
        "; ".join([*reasons, f"lightest workload ({chosen.open_tasks} open)"]),
    )
