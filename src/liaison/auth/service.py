"""Signing in and out, sessions, API tokens, and password changes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from liaison.auth import repository, rules
from liaison.auth.passwords import Passwords, check_strength
from liaison.authz.permissions import PlatformRole, Role
from liaison.authz.principal import Principal
from liaison.config import Settings
from liaison.errors import InvalidInput, NotFound, TooManyRequests, Unauthenticated
from liaison.kit import clock
from liaison.kit.ids import new_token, token_digest
from liaison.models import ApiToken, LoginThrottle, User, UserSession

# Per address, allow many more failures than per account: a clinic's staff share one
# public address, and one person's typos must not lock out the front desk.
IP_FAILURE_FACTOR = 4


@dataclass(frozen=True)
class SignIn:
    """The outcome of a password check. Failures are values, not exceptions, so the
    unit of work commits the throttle counters before the edge answers 401 or 429."""

    user: User | None
    retry_after_s: int = 0

    @property
    def ok(self) -> bool:
        return self.user is not None

    def raise_if_failed(self) -> User:
        if self.retry_after_s:
            raise TooManyRequests(
                "Too many failed sign-ins. Try again later.", retry_after_s=self.retry_after_s
            )
        if self.user is None:
            raise Unauthenticated("E-mail address or password is incorrect")
        return self.user


def _throttle_keys(email: str, client_ip: str | None) -> list[str]:
    keys = [f"account:{email.strip().lower()}"]
    if client_ip:
        keys.append(f"ip:{client_ip}")
    return keys


def check_password(
    session: Session,
    settings: Settings,
    passwords: Passwords,
    email: str,
    password: str,
    client_ip: str | None,
) -> SignIn:
    now = clock.now()
    keys = _throttle_keys(email, client_ip)
    existing = {t.key: t for t in repository.throttles(session, keys)}
    blocked = [
        t.blocked_until for t in existing.values() if t.blocked_until and t.blocked_until > now
    ]
    if blocked:
        return SignIn(None, retry_after_s=max(1, int((max(blocked) - now).total_seconds()) + 1))

    user = repository.user_by_email(session, email)
    valid = passwords.verify(user.password_hash if user else None, password)
    if user is not None and valid and user.active:
        account = existing.get(keys[0])
        if account is not None:
            session.delete(account)
        if passwords.needs_rehash(user.password_hash or ""):
            user.password_hash = passwords.hash(password)
        user.last_login_at = now
        session.flush()
        return SignIn(user)

    for key in keys:
        throttle = existing.get(key)
        if throttle is None:
            throttle = LoginThrottle(key=key, failures=0, last_failure_at=now)
            session.add(throttle)
        elif now - throttle.last_failure_at > rules.FAILURE_MEMORY:
            throttle.failures = 0
        throttle.failures += 1
        throttle.last_failure_at = now
        free = settings.login_free_failures * (IP_FAILURE_FACTOR if key.startswith("ip:") else 1)
        wait = rules.backoff_seconds(
            throttle.failures,
            free=free,
            base=settings.login_backoff_base_seconds,
            maximum=settings.login_backoff_max_seconds,
        )
        throttle.blocked_until = now + timedelta(seconds=wait) if wait else None
    session.flush()
    return SignIn(None)


def start_session(
    session: Session,
    settings: Settings,
    user: User,
    *,
    client_ip: str | None,
    user_agent: str | None,
    organization_id: uuid.UUID | None,
) -> tuple[str, UserSession]:
    now = clock.now()
    token = new_token()
    record = UserSession(
        token_digest=token_digest(token),
        user_id=user.id,
        created_at=now,
        last_seen_at=now,
        expires_at=now + timedelta(hours=settings.session_max_age_hours),
        client_ip=client_ip,
        user_agent=(user_agent or "")[:300] or None,
        active_organization_id=organization_id,
    )
    session.add(record)
    session.flush()
    return token, record


# Writing last_seen_at on every request would turn every read into a write; a minute's
# resolution is plenty for a thirty-minute idle timeout.
LAST_SEEN_RESOLUTION = timedelta(seconds=60)


def resolve_session(
    session: Session, settings: Settings, token: str
) -> tuple[UserSession, User] | None:
    found = repository.session_and_user(session, token_digest(token))
    if found is None:
        return None
    record, user = found
    now = clock.now()
    live = rules.session_is_live(
        now=now,
        last_seen_at=record.last_seen_at,
        expires_at=record.expires_at,
        revoked_at=record.revoked_at,
        idle=timedelta(minutes=settings.session_idle_minutes),
    )
    if not live or not user.active:
        return None
    if now - record.last_seen_at >= LAST_SEEN_RESOLUTION:
        record.last_seen_at = now
    return record, user


def end_session(session: Session, record: UserSession) -> None:
    record.revoked_at = clock.now()
    session.flush()


def issue_api_token(
    session: Session, settings: Settings, user: User, name: str, days: int | None = None
) -> tuple[str, ApiToken]:
    now = clock.now()
    lifetime = days or settings.api_token_days
    if not 1 <= lifetime <= 365:
        raise InvalidInput("expires_in_days", "must be between 1 and 365")
    token = "lia_" + new_token()
    record = ApiToken(
        user_id=user.id,
        name=name,
        token_digest=token_digest(token),
        prefix=token[:12],
        created_at=now,
        expires_at=now + timedelta(days=lifetime),
    )
    session.add(record)
    session.flush()
    return token, record


def resolve_api_token(session: Session, token: str) -> tuple[ApiToken, User] | None:
    found = repository.token_and_user(session, token_digest(token))
    now = clock.now()
    if found is None:
        return None
    record, user = found
    if record.revoked_at is not None or record.expires_at <= now or not user.active:
        return None
    if record.last_used_at is None or now - record.last_used_at >= LAST_SEEN_RESOLUTION:
        record.last_used_at = now
    return record, user


def list_api_tokens(session: Session, user_id: uuid.UUID) -> list[ApiToken]:
    return repository.tokens_of(session, user_id)


def revoke_api_token(session: Session, user_id: uuid.UUID, token_id: uuid.UUID) -> ApiToken:
    record = session.get(ApiToken, token_id)
    # Another user's token is "not found", like any record the caller may not see.
    if record is None or record.user_id != user_id:
        raise NotFound("API token")
    if record.revoked_at is None:
        record.revoked_at = clock.now()
    session.flush()
    return record


def change_password(
    session: Session,
    passwords: Passwords,
    user: User,
    current_password: str,
    new_password: str,
    *,
    keep_session: uuid.UUID | None,
) -> None:
    if not passwords.verify(user.password_hash, current_password):
        raise InvalidInput("current_password", "is incorrect")
    if current_password == new_password:
        raise InvalidInput("new_password", "must differ from the current password")
    check_strength(new_password, "new_password")
    now = clock.now()
    user.password_hash = passwords.hash(new_password)
    user.password_changed_at = now
    # A changed password ends every other way in: other browsers and all API tokens.
    repository.revoke_sessions(session, user.id, now, keep=keep_session)
    repository.revoke_tokens(session, user.id, now)
    session.flush()


def change_own_password(
    ctx: Any, passwords: Passwords, current_password: str, new_password: str
) -> None:
    """The signed-in user changes their password (audited; ends their other sessions)."""
    principal = ctx.caller
    ctx.audit("execute", "User", principal.user_id, change="password")
    user = ctx.session.get(User, principal.user_id)
    if user is None:
        raise NotFound("User")
    change_password(
        ctx.session,
        passwords,
        user,
        current_password,
        new_password,
        keep_session=principal.session_id,
    )


def principal_for(
    session: Session,
    user: User,
    *,
    session_id: uuid.UUID | None = None,
    api_token_id: uuid.UUID | None = None,
) -> Principal:
    memberships = repository.memberships_of(session, user.id)
    return Principal(
        user_id=user.id,
        email=user.email,
        display_name=user.display_name,
        platform_role=PlatformRole(user.platform_role) if user.platform_role else None,
        memberships={m.organization_id: Role(m.role) for m in memberships},
        session_id=session_id,
        api_token_id=api_token_id,
        practitioner_ids={
            m.organization_id: m.practitioner_id for m in memberships if m.practitioner_id
        },
        patient_ids={m.organization_id: m.patient_id for m in memberships if m.patient_id},
    )


def switch_organization(
    session: Session, record: UserSession, principal: Principal, organization_id: uuid.UUID
) -> None:
    if organization_id not in principal.memberships and principal.platform_role is None:
        raise NotFound("Organization")
    record.active_organization_id = organization_id
    session.flush()


def session_expiry(now: datetime, settings: Settings) -> datetime:
    return now + timedelta(minutes=settings.session_idle_minutes)
