"""What a running Liaison process holds: settings, database, and derived secrets."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from liaison.audit.rules import derive_key
from liaison.auth.passwords import Passwords
from liaison.authz import guard
from liaison.config import Settings
from liaison.kit.db import Database


@dataclass
class Runtime:
    settings: Settings
    db: Database
    passwords: Passwords
    secret: str

    @property
    def audit_key(self) -> bytes:
        return derive_key(self.secret)

    def csrf_for(self, session_token: str) -> str:
        """The CSRF token of a browser session, derived so it needs no storage."""
        mac = hmac.new(self.secret.encode(), b"csrf|" + session_token.encode(), hashlib.sha256)
        return mac.hexdigest()

    @classmethod
    def from_settings(cls, settings: Settings) -> Runtime:
        guard.install()
        return cls(
            settings=settings,
            db=Database(settings.database_url, lock_timeout_s=settings.db_lock_timeout_seconds),
            passwords=Passwords(settings),
            secret=settings.resolved_secret_key(),
        )
