"""Domain errors that carry their HTTP status.

Services raise these; one handler in :mod:`liaison.app` renders each as an RFC 9457
problem document. Messages are written for the person at the keyboard and never carry
patient data: a field name and what is wrong with it, not the value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar


@dataclass(frozen=True)
class FieldProblem:
    field: str
    message: str


class LiaisonError(Exception):
    status: ClassVar[int] = 500
    slug: ClassVar[str] = "internal-error"
    title: ClassVar[str] = "Something went wrong on our side"

    def __init__(self, detail: str | None = None, **extensions: Any) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.extensions = extensions

    @property
    def headers(self) -> dict[str, str]:
        return {}


class NotFound(LiaisonError):
    """The record does not exist *for this caller*: another tenant's row looks the same."""

    status = 404
    slug = "not-found"
    title = "Not found"

    def __init__(self, resource: str, detail: str | None = None) -> None:
        super().__init__(detail or f"{resource} not found")
        self.resource = resource


class Unauthenticated(LiaisonError):
    status = 401
    slug = "unauthenticated"
    title = "Sign-in required"

    @property
    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": "Bearer"}


class PermissionDenied(LiaisonError):
    status = 403
    slug = "forbidden"
    title = "Not allowed"


class Conflict(LiaisonError):
    """An expected clash with the current state: a duplicate, a taken slot, a stale edit."""

    status = 409
    slug = "conflict"
    title = "Conflict with the current state"


class InvalidInput(LiaisonError):
    status = 422
    slug = "validation-error"
    title = "The request has invalid fields"

    def __init__(self, field: str, message: str, *more: FieldProblem) -> None:
        self.problems = [FieldProblem(field, message), *more]
        super().__init__(f"{field}: {message}")

    @classmethod
    def many(cls, problems: list[FieldProblem]) -> InvalidInput:
        first, *rest = problems
        return cls(first.field, first.message, *rest)


class TooManyRequests(LiaisonError):
    status = 429
    slug = "too-many-requests"
    title = "Too many attempts"

    def __init__(self, detail: str, retry_after_s: int) -> None:
        super().__init__(detail, retry_after=retry_after_s)
        self.retry_after_s = retry_after_s

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after_s)}
