"""Staffing pages: accounts, coordinators and scorecards, openings and matches, the
placement pipeline, and training (catalog and learner view). One module per family;
``common`` holds what they share."""

from __future__ import annotations

from fastapi import APIRouter

from liaison.web.staffing.common import register_template_helpers

register_template_helpers()


def routers() -> list[APIRouter]:
    from liaison.web.staffing import accounts, openings, people, placements, training

    return [accounts.router, people.router, openings.router, placements.router, training.router]
