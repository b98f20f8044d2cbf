"""Deterministic identifiers for demo rows.

The application's ``kit.ids.uuid7`` reads the wall clock and the OS's randomness, so a
rerun would give new ids. Demo ids keep the UUIDv7 layout (time-ordered, so bulk inserts
append to the indexes like real ones) but take the time from the row's own timestamp and
the random bits from a seeded generator: the same seed gives the same ids.
"""

from __future__ import annotations

import random
import uuid
from datetime import datetime


class DemoIds:
    def __init__(self, seed: int, stream: str) -> None:
        # A string seed is hashed with SHA-512 by ``random``: stable across processes,
        # unlike ``hash()``, which PYTHONHASHSEED randomises.
        self._rng = random.Random(f"{seed}:ids:{stream}")
        self._last_ms = 0

    def at(self, instant: datetime) -> uuid.UUID:
        # Strictly increasing milliseconds keep the ids in creation order even when many
        # rows share one timestamp.
        ms = max(int(instant.timestamp() * 1000), self._last_ms + 1)
        self._last_ms = ms
        rand = self._rng.getrandbits(74)
        value = (ms & ((1 << 48) - 1)) << 80
        value |= 0x7 << 76  # version
        value |= (rand >> 62) << 64  # rand_a: 12 bits
        value |= 0b10 << 62  # variant
        value |= rand & ((1 << 62) - 1)  # rand_b: 62 bits
        return uuid.UUID(int=value)
