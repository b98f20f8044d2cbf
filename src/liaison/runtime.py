"""What a running Liaison process holds: settings, database, and derived secrets."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from functools import cached_property
from typing import Any

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

    @cached_property
    def sms(self) -> Any:
        from liaison.gateways.sms import HttpSmsGateway, SmsSettings

        s = self.settings
        return HttpSmsGateway(
            SmsSettings(s.sms_url, s.sms_account_sid, s.sms_auth_token.get_secret_value())
        )

    @cached_property
    def email(self) -> Any:
        from liaison.gateways.email import SmtpEmailGateway, SmtpSettings

        s = self.settings
        if not s.smtp_host:
            return None
        return SmtpEmailGateway(
            SmtpSettings(
                s.smtp_host,
                s.smtp_port,
                s.smtp_sender,
                s.smtp_security,
                s.smtp_username,
                s.smtp_password.get_secret_value() if s.smtp_password else None,
            )
        )

    @cached_property
    def senders(self) -> Any:
        """Threads that talk to providers, so one worker has many sends in flight."""
        from concurrent.futures import ThreadPoolExecutor

        return ThreadPoolExecutor(
            max_workers=self.settings.send_concurrency, thread_name_prefix="liaison-send"
        )

    def public_url(self, path: str) -> str:
        return self.settings.base_url.rstrip("/") + path

    @classmethod
    def from_settings(cls, settings: Settings) -> Runtime:
        guard.install()
        return cls(
            settings=settings,
            db=Database(settings.database_url, lock_timeout_s=settings.db_lock_timeout_seconds),
            passwords=Passwords(settings),
            secret=settings.resolved_secret_key(),
        )
