"""Signed links in messages: act on an appointment (confirm, cancel, reschedule) or
take a waitlist offer without signing in, and without any patient data in the URL.

A token is the record's id, an expiry and a MAC over both with the installation's
secret: it cannot be forged or extended, and it names nothing but an opaque id.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

PURPOSES = {"appointment": 1, "offer": 2}
_MAC_BYTES = 16


@dataclass(frozen=True)
class LinkTarget:
    purpose: str
    record_id: uuid.UUID
    expires_at: datetime


def _mac(secret: str, body: bytes) -> bytes:
    return hmac.new(secret.encode(), b"liaison-link\x00" + body, hashlib.sha256).digest()[
        :_MAC_BYTES
    ]


def make(secret: str, purpose: str, record_id: uuid.UUID, expires_at: datetime) -> str:
    body = struct.pack(">B16sI", PURPOSES[purpose], record_id.bytes, int(expires_at.timestamp()))
    return base64.urlsafe_b64encode(body + _mac(secret, body)).decode().rstrip("=")


def read(secret: str, token: str, now: datetime) -> LinkTarget | None:
    """The target of a valid, unexpired token; None for anything else."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (ValueError, TypeError):
        return None
    if len(raw) != 21 + _MAC_BYTES:
        return None
    body, mac = raw[:21], raw[21:]
    if not hmac.compare_digest(mac, _mac(secret, body)):
        return None
    kind, record, expires = struct.unpack(">B16sI", body)
    purpose = next((p for p, n in PURPOSES.items() if n == kind), None)
    expires_at = datetime.fromtimestamp(expires, tz=UTC)
    if purpose is None or expires_at <= now:
        return None
    return LinkTarget(purpose, uuid.UUID(bytes=record), expires_at)


# The small page a patient sees after following a link (no sign-in, no app shell).
PAGE = """<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title><link rel="stylesheet" href="/static/vendor/pico/pico.min.css"></head>
<body><main class="container"><article><h1>{title}</h1><p>{text}</p>{form}</article></main></body></html>"""  # noqa: E501


def page(title: str, text: str, form: str = "", status: int = 200, lang: str = "en"):  # type: ignore[no-untyped-def]
    """The link's answer page; ``text`` and ``form`` are trusted HTML built by the caller."""
    from fastapi.responses import HTMLResponse

    return HTMLResponse(
        PAGE.format(lang=lang, title=title, text=text, form=form), status_code=status
    )
