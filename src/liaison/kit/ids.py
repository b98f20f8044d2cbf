"""Identifiers: time-ordered UUIDs (RFC 9562 version 7) and opaque secrets."""

from __future__ import annotations

import hashlib
import os
import secrets
import time
import uuid


def uuid7() -> uuid.UUID:
    """A version-7 UUID: 48 bits of Unix milliseconds then randomness.

    Time-ordered keys keep B-tree inserts at the right edge of the index instead of
    scattering them, which matters for the large append-mostly tables.
    """
    ms = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76  # version
    value |= ((rand >> 68) & 0xFFF) << 64  # rand_a
    value |= 0b10 << 62  # variant
    value |= rand & ((1 << 62) - 1)
    return uuid.UUID(int=value)


def new_token(nbytes: int = 32) -> str:
    """An unguessable URL-safe secret (session cookies, API tokens, feed links)."""
    return secrets.token_urlsafe(nbytes)


def token_digest(token: str) -> str:
    """What the database stores instead of a bearer secret."""
    return hashlib.sha256(token.encode()).hexdigest()
