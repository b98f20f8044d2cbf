"""Placement rules: the state machine, capacity and readiness to go live. Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from liaison.staffing.training.rules import valid_on

# proposed -> onboarding (a staffing manager confirms) -> active (access granted) ->
# ended (access revoked). A proposal or an onboarding can also be called off.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "proposed": ("onboarding", "ended"),
    "onboarding": ("active", "ended"),
    "active": ("ended",),
    "ended": (),
}


def why_not(current: str, target: str) -> str | None:
    if target in TRANSITIONS.get(current, ()):
        return None
    if current == target:
        return f"The placement is already {current}"
    allowed = " or ".join(TRANSITIONS.get(current, ())) or "nothing (it has ended)"
    return f"A placement that is {current} can move to {allowed}, not {target}"


def capacity_problem(capacity: int, placed: int, requested: int) -> str | None:
    """Percent FTE: capacity of the coordinator, placed elsewhere already, asked now."""
    if placed + requested <= capacity:
        return None
    free = max(capacity - placed, 0)
    return (
        f"The coordinator is at capacity: {placed / 100:.2f} of {capacity / 100:.2f} FTE is "
        f"placed, {free / 100:.2f} is free and this placement needs {requested / 100:.2f}"
    )


@dataclass(frozen=True)
class Blocker:
    kind: str  # "course" | "certification"
    code: str
    reason: str


def blockers(
    required_courses: Sequence[tuple[str, str]],
    passed_courses: set[str],
    required_certifications: Sequence[str],
    certifications: Mapping[str, date | None],
    as_of: date,
) -> list[Blocker]:
    """What stands between a placement and going live: required courses (id, title) not
    passed, required certifications missing or expired on ``as_of``."""
    found = [
        Blocker("course", course_id, f"required training not passed: {title}")
        for course_id, title in required_courses
        if course_id not in passed_courses
    ]
    for code in required_certifications:
        if code not in certifications:
            found.append(Blocker("certification", code, f"certification {code} missing"))
        elif not valid_on(certifications[code], as_of):
            found.append(
                Blocker(
                    "certification", code, f"certification {code} expired on {certifications[code]}"
                )
            )
    return found
