"""Session lifetime and sign-in back-off: pure functions of timestamps and policy."""

from __future__ import annotations

from datetime import datetime, timedelta

# Failures older than this are forgotten when the next one arrives.
FAILURE_MEMORY = timedelta(hours=1)


def session_is_live(
    *,
    now: datetime,
    last_seen_at: datetime,
    expires_at: datetime,
    revoked_at: datetime | None,
    idle: timedelta,
) -> bool:
    return revoked_at is None and now < expires_at and now - last_seen_at < idle


def backoff_seconds(failures: int, *, free: int, base: int, maximum: int) -> int:
    """Seconds to refuse further attempts after ``failures`` consecutive failures.

    The first ``free`` failures cost nothing (typos happen); each one after that
    doubles the wait, up to ``maximum``.
    """
    excess = failures - free
    if excess <= 0:
        return 0
    return min(maximum, base * 2 ** min(excess - 1, 30))
