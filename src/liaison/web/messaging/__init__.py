"""Messaging pages: a patient's messages, the settings and wording of what Liaison
sends, and the outbox. One module per page family; ``common`` holds their words."""

from __future__ import annotations

from fastapi import APIRouter


def routers() -> list[APIRouter]:
    from liaison.web.messaging import outbox, settings, timeline, wording

    return [timeline.router, settings.router, wording.router, outbox.router]
