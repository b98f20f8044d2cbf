"""Proxy access, granted by staff: a parent for a child, a caregiver, a spouse.

A grant names the patient, the person (by the phone number or e-mail address they sign
in with: an existing portal account, or one made for that destination now), the
relationship, the scope (``read``: see visits and messages; ``manage``: also book,
change and write) and the dates. The proxy sees the patient in the portal's switcher
from ``starts_on`` through ``ends_on``; revoking ends it at once. Staff need
PATIENT_WRITE to grant and revoke and PATIENT_READ to list, in the patient's
organization (another organization's patient is 404).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from liaison.authz.access import access_one
from liaison.authz.permissions import Permission
from liaison.authz.scope import scoped, unscoped_system
from liaison.context import Context
from liaison.errors import Conflict, InvalidInput, NotFound
from liaison.kit import clock
from liaison.models import Membership, Patient, PatientProxy, PortalAccount
from liaison.portal import signin

READ, WRITE = Permission.PATIENT_READ, Permission.PATIENT_WRITE


@dataclass(frozen=True)
class Grant:
    """What staff ask for. Exactly one of ``phone``/``email``."""

    relationship: str
    scope: str = "manage"
    phone: str | None = None
    email: str | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    display_name: str | None = None


@dataclass(frozen=True)
class ProxyView:
    proxy: PatientProxy
    channel: str | None
    hint: str | None

    @property
    def active(self) -> bool:
        today = clock.now().date()
        p = self.proxy
        return (
            p.revoked_at is None
            and p.starts_on <= today
            and (p.ends_on is None or p.ends_on >= today)
        )


def _destination(data: Grant) -> signin.Destination:
    if bool(data.phone) == bool(data.email):
        raise InvalidInput("phone", "give the proxy's phone number or e-mail address (one of them)")
    if data.phone:
        return signin.parse_destination(data.phone, field_name="phone")
    return signin.parse_destination(data.email or "", field_name="email")


def _accounts(ctx: Context, user_ids: set[uuid.UUID]) -> dict[uuid.UUID, PortalAccount]:
    if not user_ids:
        return {}
    rows = ctx.session.scalars(select(PortalAccount).where(PortalAccount.user_id.in_(user_ids)))
    return {a.user_id: a for a in rows}


def _view(proxy: PatientProxy, account: PortalAccount | None) -> ProxyView:
    return ProxyView(proxy, account.channel if account else None, account.hint if account else None)


def _patient(ctx: Context, patient_id: uuid.UUID, permission: Permission) -> Patient:
    """The patient, if the caller may see them (another organization's: 404); 403 when
    they may see but not ``permission``."""
    patient = access_one(ctx.session, ctx.caller, Patient, patient_id, READ, "Patient")
    ctx.require(permission, patient.organization_id)
    return patient


def grant(ctx: Context, patient_id: uuid.UUID, data: Grant) -> ProxyView:
    audit = ctx.audit("create", "PatientProxy", patient_id=patient_id)
    patient = _patient(ctx, patient_id, WRITE)
    audit.about(organization_id=patient.organization_id)
    if data.relationship not in signin.RELATIONSHIPS:
        raise InvalidInput("relationship", f"must be one of {', '.join(signin.RELATIONSHIPS)}")
    if data.scope not in ("read", "manage"):
        raise InvalidInput("scope", "must be read or manage")
    starts = data.starts_on or clock.now().date()
    if data.ends_on is not None and data.ends_on < starts:
        raise InvalidInput("ends_on", "is before starts_on")
    if data.ends_on is not None and data.ends_on < clock.now().date():
        raise InvalidInput("ends_on", "is in the past")
    destination = _destination(data)
    digest = signin.destination_digest(ctx.runtime.secret, destination)
    account, user = signin.find_or_create_account(
        ctx.session,
        destination.channel,
        digest,
        destination.hint,
        display_name=data.display_name,
    )
    own = ctx.session.scalar(
        unscoped_system(
            select(Membership.id).where(
                Membership.user_id == user.id,
                Membership.organization_id == patient.organization_id,
                Membership.patient_id == patient.id,
            ),
            "a proxy grant checks the person is not the patient's own sign-in",
        )
    )
    if own is not None:
        field = "phone" if destination.channel == "sms" else "email"
        raise InvalidInput(field, "is the patient's own sign-in, not a proxy's")
    existing = ctx.session.scalar(
        scoped(
            select(PatientProxy).where(
                PatientProxy.organization_id == patient.organization_id,
                PatientProxy.patient_id == patient.id,
                PatientProxy.proxy_user_id == user.id,
                PatientProxy.revoked_at.is_(None),
            ),
            ctx.caller,
            PatientProxy,
            WRITE,
        )
    )
    if existing is not None and (existing.ends_on is None or existing.ends_on >= starts):
        raise Conflict(
            "This person already has proxy access to the patient; revoke it first to change it",
            proxy_id=str(existing.id),
        )
    proxy = PatientProxy(
        organization_id=patient.organization_id,
        patient_id=patient.id,
        proxy_user_id=user.id,
        relationship=data.relationship,
        scope=data.scope,
        starts_on=starts,
        ends_on=data.ends_on,
        created_by_user_id=ctx.caller.user_id,
    )
    ctx.session.add(proxy)
    ctx.session.flush()
    audit.about(resource_id=proxy.id, patient_id=patient.id)
    audit.details.update(
        relationship=data.relationship, scope=data.scope, proxy_user_id=str(user.id)
    )
    return _view(proxy, account)


def list_for(ctx: Context, patient_id: uuid.UUID) -> list[ProxyView]:
    audit = ctx.audit("read", "PatientProxy", patient_id=patient_id)
    patient = _patient(ctx, patient_id, READ)
    audit.about(organization_id=patient.organization_id)
    rows = list(
        ctx.session.scalars(
            scoped(
                select(PatientProxy)
                .where(
                    PatientProxy.organization_id == patient.organization_id,
                    PatientProxy.patient_id == patient.id,
                )
                .order_by(PatientProxy.created_at.desc(), PatientProxy.id),
                ctx.caller,
                PatientProxy,
                READ,
            )
        )
    )
    accounts = _accounts(ctx, {p.proxy_user_id for p in rows})
    audit.details["results"] = [str(p.id) for p in rows]
    return [_view(p, accounts.get(p.proxy_user_id)) for p in rows]


def revoke(ctx: Context, patient_id: uuid.UUID, proxy_id: uuid.UUID) -> ProxyView:
    audit = ctx.audit("update", "PatientProxy", proxy_id, patient_id=patient_id, change="revoke")
    patient = _patient(ctx, patient_id, WRITE)
    audit.about(organization_id=patient.organization_id)
    proxy = ctx.session.scalar(
        scoped(
            select(PatientProxy).where(
                PatientProxy.organization_id == patient.organization_id,
                PatientProxy.patient_id == patient.id,
                PatientProxy.id == proxy_id,
            ),
            ctx.caller,
            PatientProxy,
            WRITE,
        )
    )
    if proxy is None:
        raise NotFound("Proxy")
    if proxy.revoked_at is None:
        proxy.revoked_at = clock.now()
        ctx.session.flush()
    accounts = _accounts(ctx, {proxy.proxy_user_id})
    return _view(proxy, accounts.get(proxy.proxy_user_id))
