"""The UI's areas, each a router of its own (patients, directory, users, audit ...)."""

from __future__ import annotations

from fastapi import APIRouter


def routers() -> list[APIRouter]:
    return []
