"""The question flow that routes a patient to the right visit type.

An organization publishes a small decision tree (``VisitQuestionFlow.tree``)::

    {"question": {"en": "...", "es": "..."},
     "answers": [{"label": {"en": "...", "es": "..."}, "next": <tree>},
                 {"label": {"en": "...", "es": "..."}, "service_code": "follow-up"}]}

Every answer either asks another question (``next``) or ends at a visit type
(``service_code``, a patient-bookable visit type of the organization). Versions are
kept: publishing writes a new row and the newest is the one patients walk through.

``problems`` is pure (the tree and the codes that may end it in, nothing else);
``walk`` follows a patient's answers, given as positions, through a published tree.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from liaison.authz.permissions import Permission
from liaison.authz.scope import scoped
from liaison.context import Context
from liaison.errors import FieldProblem, InvalidInput, NotFound, PermissionDenied
from liaison.kit import clock
from liaison.models import HealthcareService, VisitQuestionFlow

LANGUAGES = ("en", "es")
MAX_DEPTH = 5  # questions on the longest path
MAX_ANSWERS = 8
MAX_NODES = 200
MAX_TEXT = 200


# --- Validation (pure) ----------------------------------------------------------------


def _text_problems(value: Any, path: str) -> list[FieldProblem]:
    if not isinstance(value, dict):
        return [FieldProblem(path, "must be an object with the English and Spanish text")]
    found: list[FieldProblem] = []
    for lang in LANGUAGES:
        text = value.get(lang)
        if not isinstance(text, str) or not text.strip():
            found.append(FieldProblem(f"{path}.{lang}", "is required"))
        elif len(text) > MAX_TEXT:
            found.append(FieldProblem(f"{path}.{lang}", f"is longer than {MAX_TEXT} characters"))
    extra = sorted(set(value) - set(LANGUAGES))
    if extra:
        found.append(FieldProblem(f"{path}.{extra[0]}", "is not a language the portal offers"))
    return found


def problems(tree: Any, codes: Iterable[str], *, root: str = "tree") -> list[FieldProblem]:
    """Everything wrong with ``tree``, each named by the path of the bad node
    (``tree.answers[1].next.answers[0].service_code``). ``codes``: the visit type codes
    a leaf may name (the organization's active, patient-bookable ones)."""
    allowed = set(codes)
    found: list[FieldProblem] = []
    count = 0

    def node(value: Any, path: str, depth: int) -> None:
        nonlocal count
        count += 1
        if count > MAX_NODES:
            if count == MAX_NODES + 1:
                found.append(FieldProblem(path, f"the flow has more than {MAX_NODES} questions"))
            return
        if depth > MAX_DEPTH:
            found.append(
                FieldProblem(path, f"is deeper than {MAX_DEPTH} questions; shorten this branch")
            )
            return
        if not isinstance(value, dict):
            found.append(FieldProblem(path, "must be a question: {question, answers}"))
            return
        extra = sorted(set(value) - {"question", "answers"})
        if extra:
            found.append(FieldProblem(f"{path}.{extra[0]}", "is not a known field"))
        found.extend(_text_problems(value.get("question"), f"{path}.question"))
        answers = value.get("answers")
        if not isinstance(answers, list) or not answers:
            found.append(FieldProblem(f"{path}.answers", "must list at least one answer"))
            return
        if len(answers) > MAX_ANSWERS:
            found.append(FieldProblem(f"{path}.answers", f"has more than {MAX_ANSWERS} answers"))
            return
        for index, answer in enumerate(answers):
            here = f"{path}.answers[{index}]"
            if not isinstance(answer, dict):
                found.append(FieldProblem(here, "must be an answer: {label, next | service_code}"))
                continue
            extra = sorted(set(answer) - {"label", "next", "service_code"})
            if extra:
                found.append(FieldProblem(f"{here}.{extra[0]}", "is not a known field"))
            found.extend(_text_problems(answer.get("label"), f"{here}.label"))
            has_next, has_code = "next" in answer, "service_code" in answer
            if has_next == has_code:
                found.append(
                    FieldProblem(here, "must have either next (a question) or service_code")
                )
            elif has_code:
                code = answer["service_code"]
                if not isinstance(code, str) or code not in allowed:
                    found.append(
                        FieldProblem(
                            f"{here}.service_code",
                            "is not an active visit type of this organization that "
                            "patients may book",
                        )
                    )
            else:
                node(answer["next"], f"{here}.next", depth + 1)

    node(tree, root, 1)
    return found


# --- Walking a published flow (pure) --------------------------------------------------


@dataclass(frozen=True)
class Step:
    """Where a patient's answers lead: another question, or a visit type code."""

    answers: tuple[int, ...]
    question: dict[str, str] | None = None
    options: tuple[dict[str, str], ...] = ()
    service_code: str | None = None
    # The labels of the answers given so far, to show the path back.
    trail: tuple[dict[str, str], ...] = ()

    @property
    def done(self) -> bool:
        return self.service_code is not None


def parse_answers(raw: str | None) -> tuple[int, ...] | None:
    """``"0-2-1"`` -> (0, 2, 1); None for anything else (the page starts over)."""
    if not raw:
        return ()
    parts = raw.split("-")
    if len(parts) > MAX_DEPTH or not all(p.isdigit() and len(p) <= 2 for p in parts):
        return None
    return tuple(int(p) for p in parts)


def format_answers(answers: Sequence[int]) -> str:
    return "-".join(str(a) for a in answers)


def walk(tree: dict[str, Any], answers: Sequence[int]) -> Step | None:
    """Follow ``answers`` (positions) from the root; None when they do not fit the tree."""
    current = tree
    trail: list[dict[str, str]] = []
    for position, choice in enumerate(answers):
        options = current.get("answers") or []
        if choice >= len(options):
            return None
        answer = options[choice]
        trail.append(answer.get("label") or {})
        if "service_code" in answer:
            if position != len(answers) - 1:
                return None
            return Step(tuple(answers), service_code=answer["service_code"], trail=tuple(trail))
        current = answer.get("next") or {}
    return Step(
        tuple(answers),
        question=current.get("question") or {},
        options=tuple(a.get("label") or {} for a in current.get("answers") or []),
        trail=tuple(trail),
    )


# --- Published versions ---------------------------------------------------------------


def bookable_codes(ctx: Context, organization_id: uuid.UUID) -> set[str]:
    stmt = select(HealthcareService.code).where(
        HealthcareService.organization_id == organization_id,
        HealthcareService.active.is_(True),
        HealthcareService.patient_bookable.is_(True),
    )
    return set(
        ctx.session.scalars(scoped(stmt, ctx.caller, HealthcareService, Permission.DIRECTORY_READ))
    )


def current(ctx: Context, organization_id: uuid.UUID) -> VisitQuestionFlow | None:
    """The newest published flow of an organization (None: it has none). Callers check
    access; the portal reads it while acting for a patient of that organization."""
    stmt = (
        select(VisitQuestionFlow)
        .where(VisitQuestionFlow.organization_id == organization_id)
        .order_by(VisitQuestionFlow.version.desc())
        .limit(1)
    )
    return ctx.session.scalar(
        scoped(stmt, ctx.caller, VisitQuestionFlow, Permission.DIRECTORY_READ)
    )


def list_versions(ctx: Context, organization_id: uuid.UUID) -> list[VisitQuestionFlow]:
    """Every published version, newest first (staff: directory readers)."""
    ctx.require(Permission.DIRECTORY_READ, organization_id)
    ctx.audit("read", "VisitQuestionFlow", organization_id=organization_id)
    stmt = (
        select(VisitQuestionFlow)
        .where(VisitQuestionFlow.organization_id == organization_id)
        .order_by(VisitQuestionFlow.version.desc())
    )
    return list(
        ctx.session.scalars(scoped(stmt, ctx.caller, VisitQuestionFlow, Permission.DIRECTORY_READ))
    )


def published(ctx: Context, organization_id: uuid.UUID) -> VisitQuestionFlow:
    """The version patients walk through now (staff: directory readers); 404 if none."""
    ctx.require(Permission.DIRECTORY_READ, organization_id)
    audit = ctx.audit("read", "VisitQuestionFlow", organization_id=organization_id)
    flow = current(ctx, organization_id)
    if flow is None:
        raise NotFound("VisitQuestionFlow", "No question flow is published")
    audit.about(resource_id=flow.id)
    return flow


def require_editor(ctx: Context, organization_id: uuid.UUID) -> None:
    """Publishing needs QUEUE_MANAGE or DIRECTORY_WRITE in the organization (404 for
    another organization's id, 403 for a role with neither)."""
    ctx.require(Permission.DIRECTORY_READ, organization_id)
    principal = ctx.caller
    if not (
        principal.can(Permission.QUEUE_MANAGE, organization_id)
        or principal.can(Permission.DIRECTORY_WRITE, organization_id)
    ):
        raise PermissionDenied("Publishing a question flow needs queue:manage or directory:write")


def publish(ctx: Context, organization_id: uuid.UUID, tree: Any) -> VisitQuestionFlow:
    """Check ``tree`` and store it as the next version (422 naming every bad node)."""
    audit = ctx.audit("create", "VisitQuestionFlow", organization_id=organization_id)
    require_editor(ctx, organization_id)
    found = problems(tree, bookable_codes(ctx, organization_id))
    if found:
        raise InvalidInput.many(found)
    latest = ctx.session.scalar(
        scoped(
            select(func.max(VisitQuestionFlow.version)).where(
                VisitQuestionFlow.organization_id == organization_id
            ),
            ctx.caller,
            VisitQuestionFlow,
            Permission.DIRECTORY_READ,
        )
    )
    flow = VisitQuestionFlow(
        organization_id=organization_id,
        version=(latest or 0) + 1,
        tree=tree,
        created_at=clock.now(),
        created_by_user_id=ctx.caller.user_id,
    )
    ctx.session.add(flow)
    ctx.session.flush()
    audit.about(resource_id=flow.id)
    audit.details["version"] = flow.version
    return flow


def leaf_codes(tree: Any) -> set[str]:
    """Every visit type code a tree can end in (for showing which ones it routes to)."""
    found: set[str] = set()

    def visit(node: Any) -> None:
        for answer in (node or {}).get("answers") or []:
            if "service_code" in answer:
                found.add(answer["service_code"])
            else:
                visit(answer.get("next"))

    visit(tree)
    return found
