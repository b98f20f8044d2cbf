"""The staffing API's routers, registered by ``liaison.app``."""

from __future__ import annotations

from fastapi import APIRouter


def routers() -> list[APIRouter]:
    from liaison.staffing.openings import endpoints as openings
    from liaison.staffing.oversight import endpoints as oversight
    from liaison.staffing.placements import endpoints as placements
    from liaison.staffing.profiles import endpoints as profiles
    from liaison.staffing.training import endpoints as training

    # oversight before profiles: /coordinators/{id}/scorecard is more specific.
    return [oversight.router, profiles.router, openings.router, placements.router, training.router]
