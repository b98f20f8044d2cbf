"""The portal's background work: forgetting sign-in codes and throttles that ran out."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, or_

from liaison.context import Context
from liaison.jobs import registry
from liaison.kit import clock
from liaison.models import LoginThrottle, PortalCode

# Kept a day after they end: long enough to answer "why was I refused?", no longer.
KEEP = timedelta(days=1)


@registry.sweep("purge-sign-in-leftovers", every_seconds=3600)
def purge_sign_in_leftovers(ctx: Context) -> int:
    """Delete one-time codes a day after they expired, and failed-sign-in counters whose
    last failure is a day old and that block nobody."""
    now = clock.now()
    codes = ctx.session.execute(delete(PortalCode).where(PortalCode.expires_at < now - KEEP))
    throttles = ctx.session.execute(
        delete(LoginThrottle).where(
            LoginThrottle.last_failure_at < now - KEEP,
            or_(LoginThrottle.blocked_until.is_(None), LoginThrottle.blocked_until < now),
        )
    )
    return int(codes.rowcount or 0) + int(throttles.rowcount or 0)
