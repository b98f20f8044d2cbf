"""Webhook signatures in the Twilio scheme, so a Twilio-compatible provider (or our
sandbox) can prove a delivery receipt or an inbound message came from it.

signature = base64(HMAC-SHA1(auth token, full URL + each POST parameter name and value,
sorted by name)), sent as the ``X-Twilio-Signature`` header.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping

HEADER = "X-Twilio-Signature"


def sign(auth_token: str, url: str, params: Mapping[str, str]) -> str:
    payload = url + "".join(f"{name}{params[name]}" for name in sorted(params))
    digest = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def verify(auth_token: str, url: str, params: Mapping[str, str], signature: str | None) -> bool:
    if not signature:
        return False
    return hmac.compare_digest(sign(auth_token, url, params), signature)
