"""Rendering errors as RFC 9457 problem documents."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from liaison.errors import InvalidInput, LiaisonError

MEDIA_TYPE = "application/problem+json"

_VALIDATION_MESSAGES = {
    "missing": "is required",
    "extra_forbidden": "is not a known field",
    "json_invalid": "is not valid JSON",
    "string_too_long": "is too long",
    "string_too_short": "is too short",
    "too_long": "has too many items",
    "uuid_parsing": "is not a valid id",
    "uuid_type": "is not a valid id",
    "date_from_datetime_parsing": "is not a date as YYYY-MM-DD",
    "date_parsing": "is not a date as YYYY-MM-DD",
    "date_type": "is not a date as YYYY-MM-DD",
    "bool_parsing": "must be true or false",
    "bool_type": "must be true or false",
    "int_parsing": "must be a whole number",
    "int_type": "must be a whole number",
    "string_type": "must be text",
    "literal_error": "is not one of the allowed values",
    "model_attributes_type": "must be an object",
    "dict_type": "must be an object",
    "list_type": "must be a list",
    "value_error": "is invalid",
}


def problem(
    status: int,
    title: str,
    detail: str | None = None,
    *,
    slug: str,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    **extensions: Any,
) -> JSONResponse:
    body: dict[str, Any] = {"type": f"/problems/{slug}", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if instance:
        body["instance"] = instance
    body.update({k: v for k, v in extensions.items() if v is not None})
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def field_path(loc: tuple[Any, ...] | list[Any]) -> str:
    """("body", "phones", 0, "value") -> "phones[0].value"; query/path keep a prefix."""
    parts = list(loc)
    if parts and parts[0] == "body":
        parts = parts[1:]
    elif parts and parts[0] in ("query", "path", "header"):
        parts = [f"{parts[0]}.{parts[1]}", *parts[2:]] if len(parts) > 1 else parts
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif str(part).startswith(("function-after", "function-plain")) or "[" in str(part):
            continue  # validator wrapper names that pydantic puts in some locations
        else:
            out += ("." if out else "") + str(part)
    return out or "body"


def validation_errors(exc: RequestValidationError) -> list[dict[str, str]]:
    errors = []
    for err in exc.errors():
        kind = err.get("type", "value_error")
        message = _VALIDATION_MESSAGES.get(kind)
        if kind == "value_error" or message is None:
            # Our own validators raise ValueError with a message written for people;
            # pydantic prefixes it with "Value error, ".
            message = str(err.get("msg", "is invalid")).removeprefix("Value error, ")
        field = "body" if kind == "json_invalid" else field_path(err.get("loc", ()))
        errors.append({"field": field, "message": message})
    return errors


def from_liaison_error(request: Request, exc: LiaisonError) -> JSONResponse:
    extensions = dict(exc.extensions)
    if isinstance(exc, InvalidInput):
        extensions["errors"] = [{"field": p.field, "message": p.message} for p in exc.problems]
    return problem(
        exc.status,
        exc.title,
        exc.detail,
        slug=exc.slug,
        instance=str(request.url.path),
        headers=exc.headers,
        request_id=getattr(request.state, "request_id", None),
        **extensions,
    )


def from_validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = validation_errors(exc)
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
    return problem(
        422,
        InvalidInput.title,
        detail,
        slug=InvalidInput.slug,
        instance=str(request.url.path),
        errors=errors,
        request_id=getattr(request.state, "request_id", None),
    )


def from_http_exception(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    titles = {404: "Not found", 405: "Method not allowed", 401: "Sign-in required"}
    return problem(
        exc.status_code,
        titles.get(exc.status_code, "Request failed"),
        exc.detail if isinstance(exc.detail, str) else None,
        slug={404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, "http-error"),
        instance=str(request.url.path),
        headers=getattr(exc, "headers", None),
    )


def internal_error(request: Request) -> JSONResponse:
    return problem(
        500,
        LiaisonError.title,
        "The error has been logged. Quote the request id when reporting it.",
        slug=LiaisonError.slug,
        request_id=getattr(request.state, "request_id", None),
    )
