"""Writing many rows fast: Core executemany, or COPY on PostgreSQL.

Measured on the large demo (about 540,000 rows) on two busy cores: psycopg's
``executemany`` (what a Core ``insert()`` with a list of rows becomes) managed
6,000-13,000 rows a second, because PostgreSQL still parses, plans and executes one
INSERT per row; ``COPY`` of pre-formatted text takes the same rows several times
faster. SQLite's ``executemany`` runs in-process without round trips, so SQLite keeps
the Core insert.
"""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from liaison.models import Base

# Rows per INSERT or COPY: large enough to amortise the round trip, small enough that
# a chunk's text stays a few megabytes.
CHUNK = 5_000
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def insert_rows(session: Session, table_name: str, rows: Sequence[dict[str, Any]]) -> None:
    if not rows:
        return
    table = Base.metadata.tables[table_name]
    if session.get_bind().dialect.name == "postgresql":
        for start in range(0, len(rows), CHUNK):
            _copy(session, table, rows[start : start + CHUNK])
        return
    statement = insert(table)
    for start in range(0, len(rows), CHUNK):
        session.execute(statement, list(rows[start : start + CHUNK]))


def _text(value: Any) -> str:
    """One value in COPY's text format (\\N is NULL)."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, str):
        return value.translate(_ESCAPES)
    if isinstance(value, (uuid.UUID, int)):
        return str(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column")
        return value.isoformat()
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        return json.dumps(value).translate(_ESCAPES)
    raise TypeError(f"no COPY format for {type(value).__name__}")


def _defaults(table: Table, given: Sequence[str]) -> dict[str, Any]:
    """Python-side column defaults the rows leave out.

    A Core insert fills these in itself; COPY does not, so a column added to a model
    later (with a default and no server default) would otherwise be NULL.
    """
    filled: dict[str, Any] = {}
    for column in table.columns:
        default = column.default
        if column.name in given or default is None:
            continue
        if default.is_scalar:
            filled[column.name] = default.arg  # type: ignore[attr-defined]
        elif default.is_callable:
            # SQLAlchemy wraps a zero-argument default (``default=list``) to take the
            # execution context, which such defaults ignore.
            filled[column.name] = default.arg(None)  # type: ignore[attr-defined]
    return filled


def _copy(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    names = list(rows[0])
    extra = _defaults(table, names)
    columns = [*names, *extra]
    tail = [_text(v) for v in extra.values()]
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join([*(_text(row[n]) for n in names), *tail]))
        buffer.write("\n")
    quoted = ", ".join(f'"{c}"' for c in columns)
    # The session's own connection: the COPY belongs to the loader's transaction.
    driver = session.connection().connection.driver_connection
    with (
        driver.cursor() as cursor,
        cursor.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy,
    ):
        copy.write(buffer.getvalue())
