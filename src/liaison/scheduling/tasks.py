"""Scheduling's background work: releasing holds whose time ran out."""

from __future__ import annotations

from liaison.context import Context
from liaison.jobs import registry
from liaison.kit import clock
from liaison.scheduling import repository


@registry.sweep("release-expired-holds", every_seconds=60)
def release_expired_holds(ctx: Context) -> int:
    """Cancel proposed appointments whose hold ran out (slot search already ignores
    them; this makes the appointment list say so too)."""
    return len(repository.release_expired_holds(ctx.session, None, clock.now()))
