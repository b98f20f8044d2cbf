"""Audit search for administrators: who did what to which record, when, from where."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from liaison.audit import service
from liaison.auth.dependencies import ApiContext
from liaison.authz.permissions import Permission
from liaison.errors import InvalidInput
from liaison.users import service as users_service
from liaison.web.pages import render, working_organization

router = APIRouter(prefix="/audit", include_in_schema=False)
PAGE_SIZE = 50
ACTIONS = ("create", "read", "update", "delete", "execute")
OUTCOMES = ("success", "denied", "failed", "error")
Text = Annotated[str, Query(max_length=100)]


def _local_instant(value: str, zone: ZoneInfo) -> datetime:
    """A datetime-local value ("2026-03-08T09:30") read as a wall time in ``zone``.

    In the hour a DST change repeats, the first occurrence is meant (fold=0).
    """
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    return parsed.astimezone(UTC)


def _filters(zone: ZoneInfo, raw: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    found: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name in ("since", "until"):
        if raw[name]:
            try:
                found[name] = _local_instant(raw[name], zone)
            except ValueError:
                errors[name] = "is not a date and time"
    for name in ("user_id", "patient_id"):
        if raw[name]:
            try:
                found[name] = uuid.UUID(raw[name])
            except ValueError:
                errors[name] = "is not an id (a UUID such as 0190c3a4-…)"
    for name, allowed in (("action", ACTIONS), ("outcome", OUTCOMES)):
        if raw[name]:
            if raw[name] in allowed:
                found[name] = raw[name]
            else:
                errors[name] = "is not one of the choices"
    return found, errors


@router.get("", response_class=HTMLResponse)
def audit_search(
    request: Request,
    ctx: ApiContext,
    since: Text = "",
    until: Text = "",
    user_id: Text = "",
    patient_id: Text = "",
    action: Text = "",
    outcome: Text = "",
    order: Text = "desc",
    before: Annotated[str, Query(pattern=r"^\d{0,19}$")] = "",
    after: Annotated[str, Query(pattern=r"^\d{0,19}$")] = "",
) -> Response:
    org = working_organization(ctx)
    ctx.require(Permission.AUDIT_READ, org.id)
    zone = ZoneInfo(org.time_zone)
    order = order if order in ("asc", "desc") else "desc"
    raw = {
        "since": since.strip(),
        "until": until.strip(),
        "user_id": user_id.strip(),
        "patient_id": patient_id.strip(),
        "action": action,
        "outcome": outcome,
    }
    filters, errors = _filters(zone, raw)
    data: dict[str, Any] = {
        "nav": "audit",
        "org": org,
        "values": {**raw, "order": order},
        "errors": errors,
        "events": [],
        "older": None,
        "newer": None,
        "paged": bool(before or after),
        "actions": [(a, a.capitalize()) for a in ACTIONS],
        "outcomes": [(o, o.capitalize()) for o in OUTCOMES],
        "orders": [("desc", "Newest first"), ("asc", "Oldest first")],
        "user_names": {},
    }
    if errors:
        return render(request, ctx, "audit/search.html", status_code=422, **data)

    # Pages are walked by seq in either direction: "older" continues downwards from the
    # lowest seq shown, "newer" upwards from the highest; the page is then shown in the
    # order asked for.
    fetch = "desc" if before else "asc" if after else order
    cursor = int(before or after) if (before or after) else None
    try:
        rows = service.search(
            ctx.session,
            ctx.caller,
            organization_id=org.id,
            order=fetch,  # type: ignore[arg-type]
            limit=PAGE_SIZE + 1,
            after_seq=cursor,
            **filters,
        )
    except InvalidInput as exc:
        data["errors"] = {p.field: p.message for p in exc.problems}
        return render(request, ctx, "audit/search.html", status_code=422, **data)
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    if fetch != order:
        rows.reverse()
    if rows:
        query = {
            k: v for k, v in data["values"].items() if v and not (k == "order" and v == "desc")
        }
        low, high = min(r.seq for r in rows), max(r.seq for r in rows)
        has_older = more if fetch == "desc" else cursor is not None
        has_newer = more if fetch == "asc" else cursor is not None
        data["older"] = "/audit?" + urlencode({**query, "before": low}) if has_older else None
        data["newer"] = "/audit?" + urlencode({**query, "after": high}) if has_newer else None
    if ctx.caller.can(Permission.USER_READ, org.id):
        data["user_names"] = {
            u.id: u.display_name for u, _ in users_service.list_users(ctx, org.id)
        }
    data["events"] = rows
    return render(request, ctx, "audit/search.html", **data)
