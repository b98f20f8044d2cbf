"""One typed configuration object, read from ``LIAISON_*`` environment variables.

Validated once at start-up: a bad value stops the process with a message naming the
setting, instead of failing later in the middle of a request.
"""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LIAISON_", env_file=".env", extra="ignore")

    env: Literal["development", "test", "production"] = "development"
    database_url: str = "sqlite:///./liaison.db"
    # Public address of this installation; links in messages and iCalendar feeds use it.
    base_url: str = "http://127.0.0.1:8000"
    secret_key: SecretStr | None = None
    # Where a generated secret key is kept when none is given (development only).
    secret_key_file: Path = Path(".liaison-secret")

    # Browser sessions end after this long without activity, and at most after max_age.
    session_idle_minutes: int = Field(default=30, ge=1, le=24 * 60)
    session_max_age_hours: int = Field(default=12, ge=1, le=24 * 30)
    api_token_days: int = Field(default=30, ge=1, le=365)

    # Login throttling: this many failures in a row before back-off starts; the
    # back-off doubles with each further failure up to the maximum.
    login_free_failures: int = Field(default=5, ge=1)
    login_backoff_base_seconds: int = Field(default=2, ge=1)
    login_backoff_max_seconds: int = Field(default=900, ge=1)

    # argon2id parameters (RFC 9106 "second recommended option" by default). Tests lower
    # the memory cost; production should not.
    argon2_time_cost: int = Field(default=3, ge=1)
    argon2_memory_kib: int = Field(default=65536, ge=8)
    argon2_parallelism: int = Field(default=4, ge=1)

    # Default region for phone numbers written without a country code.
    default_phone_region: str = "US"
    log_level: str = "INFO"
    log_json: bool = True
    # Messaging. SMS goes to a provider with Twilio's REST shape; by default the local
    # sandbox provider mounted at /sandbox/sms (the demo and development).
    sms_base_url: str | None = None
    sms_account_sid: str = "ACsandbox"
    sms_auth_token: SecretStr = SecretStr("sandbox-auth-token")
    sms_sandbox: bool = True
    sandbox_path: Path = Path(".liaison-sandbox.db")
    # Email over SMTP; no host means no email channel (messages use another channel).
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_sender: str = "Liaison <no-reply@liaison.invalid>"
    smtp_security: Literal["none", "starttls", "tls"] = "none"
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    # How many sends one worker keeps in flight at once (providers answer in 100-300 ms;
    # one at a time would cap a worker at a few messages a second).
    send_concurrency: int = Field(default=16, ge=1, le=128)
    # Run the background worker inside `liaison serve` (default: on for SQLite).
    embedded_worker: bool | None = None

    # Seconds the database may wait on a lock before giving up (SQLite busy timeout).
    db_lock_timeout_seconds: float = Field(default=30.0, gt=0)

    @model_validator(mode="after")
    def _production_is_explicit(self) -> Settings:
        if self.env == "production":
            if self.secret_key is None or len(self.secret_key.get_secret_value()) < 32:
                raise ValueError(
                    "LIAISON_SECRET_KEY must be set (at least 32 characters) in production"
                )
            if not self.base_url.startswith("https://"):
                raise ValueError("LIAISON_BASE_URL must be an https:// address in production")
            if self.sms_sandbox:
                raise ValueError(
                    "LIAISON_SMS_SANDBOX must be false in production (set a real provider)"
                )
            if not self.sms_base_url or not self.sms_base_url.startswith("https://"):
                raise ValueError(
                    "LIAISON_SMS_BASE_URL must be the provider's https:// address in production"
                )
            if self.sms_auth_token.get_secret_value() == "sandbox-auth-token":
                raise ValueError(
                    "LIAISON_SMS_AUTH_TOKEN must be the provider's token in production"
                )
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def runs_worker_in_process(self) -> bool:
        if self.embedded_worker is not None:
            return self.embedded_worker
        return self.is_sqlite and self.env != "test"

    @property
    def sms_url(self) -> str:
        return self.sms_base_url or self.base_url.rstrip("/") + "/sandbox/sms"

    @property
    def cookie_secure(self) -> bool:
        return self.base_url.startswith("https://")

    def resolved_secret_key(self) -> str:
        """The explicit key, or one generated once into ``secret_key_file``."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        path = self.secret_key_file
        if path.exists():
            return path.read_text().strip()
        key = secrets.token_urlsafe(48)
        path.write_text(key + "\n")
        path.chmod(0o600)
        return key


@lru_cache
def get_settings() -> Settings:
    return Settings()
