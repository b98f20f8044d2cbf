"""The patient portal: sign-in by one-time code, self-scheduling, appointments and
messages for patients and the people they care for.

Every module of this package that defines ``api_router`` (staff and integration API
routes under /api/v1) is mounted by ``api_routers()``; the pages live in
``liaison.web.portal``.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator

from fastapi import APIRouter


def api_routers() -> Iterator[APIRouter]:
    for module in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        found = importlib.import_module(f"{__name__}.{module.name}")
        router = getattr(found, "api_router", None)
        if isinstance(router, APIRouter):
            yield router
