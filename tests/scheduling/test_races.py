"""Never a double booking, never a lost winner: many threads booking at once.

Each thread runs its own unit of work (its own connection and transaction), exactly as
concurrent HTTP requests do; the database decides the winner.
"""

from __future__ import annotations

import threading
from collections import Counter
from datetime import date, timedelta

import pytest
from sqlalchemy import text

from liaison.auth import service as auth_service
from liaison.context import unit_of_work
from liaison.errors import Conflict
from liaison.models import User
from liaison.scheduling import booking
from tests.scheduling.conftest import local

THREADS = 32
ROUNDS = int(__import__("os").environ.get("LIAISON_RACE_ROUNDS", "200"))


def _weekday_slots(n: int):
    """n distinct 30-minute starts, weekdays 09:00-16:30, from Tuesday 2026-06-02."""
    day, found = date(2026, 6, 2), []
    while len(found) < n:
        if day.isoweekday() <= 5:
            found += [local(day, h, m) for h in range(9, 17) for m in (0, 30)]
        day += timedelta(days=1)
    return found[:n]


def _race(runtime, principal, clinic, starts_per_thread):
    barrier = threading.Barrier(len(starts_per_thread))
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt(start):
        barrier.wait()
        try:
            with unit_of_work(runtime.db, principal=principal, audit_key=runtime.audit_key) as ctx:
                booking.book_appointment(
                    ctx,
                    organization_id=clinic.org.id,
                    patient_id=clinic.patient.id,
                    service_id=clinic.service.id,
                    role_id=clinic.roles[0].id,
                    start=start,
                )
            result = "won"
        except Conflict:
            result = "lost"
        except Exception as exc:  # any other failure is a bug the test must show
            result = f"error:{type(exc).__name__}:{str(exc).splitlines()[0][:160]}"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt, args=(s,)) for s in starts_per_thread]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return Counter(outcomes)


def _overlaps(runtime) -> int:
    with runtime.db.engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT count(*) FROM appointment_participant a JOIN appointment_participant b "
                "ON a.schedule_id = b.schedule_id AND a.lane = b.lane AND a.id < b.id "
                "WHERE a.blocking AND b.blocking "
                "AND a.block_start < b.block_end AND b.block_start < a.block_end"
            )
        ).scalar_one()


@pytest.fixture
def principal(runtime, clinic):
    with runtime.db.session() as session:
        user = session.get(User, clinic.coordinator.user_id)
        return auth_service.principal_for(session, user)


@pytest.mark.slow
def test_32_threads_same_slot_200_rounds_exactly_one_winner(runtime, clinic, principal):
    for round_no, start in enumerate(_weekday_slots(ROUNDS)):
        outcome = _race(runtime, principal, clinic, [start] * THREADS)
        assert outcome == Counter({"won": 1, "lost": THREADS - 1}), (round_no, outcome)
    assert _overlaps(runtime) == 0


@pytest.mark.slow
def test_overlapping_not_equal_ranges_have_one_winner(runtime, clinic, principal):
    for round_no, start in enumerate(_weekday_slots(60)[::2]):
        # 09:00-09:30, 09:10-09:40, 09:20-09:50: every pair overlaps.
        starts = [start + timedelta(minutes=10 * (i % 3)) for i in range(THREADS)]
        outcome = _race(runtime, principal, clinic, starts)
        assert outcome == Counter({"won": 1, "lost": THREADS - 1}), (round_no, outcome)
    assert _overlaps(runtime) == 0
