"""Audit records a unit of work collects before it commits."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from liaison.errors import LiaisonError


@dataclass
class PendingAudit:
    action: str
    resource_type: str
    resource_id: str | None = None
    patient_id: uuid.UUID | None = None
    organization_id: uuid.UUID | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def about(
        self,
        *,
        resource_id: object | None = None,
        patient_id: uuid.UUID | None = None,
        organization_id: uuid.UUID | None = None,
    ) -> PendingAudit:
        """Fill in what became known while the action ran (a new id, the patient)."""
        if resource_id is not None:
            self.resource_id = str(resource_id)
        if patient_id is not None:
            self.patient_id = patient_id
        if organization_id is not None:
            self.organization_id = organization_id
        return self


def outcome_of(exc: BaseException | None) -> tuple[str, int]:
    """The audit outcome and HTTP status that an exception (or success) stands for."""
    if exc is None:
        return "success", 200
    if isinstance(exc, LiaisonError):
        status = exc.status
    else:
        status = getattr(exc, "status_code", 500)
        if type(exc).__name__ == "RequestValidationError":
            status = 422
    if status in (401, 403, 404):
        return "denied", status
    if status < 500:
        return "failed", status
    return "error", status
