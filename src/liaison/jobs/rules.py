"""Retry policy of the worker: pure functions."""

from __future__ import annotations

import random
from datetime import timedelta

BASE_DELAY = timedelta(seconds=30)
MAX_DELAY = timedelta(hours=1)
MAX_ATTEMPTS = 8
JITTER = 0.2


def backoff(attempt: int, rng: random.Random | None = None) -> timedelta:
    """Delay before attempt ``attempt + 1``: 30 s, 60 s, 2 min ... capped at an hour,
    each spread by ±20 % so that messages failing together do not retry together."""
    delay = min(MAX_DELAY, BASE_DELAY * 2 ** max(0, attempt - 1))
    spread = (rng or random).uniform(1 - JITTER, 1 + JITTER)
    return delay * spread


def gives_up(attempts: int, maximum: int = MAX_ATTEMPTS) -> bool:
    return attempts >= maximum
