"""What the worker can do: a handler per outbox topic, and periodic sweeps.

Domains register their handlers here (``tasks.py`` of each domain), so the worker
knows nothing about reminders or waitlists, and a topic without a handler is an error
the dead-letter list shows rather than a message silently dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# One message at a time, inside its own unit of work.
Handler = Callable[[Any, Any], None]
# Many messages of one topic at once, inside one unit of work (bulk sending).
BatchHandler = Callable[[Any, list[Any]], None]


@dataclass(frozen=True)
class Sweep:
    name: str
    interval_seconds: int
    run: Callable[[Any], Any]


# Several domains may react to one event (a cancellation tells the patient and offers
# the freed slot to the waitlist): every handler of a topic runs in the same unit of
# work, in registration order.
HANDLERS: dict[str, list[Handler]] = {}
BATCH_HANDLERS: dict[str, BatchHandler] = {}
SWEEPS: dict[str, Sweep] = {}
# Topics that are events for other domains to react to but need no work themselves.
INFORMATIONAL: set[str] = set()


def handles(topic: str) -> Callable[[Handler], Handler]:
    def register(func: Handler) -> Handler:
        HANDLERS.setdefault(topic, []).append(func)
        return func

    return register


def handles_batch(topic: str) -> Callable[[BatchHandler], BatchHandler]:
    def register(func: BatchHandler) -> BatchHandler:
        BATCH_HANDLERS[topic] = func
        return func

    return register


def sweep(name: str, every_seconds: int) -> Callable[[Callable[[Any], Any]], Callable[[Any], Any]]:
    def register(func: Callable[[Any], Any]) -> Callable[[Any], Any]:
        SWEEPS[name] = Sweep(name, every_seconds, func)
        return func

    return register


def load_all() -> None:
    """Import every domain's tasks so their registrations run."""
    from liaison.messaging import tasks as _messaging  # noqa: F401
    from liaison.portal import tasks as _portal  # noqa: F401
    from liaison.scheduling import tasks as _scheduling  # noqa: F401
    from liaison.waitlist import tasks as _waitlist  # noqa: F401
    from liaison.workqueue import tasks as _workqueue  # noqa: F401
