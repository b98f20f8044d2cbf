"""Scheduling pages: the slot finder, appointment detail, day and week calendars, and
the availability editor. One module per page family; ``common`` holds what they share."""

from __future__ import annotations

from fastapi import APIRouter


def routers() -> list[APIRouter]:
    from liaison.web.scheduling import appointments, availability, calendars, finder

    return [finder.router, appointments.router, calendars.router, availability.router]
