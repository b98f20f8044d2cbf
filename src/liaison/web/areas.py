"""The UI's areas, each a router of its own (patients, directory, users, audit ...)."""

from __future__ import annotations

from fastapi import APIRouter


def routers() -> list[APIRouter]:
    from liaison.web import (
        account,
        audit,
        directory,
        messaging,
        patients,
        scheduling,
        staffing,
        users,
        waitlist,
    )

    return [
        patients.router,
        directory.router,
        users.router,
        audit.router,
        account.router,
        *scheduling.routers(),
        *staffing.routers(),
        *messaging.routers(),
        waitlist.router,
    ]
