"""Engine, sessions and column types shared by every table.

One ``Database`` per process. The owner of a unit of work (a request, a job, a CLI
command) opens a session with :meth:`Database.session`, and that owner alone commits;
services and repositories only flush.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Engine, String, create_engine, event
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """An instant, always aware and in UTC on the way in and out.

    SQLite has no time-zone type and silently drops offsets, so on SQLite the value is
    stored as naive UTC (ISO text, which sorts correctly) and made aware again on load.
    Naive datetimes are refused: an instant without a zone is a bug waiting for DST.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    @property
    def python_type(self) -> type[datetime]:
        # Keyset cursors read values back by the column's Python type.
        return datetime

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("naive datetime given for a UTC column")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def SortableText(length: int) -> Any:
    """Text compared byte-wise, so ``prefix <= col < prefix_end`` ranges use a B-tree.

    PostgreSQL's default collation orders by locale rules, which breaks prefix ranges on
    an ordinary index; the "C" collation orders by code point like SQLite's BINARY.
    """
    return String(length).with_variant(String(length, collation="C"), "postgresql")


class _WriterLockedConnection(sqlite3.Connection):
    """A SQLite connection that queues for the write lock in Python.

    SQLite serialises writers; a writer that finds the database locked sleeps in
    growing steps (up to 100 ms each) and polls again. Under contention within one
    process that wastes most of the time. Threads of this process therefore wait on a
    Python lock, shared by every connection to the same file, which wakes the next
    writer the moment the previous one commits. Other processes still meet SQLite's own
    lock and busy timeout, so correctness never depends on this.
    """

    writer_lock: threading.Lock
    lock_timeout_s: float
    holding: bool = False

    def acquire_writer(self) -> None:
        if not self.writer_lock.acquire(timeout=self.lock_timeout_s):
            raise sqlite3.OperationalError("database is locked (waited for another writer)")
        self.holding = True

    def _release_writer(self) -> None:
        if self.holding:
            self.holding = False
            self.writer_lock.release()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self._release_writer()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._release_writer()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._release_writer()


_writer_locks: dict[str, threading.Lock] = {}
_writer_locks_guard = threading.Lock()


def _writer_lock_for(url: str) -> threading.Lock:
    with _writer_locks_guard:
        return _writer_locks.setdefault(url, threading.Lock())


def _configure_sqlite(engine: Engine, lock_timeout_s: float) -> None:
    writer_lock = _writer_lock_for(str(engine.url))

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when a transaction begins.
        dbapi_connection.isolation_level = None
        dbapi_connection.writer_lock = writer_lock
        dbapi_connection.lock_timeout_s = lock_timeout_s
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(lock_timeout_s * 1000)}")
        cursor.close()

    @event.listens_for(engine.pool, "close")
    def _on_close(dbapi_connection: Any, _record: Any) -> None:
        # SQLite's advice: let it refresh the query planner's statistics for the tables
        # this connection used, bounded so it never scans a whole large table.
        try:
            dbapi_connection.execute("PRAGMA analysis_limit=1000")
            dbapi_connection.execute("PRAGMA optimize")
        except sqlite3.Error:
            pass  # best effort: the connection is going away

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Every unit of work may write (reads of patient data append audit rows), and a
        # deferred transaction that reads and then writes fails with SQLITE_BUSY when
        # another writer got in between. Taking the write lock up front makes SQLite
        # serialise writers cleanly, waiting instead of failing.
        dbapi_connection = conn.connection.dbapi_connection
        dbapi_connection.acquire_writer()
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            dbapi_connection._release_writer()
            raise


def make_engine(url: str, *, lock_timeout_s: float = 30.0, echo: bool = False) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            echo=echo,
            hide_parameters=True,
            connect_args={
                "check_same_thread": False,
                "timeout": lock_timeout_s,
                "factory": _WriterLockedConnection,
            },
            pool_size=8,
            max_overflow=32,
        )
        _configure_sqlite(engine, lock_timeout_s)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(
        url,
        echo=echo,
        # Statement parameters are patient data; keep them out of errors and logs.
        hide_parameters=True,
        pool_size=10,
        max_overflow=40,
        pool_pre_ping=True,
        connect_args={"options": f"-c lock_timeout={int(lock_timeout_s * 1000)}"},
    )


class Database:
    def __init__(self, url: str, *, lock_timeout_s: float = 30.0, echo: bool = False) -> None:
        self.url = url
        self.engine = make_engine(url, lock_timeout_s=lock_timeout_s, echo=echo)
        self._factory = sessionmaker(self.engine, expire_on_commit=False, autoflush=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def new_session(self) -> Session:
        return self._factory()

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: commits at the end of the block, rolls back on error."""
        session = self._factory()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()


def flush_or_conflict(session: Session, detail: str, **extensions: Any) -> None:
    """Flush; a unique or foreign-key violation becomes a 409 the caller can act on."""
    from sqlalchemy.exc import IntegrityError

    from liaison.errors import Conflict

    try:
        session.flush()
    except IntegrityError as exc:
        raise Conflict(detail, **extensions) from exc


def among(session: Session, column: Any, values: Iterable[Any]) -> Any:
    """``column IN (values)``, written for the database in use.

    On PostgreSQL it is ``column = ANY(:array)``: one parameter however many values, so
    the statement text is the same every time and psycopg can cache and prepare it (an
    IN list of hundreds of parameters is parsed afresh on every execution, which costs
    more CPU than the query). SQLite has no arrays and gets a plain IN list.
    """
    values = list(values)
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy import any_, bindparam
        from sqlalchemy.dialects.postgresql import ARRAY

        return column == any_(bindparam(None, values, type_=ARRAY(column.type)))
    return column.in_(values)
