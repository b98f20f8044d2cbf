"""Where KPIs that Liaison cannot measure yet will come from.

Tasks completed, first-response time, SLA adherence and breaches need the work queue,
which is not part of Liaison yet: its source answers ``None`` and the scorecards say
"not available" with the reason, rather than showing a number nobody measured. The KPI
math is ready in ``oversight.rules`` (``first_response_minutes``, ``sla``,
``tasks_completed``); a real source implements the protocol below and replaces the
placeholder in ``SOURCES``.

Waitlist slots filled is no longer here: the waitlist is part of Liaison, and the KPI is
measured from its records like bookings are (``repository.waitlist_rows``: entries a
coordinator added, ``waitlist_entry.created_by_user_id``, that reached status 'booked',
by the week the patient took the slot).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from liaison.staffing.oversight.rules import TaskFact


class WorkQueueSource(Protocol):
    reason: str

    def tasks(
        self,
        user_ids: Sequence[uuid.UUID],
        organization_ids: Sequence[uuid.UUID] | None,
        start: datetime,
        end: datetime,
    ) -> list[TaskFact] | None:
        """Tasks the users worked on between start and end; None when unavailable."""
        ...


@dataclass(frozen=True)
class NotInLiaisonYet:
    reason: str

    def tasks(self, *_: object) -> list[TaskFact] | None:
        return None


@dataclass(frozen=True)
class Sources:
    work_queue: WorkQueueSource


SOURCES = Sources(
    work_queue=NotInLiaisonYet(
        "the work queue (tasks, first responses, SLAs) is not part of Liaison yet"
    ),
)
