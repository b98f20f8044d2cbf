"""The one place code asks for the current time, so tests can control it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

_lock = threading.Lock()
_frozen: datetime | None = None
_offset = timedelta(0)


def now() -> datetime:
    """Current instant, timezone-aware in UTC."""
    if _frozen is not None:
        return _frozen
    return datetime.now(UTC) + _offset


@contextmanager
def frozen_at(instant: datetime) -> Iterator[None]:
    """Stop the clock at ``instant`` for the duration of the block (tests)."""
    global _frozen
    if instant.tzinfo is None:
        raise ValueError("frozen_at needs an aware datetime")
    with _lock:
        previous, _frozen = _frozen, instant.astimezone(UTC)
    try:
        yield
    finally:
        with _lock:
            _frozen = previous


def advance(delta: timedelta) -> None:
    """Move the clock forward (frozen or running) by ``delta`` (tests)."""
    global _frozen, _offset
    with _lock:
        if _frozen is not None:
            _frozen = _frozen + delta
        else:
            _offset = _offset + delta


def reset() -> None:
    global _frozen, _offset
    with _lock:
        _frozen = None
        _offset = timedelta(0)
