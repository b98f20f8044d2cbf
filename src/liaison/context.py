"""The unit of work: one session, one caller, one commit, and its audit records.

Every edge (an API request, a web page, a CLI command, a job) runs its action inside
``unit_of_work``. Services receive the ``Context`` and never commit. At the end the
unit of work appends the audit records it collected to the chain in the same
transaction, then commits; on failure it rolls the change back and still records the
attempt, with its outcome, in a fresh transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import structlog
from sqlalchemy.orm import Session

from liaison.audit import service as audit_service
from liaison.audit.trail import PendingAudit, outcome_of
from liaison.authz.permissions import Permission
from liaison.authz.principal import Principal
from liaison.errors import NotFound, PermissionDenied, Unauthenticated
from liaison.kit.db import Database

log = structlog.get_logger("liaison.uow")


@dataclass
class Context:
    session: Session
    principal: Principal | None
    audit_key: bytes
    request_id: str | None = None
    client_ip: str | None = None
    # The organization the caller is working in (the UI's switcher); API calls may
    # leave it unset and name the organization per request.
    organization_id: uuid.UUID | None = None
    audit_records: list[PendingAudit] = field(default_factory=list)
    # Set by the edge when a request is about patient data, so that it leaves an audit
    # row even if it fails before the service records anything (e.g. invalid input).
    audit_default: PendingAudit | None = None
    # The process's Runtime (settings, gateways) for services that reach outside:
    # messaging needs the SMS and email gateways and the public base URL.
    runtime: Any = None

    @property
    def caller(self) -> Principal:
        if self.principal is None:
            raise Unauthenticated()
        return self.principal

    def audit(
        self,
        action: str,
        resource_type: str,
        resource_id: object | None = None,
        *,
        patient_id: uuid.UUID | None = None,
        organization_id: uuid.UUID | None = None,
        **details: Any,
    ) -> PendingAudit:
        """Record that this unit of work touches a resource; returned to fill in later."""
        record = PendingAudit(
            action=action,
            resource_type=resource_type,
            resource_id=str(resource_id) if resource_id is not None else None,
            patient_id=patient_id,
            organization_id=organization_id,
            details=details,
        )
        self.audit_records.append(record)
        return record

    def require(
        self, permission: Permission, organization_id: uuid.UUID | None = None
    ) -> Principal:
        """The caller, if they hold ``permission`` (in ``organization_id`` when given).

        In an organization the caller does not belong to, the answer is 404: the
        existence of another tenant's data is not revealed.
        """
        principal = self.caller
        if principal.can(permission, organization_id):
            return principal
        if (
            organization_id is not None
            and organization_id not in principal.memberships
            and principal.platform_role is None
            and not principal.system
        ):
            raise NotFound("Organization")
        raise PermissionDenied(f"Your role does not allow {permission.value}")

    def _actor(self) -> audit_service.Actor:
        principal = self.principal
        return audit_service.Actor(
            user_id=principal.user_id if principal and not principal.system else None,
            role_lookup=(principal.role_in if principal else (lambda _org: None)),
            client_ip=self.client_ip,
            request_id=self.request_id,
        )

    def _records_for_outcome(self) -> list[PendingAudit]:
        records = self.audit_records or ([self.audit_default] if self.audit_default else [])
        # A record that never learned its organization (the request failed first, or
        # searched across organizations) belongs to the one the caller was working in,
        # so that organization's admins see it.
        fallback = self.organization_id
        if fallback is None and self.principal is not None and len(self.principal.memberships) == 1:
            fallback = next(iter(self.principal.memberships))
        for record in records:
            if record.organization_id is None:
                record.organization_id = fallback
        return records


@contextmanager
def unit_of_work(
    db: Database,
    *,
    principal: Principal | None,
    audit_key: bytes,
    request_id: str | None = None,
    client_ip: str | None = None,
    organization_id: uuid.UUID | None = None,
    session: Session | None = None,
    runtime: Any = None,
) -> Iterator[Context]:
    own_session = session is None
    session = session or db.new_session()
    ctx = Context(
        session=session,
        principal=principal,
        audit_key=audit_key,
        request_id=request_id,
        client_ip=client_ip,
        organization_id=organization_id,
        runtime=runtime,
    )
    try:
        yield ctx
        outcome, status = outcome_of(None)
        audit_service.append(
            session, audit_key, ctx._actor(), ctx._records_for_outcome(), outcome, status
        )
        session.commit()
    except BaseException as exc:
        session.rollback()
        records = ctx._records_for_outcome()
        if records:
            outcome, status = outcome_of(exc)
            try:
                audit_service.append(session, audit_key, ctx._actor(), records, outcome, status)
                session.commit()
            except Exception:
                session.rollback()
                # The failed attempt could not be recorded; say so without any detail
                # of the request (it may carry patient data).
                log.exception("audit_append_failed", request_id=request_id)
        raise
    finally:
        if own_session:
            session.close()
