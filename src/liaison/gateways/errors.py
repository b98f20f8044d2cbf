"""How a gateway says a send failed. ``safe_detail`` is what the outbox records: never
an address or a message body."""

from __future__ import annotations


class GatewayFailure(Exception):
    def __init__(self, safe_detail: str) -> None:
        super().__init__(safe_detail)
        self.safe_detail = safe_detail


class TemporaryFailure(GatewayFailure):
    """Try again later: the provider is down, timed out, or asked us to slow down."""


class PermanentFailure(GatewayFailure):
    """Retrying will not help (invalid number, refused recipient): try another channel."""
