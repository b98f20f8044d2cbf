"""HTTP edge of the waitlist: entries, offers (for coordinators), and the patient's
signed offer link."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from liaison.audit.trail import PendingAudit
from liaison.auth.dependencies import ApiContext, system_unit
from liaison.context import Context
from liaison.errors import Conflict
from liaison.messaging import links
from liaison.messaging.schemas import EntryCreate, EntryRead, OfferRead, WaitlistMetrics
from liaison.waitlist import service

router = APIRouter(prefix="/api/v1", tags=["waitlist"])
public = APIRouter(include_in_schema=False)


def waitlist_data(action: str) -> object:
    def dependency(request: Request, ctx: ApiContext) -> Context:
        raw = request.path_params.get("entry_id") or request.path_params.get("offer_id")
        ctx.audit_default = PendingAudit(
            action=action, resource_type="WaitlistEntry", resource_id=str(raw) if raw else None
        )
        return ctx

    return Annotated[Context, Depends(dependency)]


Reading = waitlist_data("read")
Writing = waitlist_data("update")


@router.post("/waitlist-entries", response_model=EntryRead, status_code=201)
def add_entry(body: EntryCreate, ctx: waitlist_data("create")) -> EntryRead:  # type: ignore[valid-type]
    return EntryRead.model_validate(service.add_entry(ctx, body))


@router.get("/waitlist-entries", response_model=list[EntryRead])
def list_entries(
    ctx: Reading, organization_id: uuid.UUID, status: str | None = "active"
) -> list[EntryRead]:  # type: ignore[valid-type]
    return [EntryRead.model_validate(e) for e in service.list_entries(ctx, organization_id, status)]


@router.get("/waitlist-entries/{entry_id}", response_model=EntryRead)
def get_entry(entry_id: uuid.UUID, ctx: Reading) -> EntryRead:  # type: ignore[valid-type]
    return EntryRead.model_validate(service.get_entry(ctx, entry_id))


@router.post("/waitlist-entries/{entry_id}/cancel", response_model=EntryRead)
def cancel_entry(entry_id: uuid.UUID, ctx: Writing) -> EntryRead:  # type: ignore[valid-type]
    return EntryRead.model_validate(service.cancel_entry(ctx, entry_id))


@router.get("/waitlist-offers", response_model=list[OfferRead])
def list_offers(
    ctx: Reading, organization_id: uuid.UUID, entry_id: uuid.UUID | None = None
) -> list[OfferRead]:  # type: ignore[valid-type]
    return [OfferRead.model_validate(o) for o in service.offers_of(ctx, organization_id, entry_id)]


@router.post("/waitlist-offers/{offer_id}/accept", response_model=OfferRead)
def accept(offer_id: uuid.UUID, ctx: Writing) -> OfferRead:  # type: ignore[valid-type]
    """Accept on the patient's behalf (they called in). 409 if the slot was taken."""
    service.accept_offer(ctx, offer_id)
    return _offer(ctx, offer_id)


@router.post("/waitlist-offers/{offer_id}/decline", response_model=OfferRead)
def decline(offer_id: uuid.UUID, ctx: Writing) -> OfferRead:  # type: ignore[valid-type]
    return OfferRead.model_validate(service.decline_offer(ctx, offer_id))


@router.get("/waitlist/metrics", response_model=WaitlistMetrics)
def metrics(ctx: ApiContext, organization_id: uuid.UUID) -> WaitlistMetrics:
    return WaitlistMetrics.model_validate(service.metrics(ctx, organization_id).__dict__)


def _offer(ctx: Context, offer_id: uuid.UUID) -> OfferRead:
    from sqlalchemy import select

    from liaison.authz.permissions import Permission
    from liaison.authz.scope import scoped
    from liaison.models import WaitlistOffer

    row = ctx.session.scalar(
        scoped(
            select(WaitlistOffer).where(WaitlistOffer.id == offer_id),
            ctx.caller,
            WaitlistOffer,
            Permission.APPOINTMENT_READ,
        )
    )
    return OfferRead.model_validate(row)


# --- The patient's link ---------------------------------------------------------------


@public.get("/w/{token}", response_class=HTMLResponse)
def offer_page(token: str, request: Request) -> Response:
    with system_unit(request) as ctx:
        offer = service.offer_by_token(ctx, token)
        if offer is None or offer.status != "sent":
            return links.page(
                "Offer no longer available",
                "This offer has expired or was answered already.",
                status=404,
            )
        ctx.audit(
            "read",
            "WaitlistOffer",
            offer.id,
            patient_id=offer.patient_id,
            organization_id=offer.organization_id,
            via="link",
        )
        when = offer.start_at.strftime("%Y-%m-%d %H:%M UTC")
    form = (
        f'<form method="post" action="/w/{token}/accept">'
        '<button type="submit">Take this time</button></form>'
        f'<form method="post" action="/w/{token}/decline">'
        '<button type="submit" class="secondary">No, thanks</button></form>'
    )
    return links.page(
        "An earlier time",
        f"An earlier appointment is available: {when}. The first to accept gets it.",
        form,
    )


@public.post("/w/{token}/accept", response_class=HTMLResponse)
def offer_accept(token: str, request: Request) -> Response:
    try:
        with system_unit(request) as ctx:
            offer = service.offer_by_token(ctx, token)
            if offer is None:
                return links.page(
                    "Offer no longer available", "This offer has expired.", status=404
                )
            service.accept_offer(ctx, offer.id)
    except Conflict:
        return links.page(
            "This slot was taken",
            "Sorry, someone else took this time first. You stay on the waitlist.",
            status=409,
        )
    return links.page("Booked", "You are booked. You will receive a confirmation.")


@public.post("/w/{token}/decline", response_class=HTMLResponse)
def offer_decline(token: str, request: Request) -> Response:
    with system_unit(request) as ctx:
        offer = service.offer_by_token(ctx, token)
        if offer is None:
            return links.page("Offer no longer available", "This offer has expired.", status=404)
        service.decline_offer(ctx, offer.id)
    return links.page("Thank you", "We will let you know when another time opens.")
