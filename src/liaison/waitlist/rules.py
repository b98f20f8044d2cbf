"""Who gets a freed slot first: pure ranking of waitlist entries, with reasons."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

URGENT_POINTS = 100
POINTS_PER_DAY_WAITED = 1
MAX_WAIT_POINTS = 60
# Fairness: an entry offered something recently steps back, so one patient is not
# offered every slot that frees up.
RECENT_OFFER_PENALTY = 25
RECENT = timedelta(hours=24)
PER_OFFER_PENALTY = 3


@dataclass(frozen=True)
class Candidate:
    entry_id: uuid.UUID
    patient_id: uuid.UUID
    priority: str
    created_at: datetime
    offers_count: int
    last_offered_at: datetime | None
    fit_points: int  # from scheduling's ranking (language, continuity, preferences)


@dataclass(frozen=True)
class FreedSlot:
    start: datetime
    end: datetime
    local_date: date
    local_time: time
    practitioner_id: uuid.UUID
    location_id: uuid.UUID


@dataclass(frozen=True)
class EntryWishes:
    practitioner_ids: frozenset[uuid.UUID]
    location_ids: frozenset[uuid.UUID]
    earliest: date | None
    latest: date | None
    times_of_day: tuple[tuple[time, time], ...]
    expires_at: datetime | None
    # When the patient is booked now (an earlier slot is only worth it before that).
    current_start: datetime | None


def wants(wishes: EntryWishes, slot: FreedSlot, now: datetime) -> bool:
    if wishes.expires_at is not None and wishes.expires_at <= now:
        return False
    if wishes.practitioner_ids and slot.practitioner_id not in wishes.practitioner_ids:
        return False
    if wishes.location_ids and slot.location_id not in wishes.location_ids:
        return False
    if wishes.earliest and slot.local_date < wishes.earliest:
        return False
    if wishes.latest and slot.local_date > wishes.latest:
        return False
    if wishes.times_of_day and not any(a <= slot.local_time < b for a, b in wishes.times_of_day):
        return False
    return not (wishes.current_start is not None and wishes.current_start <= slot.start)


def backfill_allowed(
    slot: FreedSlot,
    now: datetime,
    today: date,
    *,
    min_hours: int,
    urgent: bool,
    same_day_urgent_only: bool,
) -> bool:
    """The visit type's rules: not too soon to reach anyone, same day only if urgent."""
    if slot.start - now < timedelta(hours=min_hours):
        return False
    return not (same_day_urgent_only and slot.local_date == today and not urgent)


def score(candidate: Candidate, now: datetime) -> tuple[int, list[str]]:
    reasons = []
    points = 0
    if candidate.priority == "urgent":
        points += URGENT_POINTS
        reasons.append("urgent")
    waited = max(0, (now - candidate.created_at).days)
    wait_points = min(MAX_WAIT_POINTS, waited * POINTS_PER_DAY_WAITED)
    if wait_points:
        points += wait_points
        reasons.append(f"waiting {waited} days")
    if candidate.fit_points:
        points += candidate.fit_points
        reasons.append(f"fit +{candidate.fit_points}")
    if candidate.last_offered_at is not None and now - candidate.last_offered_at < RECENT:
        points -= RECENT_OFFER_PENALTY
        reasons.append("offered another slot recently")
    if candidate.offers_count:
        points -= PER_OFFER_PENALTY * candidate.offers_count
    return points, reasons


def rank(candidates: list[Candidate], now: datetime) -> list[tuple[Candidate, int, list[str]]]:
    scored = [(c, *score(c, now)) for c in candidates]
    # Ties: who asked first.
    scored.sort(key=lambda item: (-item[1], item[0].created_at, str(item[0].entry_id)))
    return scored
