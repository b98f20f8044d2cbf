"""Structured logs: one JSON object a line, never a patient's data.

Log lines carry identifiers (request id, route template, status, user id), not request
bodies, query strings or SQL parameters: those are where names, birth dates and phone
numbers live.
"""

from __future__ import annotations

import logging
import sys
import traceback
from typing import Any

import structlog


def _exception_without_message(_logger: Any, _name: str, event: dict[str, Any]) -> dict[str, Any]:
    """Render an exception as its type and stack only.

    Exception messages quote values (a failed INSERT's row, a validation error's input),
    so they are left out; the type and the frames are enough to find the bug.
    """
    exc_info = event.pop("exc_info", None)
    if not exc_info:
        return event
    if exc_info is True:
        exc_info = sys.exc_info()
    elif isinstance(exc_info, BaseException):
        exc_info = (type(exc_info), exc_info, exc_info.__traceback__)
    exc_type, _exc, tb = exc_info
    if exc_type is None:
        return event
    frames = traceback.extract_tb(tb)
    event["exception"] = {
        "type": f"{exc_type.__module__}.{exc_type.__qualname__}",
        "stack": [f"{f.filename}:{f.lineno} in {f.name}" for f in frames[-15:]],
    }
    return event


def configure(level: str = "INFO", json: bool = True) -> None:
    processors: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _exception_without_message,
    ]
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer()
    )
    structlog.configure(
        processors=[*processors, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=True,
    )
    # Route the standard library's records (uvicorn, SQLAlchemy warnings) the same way.
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processor=renderer,
            foreign_pre_chain=processors,
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # uvicorn's access log prints full paths with query strings (search terms are
    # patient data); Liaison writes its own access line with the route template.
    logging.getLogger("uvicorn.access").disabled = True
