"""The worker: claims due outbox messages and sweeps, runs their handlers, retries.

Claiming is a short transaction of its own: due rows are locked with
``FOR UPDATE SKIP LOCKED`` on PostgreSQL (SQLite's single writer needs no more), marked
``processing`` with a lease, and committed. Processing then happens in a new unit of
work that locks the claimed rows again and skips any that were cancelled meanwhile (a
reminder whose appointment was cancelled after the claim). A worker that dies leaves
its rows ``processing``; when the lease runs out another worker claims them again, and
the idempotency key each message carries to the provider makes the second send a
no-op there: delivered once, never lost.
"""

from __future__ import annotations

import random
import threading
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import structlog
from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from liaison.authz.principal import system_principal
from liaison.context import unit_of_work
from liaison.jobs import registry, rules
from liaison.kit import clock
from liaison.kit.db import among
from liaison.models import JobSchedule, OutboxMessage
from liaison.runtime import Runtime

log = structlog.get_logger("liaison.worker")


class TopicWithoutHandler(RuntimeError):
    pass


@dataclass(frozen=True)
class Claimed:
    id: uuid.UUID
    topic: str


def safe_error(exc: BaseException) -> str:
    """What a failure is recorded as: the type, and the gateway's safe detail if any.

    Exception messages can quote addresses or message bodies; they stay out.
    """
    detail = getattr(exc, "safe_detail", None)
    return f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__


def fail(
    session: Session, message: OutboxMessage, error: str, rng: random.Random | None = None
) -> None:
    """Record a failed attempt: retry later with back-off, or give up (dead letter)."""
    message.attempts += 1
    message.last_error = error[:500]
    message.locked_until = None
    if rules.gives_up(message.attempts):
        message.status = "dead"
    else:
        message.status = "pending"
        message.available_at = clock.now() + rules.backoff(message.attempts, rng)


def done(message: OutboxMessage) -> None:
    message.status = "done"
    message.done_at = clock.now()
    message.locked_until = None


class Worker:
    def __init__(
        self,
        runtime: Runtime,
        *,
        name: str | None = None,
        batch_size: int = 100,
        lease: timedelta = timedelta(seconds=120),
        rng: random.Random | None = None,
    ) -> None:
        registry.load_all()
        self.runtime = runtime
        self.db = runtime.db
        self.name = name or f"worker-{uuid.uuid4().hex[:8]}"
        self.batch_size = batch_size
        self.lease = lease
        self.rng = rng or random.Random()
        self._stop = threading.Event()
        self._schedule_ready = False

    # --- Loop ------------------------------------------------------------------------

    def run_forever(self, idle_sleep: float = 1.0) -> None:
        log.info("worker_started", worker=self.name)
        while not self._stop.is_set():
            try:
                busy = self.run_once()
            except Exception as exc:  # the loop must survive a database hiccup
                log.error("worker_cycle_failed", worker=self.name, exc_info=exc)
                busy = 0
            if not busy:
                self._stop.wait(idle_sleep)
        log.info("worker_stopped", worker=self.name)

    def stop(self) -> None:
        self._stop.set()

    def run_once(self) -> int:
        """One cycle: due sweeps, then one batch of due messages. Returns messages done."""
        self.run_sweeps()
        claimed = self.claim()
        if claimed:
            self.process(claimed)
        return len(claimed)

    def drain(self, max_cycles: int = 1000) -> int:
        """Run cycles until nothing is due (tests, the CLI's --once)."""
        total = 0
        for _ in range(max_cycles):
            handled = self.run_once()
            total += handled
            if not handled:
                break
        return total

    # --- Messages --------------------------------------------------------------------

    def claim(self) -> list[Claimed]:
        now = clock.now()
        with self.db.session() as session:
            stmt = (
                select(OutboxMessage.id, OutboxMessage.topic)
                .where(
                    or_(
                        and_(OutboxMessage.status == "pending", OutboxMessage.available_at <= now),
                        and_(
                            OutboxMessage.status == "processing", OutboxMessage.locked_until < now
                        ),
                    )
                )
                .order_by(OutboxMessage.available_at)
                .limit(self.batch_size)
            )
            if self.db.dialect == "postgresql":
                stmt = stmt.with_for_update(skip_locked=True)
            rows = [Claimed(r.id, r.topic) for r in session.execute(stmt)]
            if rows:
                session.execute(
                    update(OutboxMessage)
                    .where(among(session, OutboxMessage.id, [r.id for r in rows]))
                    .values(status="processing", locked_until=now + self.lease)
                    .execution_options(synchronize_session=False)
                )
        return rows

    def process(self, claimed: Sequence[Claimed]) -> None:
        by_topic: dict[str, list[uuid.UUID]] = defaultdict(list)
        for item in claimed:
            by_topic[item.topic].append(item.id)
        for topic, ids in by_topic.items():
            if topic in registry.BATCH_HANDLERS:
                self._run_batch(topic, ids)
            else:
                for message_id in ids:
                    self._run_one(topic, message_id)

    def _locked(self, session: Session, ids: list[uuid.UUID]) -> list[OutboxMessage]:
        stmt = select(OutboxMessage).where(
            among(session, OutboxMessage.id, ids), OutboxMessage.status == "processing"
        )
        if self.db.dialect == "postgresql":
            # Wait for (do not skip) rows a cancelling transaction holds: it decides.
            stmt = stmt.with_for_update()
        return list(session.scalars(stmt.order_by(OutboxMessage.available_at)))

    def _context(self, session: Session | None = None) -> Any:
        return unit_of_work(
            self.db,
            principal=system_principal(),
            audit_key=self.runtime.audit_key,
            request_id=self.name,
            session=session,
            runtime=self.runtime,
        )

    def _run_batch(self, topic: str, ids: list[uuid.UUID]) -> None:
        try:
            with self._context() as ctx:
                messages = self._locked(ctx.session, ids)
                if messages:
                    registry.BATCH_HANDLERS[topic](ctx, messages)
                    for message in messages:
                        if message.status == "processing":
                            done(message)
        except Exception as exc:
            log.warning("batch_failed", topic=topic, worker=self.name, exc_info=exc)
            self._record_failure(ids, safe_error(exc))

    def _run_one(self, topic: str, message_id: uuid.UUID) -> None:
        try:
            with self._context() as ctx:
                messages = self._locked(ctx.session, [message_id])
                if not messages:
                    return  # cancelled or done by someone else meanwhile
                message = messages[0]
                if topic in registry.HANDLERS:
                    for handler in registry.HANDLERS[topic]:
                        handler(ctx, message)
                elif topic not in registry.INFORMATIONAL:
                    raise TopicWithoutHandler(topic)
                if message.status == "processing":
                    done(message)
        except Exception as exc:
            log.warning("message_failed", topic=topic, worker=self.name, exc_info=exc)
            self._record_failure([message_id], safe_error(exc))

    def _record_failure(self, ids: list[uuid.UUID], error: str) -> None:
        with self.db.session() as session:
            for message in self._locked(session, ids):
                fail(session, message, error, self.rng)

    # --- Sweeps ----------------------------------------------------------------------

    def ensure_schedule(self) -> None:
        """Add the sweeps this code knows to the schedule table (once per process).

        Workers starting together all try; the losers' inserts do nothing.
        """
        if self._schedule_ready:
            return
        with self.db.session() as session:
            known = set(session.scalars(select(JobSchedule.name)))
            missing = [s for name, s in registry.SWEEPS.items() if name not in known]
            if missing:
                now = clock.now()
                if self.db.dialect == "postgresql":
                    from sqlalchemy.dialects.postgresql import insert as upsert
                else:
                    from sqlalchemy.dialects.sqlite import insert as upsert  # type: ignore[assignment]
                session.execute(
                    upsert(JobSchedule.__table__).on_conflict_do_nothing(index_elements=["name"]),
                    [
                        {"name": s.name, "interval_seconds": s.interval_seconds, "next_run_at": now}
                        for s in missing
                    ],
                )
        self._schedule_ready = True

    def run_sweeps(self) -> None:
        self.ensure_schedule()
        now = clock.now()
        with self.db.session() as session:
            stmt = select(JobSchedule.name).where(JobSchedule.next_run_at <= now)
            due = [name for name in session.scalars(stmt) if name in registry.SWEEPS]
        for name in due:
            self._run_sweep(name)

    def _run_sweep(self, name: str) -> None:
        sweep = registry.SWEEPS[name]
        now = clock.now()
        session = self.db.new_session()
        try:
            stmt = select(JobSchedule).where(
                JobSchedule.name == name, JobSchedule.next_run_at <= now
            )
            if self.db.dialect == "postgresql":
                stmt = stmt.with_for_update(skip_locked=True)
            row = session.scalar(stmt)
            if row is None:
                session.rollback()
                return  # another worker has it, or it ran already
            try:
                with self._context(session) as ctx:
                    sweep.run(ctx)
                    row.last_run_at = now
                    row.last_error = None
                    row.next_run_at = now + timedelta(seconds=sweep.interval_seconds)
            except Exception as exc:
                log.warning("sweep_failed", sweep=name, exc_info=exc)
                with self.db.session() as again:
                    again.execute(
                        update(JobSchedule)
                        .where(JobSchedule.name == name)
                        .values(
                            last_error=safe_error(exc),
                            next_run_at=now + timedelta(seconds=sweep.interval_seconds),
                        )
                    )
        finally:
            session.close()


def run_in_thread(runtime: Runtime, idle_sleep: float = 1.0) -> tuple[Worker, threading.Thread]:
    """The embedded worker of ``liaison serve`` on the SQLite default."""
    worker = Worker(runtime, name="embedded")
    thread = threading.Thread(
        target=worker.run_forever,
        kwargs={"idle_sleep": idle_sleep},
        daemon=True,
        name="liaison-worker",
    )
    thread.start()
    return worker, thread
