"""Reading HTML forms and showing their problems next to the fields.

A form that fails (invalid input, a likely duplicate, a stale edit) is answered with the
same page, re-rendered with the values typed and the problems marked. That page is
*raised* as ``FormRejected`` rather than returned: the unit of work then rolls back
whatever the service flushed before it failed and audits the attempt with the page's
status, exactly as it does for the API's errors.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Annotated, Any, NoReturn

from fastapi import Depends, Request
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from liaison.context import Context
from liaison.errors import Conflict, InvalidInput, LiaisonError

FORM_LEVEL = "__all__"


class FormRejected(Exception):
    def __init__(self, response: Response) -> None:
        super().__init__(f"form rejected with {response.status_code}")
        self.response = response
        # Read by audit.trail.outcome_of: 409/422 are recorded as "failed".
        self.status_code = response.status_code


def reject(response: Response) -> NoReturn:
    raise FormRejected(response)


def discard(ctx: Context) -> None:
    """Undo what a failed service call flushed before the page is rendered again: the
    page then shows the database as it was, and a failed flush leaves the session usable."""
    ctx.session.rollback()


def rejected_page(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, FormRejected)
    return exc.response


async def _form(request: Request) -> FormData:
    # Starlette caches the parsed form, so the CSRF check's earlier read is reused.
    return await request.form()


Form = Annotated[FormData, Depends(_form)]


def text(form: Mapping[str, Any], name: str) -> str | None:
    value = form.get(name)
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value or None


def checked(form: Mapping[str, Any], name: str) -> bool:
    return form.get(name) in ("on", "true", "1", "yes")


def values_of(form: FormData) -> dict[str, Any]:
    """What was typed, to put back into the re-rendered form (lists for repeated names)."""
    values: dict[str, Any] = {}
    for key in form:
        items = [v for v in form.getlist(key) if isinstance(v, str)]
        values[key] = items if len(items) > 1 else (items[0] if items else "")
    values.pop("csrf_token", None)
    return values


def _message(error: Mapping[str, Any]) -> str:
    kind = error.get("type")
    if kind == "missing":
        return "is required"
    if kind == "string_too_short" and error.get("ctx", {}).get("min_length") == 1:
        return "is required"
    if kind == "string_pattern_mismatch":
        return "contains characters that are not allowed here"
    message = str(error.get("msg", "is invalid"))
    for prefix in ("Value error, ", "Assertion failed, ", "value "):
        message = message.removeprefix(prefix)
    return message


def errors_of(exc: Exception) -> dict[str, str]:
    """Problems by form field name: ``phones-0-value`` for pydantic's ("phones", 0, "value")."""
    found: dict[str, str] = {}
    if isinstance(exc, ValidationError):
        for error in exc.errors():
            key = "-".join(str(part) for part in error["loc"]) or FORM_LEVEL
            found.setdefault(key, _message(error))
    elif isinstance(exc, InvalidInput):
        for problem in exc.problems:
            found.setdefault(problem.field, problem.message)
    elif isinstance(exc, Conflict) and isinstance(exc.extensions.get("field"), str):
        found[exc.extensions["field"]] = exc.detail
    elif isinstance(exc, LiaisonError):
        found[FORM_LEVEL] = exc.detail
    return found


def rows(
    form: Mapping[str, Any], prefix: str, count: int, names: Iterable[str], keep_if: Iterable[str]
) -> tuple[list[dict[str, str | None]], list[int]]:
    """Repeated groups of inputs (``phones-0-use``, ``phones-0-value`` ...); a row counts
    when one of ``keep_if`` is filled. Also returns, for each row kept, the form row it
    came from, so that an error about list item 1 lands on the row the person filled in."""
    names, keep_if = list(names), list(keep_if)
    found: list[dict[str, str | None]] = []
    origin: list[int] = []
    for i in range(count):
        row = {name: text(form, f"{prefix}-{i}-{name}") for name in names}
        if any(row.get(name) for name in keep_if):
            found.append(row)
            origin.append(i)
    return found, origin


def renumber(errors: dict[str, str], prefix: str, origin: list[int]) -> dict[str, str]:
    """Problems about item i of a list rewritten to the form row it came from."""
    fixed: dict[str, str] = {}
    for name, message in errors.items():
        if name.startswith(prefix + "-"):
            index, dash, tail = name[len(prefix) + 1 :].partition("-")
            if index.isdigit() and int(index) < len(origin):
                name = f"{prefix}-{origin[int(index)]}{dash}{tail}"
        fixed[name] = message
    return fixed
