"""Sealing audit rows: pure functions of values and a key."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

GENESIS_DIGEST = "0" * 64

# The fields that make up a row's seal, in order. Adding a column to the chain means
# adding it here; older rows stay verifiable because absent fields read as null.
SEALED_FIELDS = (
    "seq",
    "occurred_at",
    "user_id",
    "role",
    "organization_id",
    "action",
    "resource_type",
    "resource_id",
    "patient_id",
    "outcome",
    "http_status",
    "client_ip",
    "request_id",
    "details",
)


def derive_key(secret: str) -> bytes:
    return hashlib.sha256(b"liaison-audit-chain\x00" + secret.encode()).digest()


def _canonical(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if value is None or isinstance(value, (bool, int, float, str, list, dict)):
        return value
    return str(value)


def row_digest(key: bytes, prev_digest: str, row: Mapping[str, Any]) -> str:
    """HMAC over the previous digest and this row's sealed fields.

    A keyed MAC rather than a bare hash: someone with write access to the database but
    not the key cannot recompute a consistent chain after editing a row.
    """
    payload = {name: _canonical(row.get(name)) for name in SEALED_FIELDS}
    message = (
        prev_digest.encode()
        + json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()
    )
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def head_seal(key: bytes, seq: int, digest: str) -> str:
    return hmac.new(key, f"head|{seq}|{digest}".encode(), hashlib.sha256).hexdigest()
