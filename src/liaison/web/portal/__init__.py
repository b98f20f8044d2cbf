"""The patient portal's pages (``/portal``): for patients and their proxies, on a phone.

Every module of this package that defines ``router`` is mounted by ``routers()``.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator

from fastapi import APIRouter


def routers() -> Iterator[APIRouter]:
    for module in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        found = importlib.import_module(f"{__name__}.{module.name}")
        router = getattr(found, "router", None)
        if isinstance(router, APIRouter):
            yield router
