"""Keyset pagination over any ordered statement."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, tuple_
from sqlalchemy.orm import InstrumentedAttribute

from liaison.kit.pagination import decode_cursor, encode_cursor


def _plain(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def _typed(column: InstrumentedAttribute[Any], raw: Any) -> Any:
    python_type = column.type.python_type
    if raw is None:
        return None
    try:
        if python_type is uuid.UUID:
            return uuid.UUID(str(raw))
        if python_type is datetime:
            return datetime.fromisoformat(raw)
        if python_type is date:
            return date.fromisoformat(raw)
        return python_type(raw)
    except (ValueError, TypeError) as exc:
        from liaison.errors import InvalidInput

        raise InvalidInput("cursor", "is not a cursor returned by this API") from exc


def paginate(
    stmt: Select[Any],
    order: Sequence[InstrumentedAttribute[Any]],
    *,
    limit: int,
    cursor: str | None,
) -> Select[Any]:
    """``stmt`` ordered by ``order`` (ascending, non-null, unique in total), one page."""
    if cursor:
        raw = decode_cursor(cursor, len(order))
        values = [_typed(col, v) for col, v in zip(order, raw, strict=True)]
        stmt = stmt.where(tuple_(*order) > tuple_(*values))
    return stmt.order_by(*order).limit(limit + 1)


def page_of(
    rows: Sequence[Any], order: Sequence[InstrumentedAttribute[Any]], limit: int
) -> tuple[list[Any], str | None]:
    """The rows of this page, and the cursor of the next one if there is more."""
    items = list(rows[:limit])
    if len(rows) <= limit or not items:
        return items, None
    last = items[-1]
    return items, encode_cursor([_plain(getattr(last, col.key)) for col in order])
