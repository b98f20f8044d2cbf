"""Keyset pagination: an opaque cursor that encodes the sort key of the last row.

Offsets get slower the deeper a coordinator pages and skip or repeat rows while others
write; a keyset cursor costs one index seek wherever it points.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from liaison.errors import InvalidInput


def encode_cursor(values: list[Any]) -> str:
    raw = json.dumps(values, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, arity: int) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, json.JSONDecodeError) as exc:
        raise InvalidInput("cursor", "is not a cursor returned by this API") from exc
    if not isinstance(values, list) or len(values) != arity:
        raise InvalidInput("cursor", "is not a cursor returned by this API")
    return values
