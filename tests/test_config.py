"""Settings are validated at start-up; production refuses to start half-configured."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from liaison.config import Settings


def test_defaults_to_embedded_sqlite(monkeypatch):
    monkeypatch.delenv("LIAISON_DATABASE_URL", raising=False)
    assert Settings(_env_file=None).database_url == "sqlite:///./liaison.db"


def test_secret_key_is_generated_once_into_a_private_file(tmp_path):
    settings = Settings(_env_file=None, secret_key_file=tmp_path / "secret")
    first = settings.resolved_secret_key()
    assert first == settings.resolved_secret_key()
    assert len(first) >= 48
    assert oct((tmp_path / "secret").stat().st_mode)[-3:] == "600"


def test_production_needs_an_explicit_key():
    with pytest.raises(ValidationError, match="LIAISON_SECRET_KEY"):
        Settings(_env_file=None, env="production", base_url="https://liaison.example.org")


def test_production_needs_https():
    with pytest.raises(ValidationError, match="https"):
        Settings(
            _env_file=None,
            env="production",
            secret_key="k" * 40,
            base_url="http://liaison.example.org",
        )


def test_production_starts_when_configured():
    settings = Settings(
        _env_file=None,
        env="production",
        secret_key="k" * 40,
        base_url="https://liaison.example.org",
        sms_sandbox=False,
        sms_base_url="https://api.twilio.com/2010-04-01",
        sms_account_sid="AC0123456789",
        sms_auth_token="provider-token",
    )
    assert settings.cookie_secure
    assert settings.sms_url == "https://api.twilio.com/2010-04-01"


@pytest.mark.parametrize(
    ("override", "named"),
    [
        ({"sms_sandbox": True}, "LIAISON_SMS_SANDBOX"),
        ({"sms_base_url": None}, "LIAISON_SMS_BASE_URL"),
        ({"sms_base_url": "http://sms.example.org"}, "LIAISON_SMS_BASE_URL"),
        ({"sms_auth_token": "sandbox-auth-token"}, "LIAISON_SMS_AUTH_TOKEN"),
    ],
)
def test_production_refuses_the_sms_sandbox(override, named):
    values = {
        "env": "production",
        "secret_key": "k" * 40,
        "base_url": "https://liaison.example.org",
        "sms_sandbox": False,
        "sms_base_url": "https://api.twilio.com/2010-04-01",
        "sms_auth_token": "provider-token",
    }
    with pytest.raises(ValidationError, match=named):
        Settings(_env_file=None, **(values | override))


def test_environment_variables_are_typed(monkeypatch):
    monkeypatch.setenv("LIAISON_SESSION_IDLE_MINUTES", "not a number")
    with pytest.raises(ValidationError):
        Settings(_env_file=None)
