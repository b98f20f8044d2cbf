"""Signing in to the portal: a one-time code (or link) sent to a phone or email address,
an optional password, and connecting the person to their records on file.

* **Codes.** Six digits from ``secrets``, stored only as an HMAC (key derived from the
  secret key, bound to the code's id), valid ten minutes, single use (an atomic
  ``UPDATE ... WHERE used_at IS NULL``), five guesses each. The message carries the
  code and a link whose token is the code's id and the code: no patient data.
* **No enumeration.** Asking for a code answers the same whether or not anything is on
  file: a code row is written either way; the message goes out only when some
  organization can send it (records on file, an existing account, or an organization
  that takes new patients).
* **Throttling.** Failed codes and passwords count per destination and per client
  address in ``login_throttle`` with the staff sign-in's exponential back-off
  (``auth.rules.backoff_seconds``); sending is capped per destination (codes in the
  last hour) and per address.
* **Accounts.** A destination is a ``PortalAccount`` (its digest) with a ``User`` whose
  e-mail address is synthetic and never used. After a code is verified the
  destination is matched to active records in organizations with the portal on; one
  person's records are linked (a patient membership per organization); when a phone is
  shared (a family), the birth date picks whose records they are.

Failures are returned as values, never raised, so the unit of work commits the
counters before the page answers.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from liaison.auth import repository as auth_repository
from liaison.auth import rules as auth_rules
from liaison.auth import service as auth_service
from liaison.auth.passwords import Passwords, check_strength
from liaison.authz.scope import unscoped_system
from liaison.config import Settings
from liaison.context import Context
from liaison.errors import Conflict, FieldProblem, InvalidInput, NotFound
from liaison.kit import clock
from liaison.kit.text import search_key
from liaison.kit.validation import normalize_phone
from liaison.messaging import dispatch
from liaison.models import (
    CommunicationConsent,
    LoginThrottle,
    Membership,
    Organization,
    Patient,
    PatientProxy,
    PatientTelecom,
    PortalAccount,
    PortalCode,
    User,
)
from liaison.models.base import new_id
from liaison.patients import rules as patient_rules

SYSTEM = "portal sign-in matches a verified phone or e-mail address to records on file"
CODE_TTL = timedelta(minutes=10)
CODE_ATTEMPTS = 5
# Codes one destination may be sent per hour, and sends one client address may ask for
# before its back-off starts.
SENDS_PER_DESTINATION = 5
SEND_WINDOW = timedelta(hours=1)
SENDS_PER_ADDRESS_FREE = 20
SEND_BACKOFF_BASE_S = 60
# How long the pending sign-in (code id and the destination typed) is remembered.
PENDING_TTL = timedelta(minutes=30)
CODE_DIGITS = 6
SYNTHETIC_DOMAIN = "patients.liaison.invalid"
RELATIONSHIPS = ("parent", "guardian", "caregiver", "spouse", "other")
SEXES = ("female", "male", "other", "unknown")
IP_FACTOR = auth_service.IP_FAILURE_FACTOR


# --- destinations and digests --------------------------------------------------------


@dataclass(frozen=True)
class Destination:
    """Where codes go: an E.164 phone number (sms) or a lower-case address (email)."""

    channel: str
    value: str

    @property
    def hint(self) -> str:
        return hint(self)


def parse_destination(raw: str, region: str = "US", field_name: str = "destination") -> Destination:
    """A phone number or an e-mail address as typed; 422 naming ``field_name``."""
    text = (raw or "").strip()
    if not text:
        raise InvalidInput(field_name, "enter your mobile phone number or e-mail address")
    if len(text) > 254:
        raise InvalidInput(field_name, "is too long")
    if "@" in text:
        local, _, domain = text.rpartition("@")
        if not local or "." not in domain or " " in text or domain.startswith("."):
            raise InvalidInput(field_name, "is not an e-mail address")
        return Destination("email", text.lower())
    try:
        return Destination("sms", normalize_phone(text, region))
    except ValueError as exc:
        raise InvalidInput(field_name, "is not a phone number or an e-mail address") from exc


def _key(secret: str, purpose: str) -> bytes:
    return hashlib.sha256(f"liaison-portal-{purpose}\x00{secret}".encode()).digest()


def destination_digest(secret: str, destination: Destination) -> str:
    """What the database keeps of a destination: a keyed digest (no rainbow tables)."""
    message = f"{destination.channel}:{destination.value}".encode()
    return hmac.new(_key(secret, "destination"), message, hashlib.sha256).hexdigest()


def code_digest(secret: str, code_id: uuid.UUID, code: str) -> str:
    message = f"{code_id}:{code}".encode()
    return hmac.new(_key(secret, "code"), message, hashlib.sha256).hexdigest()


def hint(destination: Destination) -> str:
    """What a page may show of a destination: '•••• 1234', 'm•••@example.org'."""
    if destination.channel == "sms":
        return f"•••• {destination.value[-4:]}"
    local, _, domain = destination.value.partition("@")
    return f"{local[:1]}•••@{domain}"


def sign(secret: str, value: str) -> str:
    """An HMAC over ``value`` for cookies and tokens the portal hands out."""
    return hmac.new(_key(secret, "cookie"), value.encode(), hashlib.sha256).hexdigest()[:32]


def link_token(code_id: uuid.UUID, code: str) -> str:
    """The sign-in link's token: the code's id and the code, nothing else."""
    return f"{code_id.hex}{code}"


def parse_link_token(token: str) -> tuple[uuid.UUID, str] | None:
    if len(token) != 32 + CODE_DIGITS or not token[32:].isdigit():
        return None
    try:
        return uuid.UUID(hex=token[:32]), token[32:]
    except ValueError:
        return None


# --- throttling --------------------------------------------------------------------


def _throttles(session: Session, keys: list[str]) -> dict[str, LoginThrottle]:
    return {t.key: t for t in auth_repository.throttles(session, keys)}


def _retry_after(rows: dict[str, LoginThrottle], now: datetime) -> int:
    blocked = [t.blocked_until for t in rows.values() if t.blocked_until and t.blocked_until > now]
    if not blocked:
        return 0
    return max(1, int((max(blocked) - now).total_seconds()) + 1)


def _count(
    session: Session,
    rows: dict[str, LoginThrottle],
    key: str,
    *,
    free: int,
    base: int,
    maximum: int,
    now: datetime,
) -> None:
    throttle = rows.get(key)
    if throttle is None:
        throttle = LoginThrottle(key=key, failures=0, last_failure_at=now)
        session.add(throttle)
        rows[key] = throttle
    elif now - throttle.last_failure_at > auth_rules.FAILURE_MEMORY:
        throttle.failures = 0
    throttle.failures += 1
    throttle.last_failure_at = now
    wait = auth_rules.backoff_seconds(throttle.failures, free=free, base=base, maximum=maximum)
    throttle.blocked_until = now + timedelta(seconds=wait) if wait else None


def _failure_keys(digest: str, client_ip: str | None) -> list[str]:
    keys = [f"portal:dest:{digest}"]
    if client_ip:
        keys.append(f"portal:ip:{client_ip}")
    return keys


def _count_failure(
    session: Session, settings: Settings, rows: dict[str, LoginThrottle], keys: list[str]
) -> None:
    now = clock.now()
    for key in keys:
        _count(
            session,
            rows,
            key,
            free=settings.login_free_failures * (IP_FACTOR if key.startswith("portal:ip:") else 1),
            base=settings.login_backoff_base_seconds,
            maximum=settings.login_backoff_max_seconds,
            now=now,
        )
    session.flush()


# --- asking for a code -------------------------------------------------------------


@dataclass(frozen=True)
class CodeRequest:
    """The code row written (whether or not a message went out), or a wait."""

    code_id: uuid.UUID | None
    retry_after_s: int = 0


def _enabled_orgs(session: Session) -> list[Organization]:
    return list(
        session.scalars(
            select(Organization)
            .where(Organization.portal_enabled.is_(True), Organization.active.is_(True))
            .order_by(Organization.name, Organization.id)
        )
    )


def records_on_file(session: Session, destination: Destination) -> list[Patient]:
    """Active records at this phone number or address, in organizations with the portal
    on, oldest organization first."""
    orgs = [o.id for o in _enabled_orgs(session)]
    if not orgs:
        return []
    if destination.channel == "sms":
        owners = select(PatientTelecom.organization_id, PatientTelecom.patient_id).where(
            PatientTelecom.organization_id.in_(orgs), PatientTelecom.value == destination.value
        )
        pairs = set(session.execute(unscoped_system(owners, SYSTEM)).all())
        if not pairs:
            return []
        stmt = select(Patient).where(
            Patient.organization_id.in_({o for o, _ in pairs}),
            Patient.id.in_({p for _, p in pairs}),
        )
    else:
        stmt = select(Patient).where(
            Patient.organization_id.in_(orgs), func.lower(Patient.email) == destination.value
        )
    stmt = stmt.where(Patient.active.is_(True)).order_by(Patient.organization_id, Patient.id)
    return list(session.scalars(unscoped_system(stmt, SYSTEM)))


def account_for(session: Session, digest: str) -> PortalAccount | None:
    return session.scalar(select(PortalAccount).where(PortalAccount.destination_digest == digest))


def _account_orgs(session: Session, account: PortalAccount) -> list[uuid.UUID]:
    own = select(Membership.organization_id).where(
        Membership.user_id == account.user_id, Membership.active.is_(True)
    )
    proxied = select(PatientProxy.organization_id).where(
        PatientProxy.proxy_user_id == account.user_id, PatientProxy.revoked_at.is_(None)
    )
    return [
        *session.scalars(unscoped_system(own, SYSTEM)),
        *session.scalars(unscoped_system(proxied, SYSTEM)),
    ]


def _sender(
    session: Session, destination: Destination, digest: str
) -> tuple[Organization | None, list[Patient]]:
    """The organization whose name and number the code goes out with: one holding the
    records, else one the account already uses, else one that takes new patients."""
    enabled = _enabled_orgs(session)
    by_id = {o.id: o for o in enabled}
    found = records_on_file(session, destination)
    candidates: list[Organization] = [by_id[p.organization_id] for p in found]
    if not candidates:
        account = account_for(session, digest)
        if account is not None:
            candidates = [by_id[o] for o in _account_orgs(session, account) if o in by_id]
    if not candidates:
        candidates = [o for o in enabled if o.portal_new_patients]
    if destination.channel == "sms":
        # A text needs a number to come from.
        candidates = [o for o in candidates if o.sms_number] or candidates
    return (candidates[0] if candidates else None), found


def request_code(
    ctx: Context, destination: Destination, *, language: str, client_ip: str | None
) -> CodeRequest:
    session, runtime = ctx.session, ctx.runtime
    now = clock.now()
    digest = destination_digest(runtime.secret, destination)
    recent = list(
        session.scalars(
            select(PortalCode.created_at)
            .where(
                PortalCode.destination_digest == digest,
                PortalCode.created_at > now - SEND_WINDOW,
            )
            .order_by(PortalCode.created_at)
        )
    )
    if len(recent) >= SENDS_PER_DESTINATION:
        wait = int((recent[-SENDS_PER_DESTINATION] + SEND_WINDOW - now).total_seconds()) + 1
        ctx.audit("execute", "PortalCode", outcome="throttled", channel=destination.channel)
        return CodeRequest(None, retry_after_s=max(1, wait))
    send_keys = [f"portal-send:ip:{client_ip}"] if client_ip else []
    rows = _throttles(session, send_keys)
    wait = _retry_after(rows, now)
    if wait:
        ctx.audit("execute", "PortalCode", outcome="throttled", channel=destination.channel)
        return CodeRequest(None, retry_after_s=wait)
    for key in send_keys:
        _count(
            session,
            rows,
            key,
            free=SENDS_PER_ADDRESS_FREE,
            base=SEND_BACKOFF_BASE_S,
            maximum=ctx.runtime.settings.login_backoff_max_seconds,
            now=now,
        )

    code_id = new_id()
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    session.add(
        PortalCode(
            id=code_id,
            channel=destination.channel,
            destination_digest=digest,
            code_digest=code_digest(runtime.secret, code_id, code),
            created_at=now,
            expires_at=now + CODE_TTL,
            attempts=0,
            client_ip=client_ip,
        )
    )
    sender, _ = _sender(session, destination, digest)
    if sender is not None:
        dispatch.queue(
            ctx,
            kind="portal-code",
            organization_id=sender.id,
            patient_id=None,
            key=f"portal-code:{code_id}",
            channel=destination.channel,
            to=destination.value,
            code=code,
            link=runtime.public_url(f"/portal/link/{link_token(code_id, code)}"),
            language=language,
        )
    # Which organization sent it is known to its admins; whether a record matched is not
    # written down anywhere the requester could read it.
    ctx.audit(
        "execute",
        "PortalCode",
        code_id,
        organization_id=sender.id if sender else None,
        channel=destination.channel,
        sent=sender is not None,
    )
    session.flush()
    return CodeRequest(code_id)


# --- verifying ---------------------------------------------------------------------


@dataclass(frozen=True)
class SignIn:
    """The outcome of a code, link or password. ``problem`` is a message key:
    wrong, expired, used, dead, mismatch, password, throttled."""

    user: User | None = None
    problem: str | None = None
    retry_after_s: int = 0
    tries_left: int | None = None
    # After a sign-in: the person must pick their records by birth date.
    pick: bool = False
    # After a sign-in: whether the person has a record of their own (else they may
    # register, which needs the destination they proved).
    has_record: bool = True

    @property
    def ok(self) -> bool:
        return self.user is not None

    @property
    def needs_destination(self) -> bool:
        """The next steps (pick, register) need the verified destination kept."""
        return self.pick or not self.has_record


def _code(session: Session, code_id: uuid.UUID) -> PortalCode | None:
    return session.get(PortalCode, code_id)


def code_channel(session: Session, code_id: uuid.UUID) -> PortalCode | None:
    return _code(session, code_id)


def verify_code(
    ctx: Context,
    code_id: uuid.UUID,
    code: str,
    *,
    destination: Destination | None,
    client_ip: str | None,
    language: str = "en",
) -> SignIn:
    """Check a code. ``destination`` (from the pending sign-in, or typed again when a link
    is opened elsewhere) lets the records on file be matched; it must be the code's."""
    session, runtime, settings = ctx.session, ctx.runtime, ctx.runtime.settings
    now = clock.now()
    found = _code(session, code_id)
    digest = found.destination_digest if found else ""
    # A code id that never existed counts against the address only (no row per guess).
    keys = _failure_keys(digest, client_ip) if found else _failure_keys("", client_ip)[1:]
    rows = _throttles(session, keys)
    wait = _retry_after(rows, now)
    audit = ctx.audit("execute", "PortalSignIn", code_id, method="code")
    if wait:
        audit.details["result"] = "throttled"
        return SignIn(problem="throttled", retry_after_s=wait)

    def failed(problem: str, tries_left: int | None = None) -> SignIn:
        _count_failure(session, settings, rows, keys)
        audit.details["result"] = problem
        return SignIn(problem=problem, tries_left=tries_left)

    code = (code or "").strip().replace(" ", "")
    if found is None:
        return failed("wrong")
    if found.used_at is not None:
        return failed("used")
    if found.expires_at <= now:
        return failed("expired")
    if found.attempts >= CODE_ATTEMPTS:
        return failed("dead")
    if destination is not None and destination_digest(runtime.secret, destination) != digest:
        return failed("mismatch")
    expected = found.code_digest
    if not hmac.compare_digest(expected, code_digest(runtime.secret, code_id, code)):
        found.attempts += 1
        left = CODE_ATTEMPTS - found.attempts
        return failed("wrong" if left > 0 else "dead", tries_left=max(left, 0))
    # Single use, even against a second request with the same code at the same moment.
    claimed = session.execute(
        update(PortalCode)
        .where(PortalCode.id == code_id, PortalCode.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return failed("used")
    dest_row = rows.get(f"portal:dest:{digest}")
    if dest_row is not None:
        session.delete(dest_row)
    _, user = find_or_create_account(
        session, found.channel, digest, destination.hint if destination else None, language
    )
    audit.about(resource_id=user.id)
    if not user.active:
        audit.details["result"] = "inactive"
        return SignIn(problem="inactive")
    user.last_login_at = now
    audit.details["result"] = "signed-in"
    pick = False
    if destination is not None:
        pick = link_records(ctx, user, destination).pick
    session.flush()
    return SignIn(user=user, pick=pick, has_record=has_own_record(session, user.id))


def check_password(
    ctx: Context,
    passwords: Passwords,
    destination: Destination,
    password: str,
    client_ip: str | None,
) -> SignIn:
    """The optional password: destination + password, with the code's throttle."""
    session, settings = ctx.session, ctx.runtime.settings
    now = clock.now()
    digest = destination_digest(ctx.runtime.secret, destination)
    keys = _failure_keys(digest, client_ip)
    rows = _throttles(session, keys)
    audit = ctx.audit("execute", "PortalSignIn", method="password")
    wait = _retry_after(rows, now)
    if wait:
        audit.details["result"] = "throttled"
        return SignIn(problem="throttled", retry_after_s=wait)
    account = account_for(session, digest)
    user = session.get(User, account.user_id) if account else None
    # Verified against a decoy when there is no account: the same time either way.
    valid = passwords.verify(user.password_hash if user else None, password)
    if user is None or not valid or not user.active:
        _count_failure(session, settings, rows, keys)
        audit.details["result"] = "password"
        return SignIn(problem="password")
    dest_row = rows.get(keys[0])
    if dest_row is not None:
        session.delete(dest_row)
    if passwords.needs_rehash(user.password_hash or ""):
        user.password_hash = passwords.hash(password)
    user.last_login_at = now
    audit.about(resource_id=user.id)
    audit.details["result"] = "signed-in"
    pick = link_records(ctx, user, destination).pick
    session.flush()
    return SignIn(user=user, pick=pick, has_record=has_own_record(session, user.id))


# --- accounts and records ----------------------------------------------------------


def find_or_create_account(
    session: Session,
    channel: str,
    digest: str,
    shown: str | None,
    language: str = "en",
    display_name: str | None = None,
) -> tuple[PortalAccount, User]:
    """The account of a destination, created on first use (a user that signs in only by
    code: no password, a synthetic e-mail address that is never written to)."""
    account = account_for(session, digest)
    if account is None:
        try:
            with session.begin_nested():
                user = User(
                    email=f"portal-{uuid.uuid4()}@{SYNTHETIC_DOMAIN}",
                    display_name=(display_name or shown or "Portal user")[:200],
                    password_hash=None,
                )
                session.add(user)
                session.flush()
                account = PortalAccount(
                    user_id=user.id,
                    channel=channel,
                    destination_digest=digest,
                    hint=(shown or "")[:40],
                    language=language,
                )
                session.add(account)
                session.flush()
        except IntegrityError:
            # The same destination verified twice at the same moment: use the winner's.
            account = account_for(session, digest)
            if account is None:
                raise
    user = session.get(User, account.user_id)
    assert user is not None
    return account, user


def user_account(session: Session, user_id: uuid.UUID) -> PortalAccount | None:
    return session.scalar(select(PortalAccount).where(PortalAccount.user_id == user_id))


def _memberships(session: Session, user_id: uuid.UUID) -> dict[uuid.UUID, Membership]:
    return {m.organization_id: m for m in auth_repository.memberships_of(session, user_id)}


def _own_records(session: Session, memberships: dict[uuid.UUID, Membership]) -> list[Patient]:
    ids = [m.patient_id for m in memberships.values() if m.role == "patient" and m.patient_id]
    if not ids:
        return []
    stmt = select(Patient).where(Patient.id.in_(ids))
    return list(session.scalars(unscoped_system(stmt, SYSTEM)))


@dataclass
class Linking:
    linked: list[Patient] = field(default_factory=list)
    pick: bool = False
    # Records on file at the destination not (yet) linked to the caller.
    candidates: list[Patient] = field(default_factory=list)


def _link(ctx: Context, user: User, patients: list[Patient], how: str) -> None:
    for patient in patients:
        membership = Membership(
            id=new_id(),
            organization_id=patient.organization_id,
            user_id=user.id,
            role="patient",
            patient_id=patient.id,
        )
        ctx.session.add(membership)
        ctx.audit(
            "create",
            "Membership",
            membership.id,
            patient_id=patient.id,
            organization_id=patient.organization_id,
            source="portal",
            how=how,
        )
    ctx.session.flush()


def _one_per_org(patients: list[Patient]) -> bool:
    orgs = [p.organization_id for p in patients]
    return len(orgs) == len(set(orgs))


def link_records(ctx: Context, user: User, destination: Destination) -> Linking:
    """Connect a verified destination's person to their records on file.

    Someone already linked gets the records of the same birth date at other
    organizations (the same person elsewhere); others at the number (family) are left
    alone. Someone new gets the records if they are one person's (one birth date, one
    record per organization); otherwise they must pick by birth date.
    """
    session = ctx.session
    memberships = _memberships(session, user.id)
    free = [
        p for p in records_on_file(session, destination) if p.organization_id not in memberships
    ]
    result = Linking(candidates=free)
    if not free:
        return result
    own = _own_records(session, memberships)
    if own:
        births = {p.birth_date for p in own}
        same = [p for p in free if p.birth_date in births]
        by_org: dict[uuid.UUID, list[Patient]] = defaultdict(list)
        for p in same:
            by_org[p.organization_id].append(p)
        result.linked = [ps[0] for ps in by_org.values() if len(ps) == 1]
        _link(ctx, user, result.linked, "same-person")
        return result
    if len({p.birth_date for p in free}) == 1 and _one_per_org(free):
        result.linked = free
        _link(ctx, user, free, "only-match")
        return result
    result.pick = True
    return result


@dataclass(frozen=True)
class Pick:
    linked: list[Patient] = field(default_factory=list)
    problem: str | None = None  # no-match, ambiguous, throttled
    retry_after_s: int = 0


def pick_by_birth_date(
    ctx: Context, user: User, destination: Destination, birth_date: date, client_ip: str | None
) -> Pick:
    """The records at a shared destination whose birth date is the one given."""
    session, settings = ctx.session, ctx.runtime.settings
    now = clock.now()
    keys = [f"portal:dob:{user.id}"] + ([f"portal:ip:{client_ip}"] if client_ip else [])
    rows = _throttles(session, keys)
    audit = ctx.audit("execute", "PortalSignIn", user.id, method="birth-date")
    wait = _retry_after(rows, now)
    if wait:
        audit.details["result"] = "throttled"
        return Pick(problem="throttled", retry_after_s=wait)
    memberships = _memberships(session, user.id)
    free = [
        p for p in records_on_file(session, destination) if p.organization_id not in memberships
    ]
    matching = [p for p in free if p.birth_date == birth_date]
    if not matching:
        for key in keys:
            _count(
                session,
                rows,
                key,
                free=settings.login_free_failures * (IP_FACTOR if ":ip:" in key else 1),
                base=settings.login_backoff_base_seconds,
                maximum=settings.login_backoff_max_seconds,
                now=now,
            )
        session.flush()
        audit.details["result"] = "no-match"
        return Pick(problem="no-match")
    if not _one_per_org(matching):
        # Two records of one organization share the number and the birth date (twins):
        # the portal cannot tell them apart; the clinic can.
        audit.details["result"] = "ambiguous"
        return Pick(problem="ambiguous")
    _link(ctx, user, matching, "birth-date")
    audit.details["result"] = "linked"
    return Pick(linked=matching)


def pending_candidates(ctx: Context, user: User, destination: Destination) -> list[Patient]:
    memberships = _memberships(ctx.session, user.id)
    return [
        p for p in records_on_file(ctx.session, destination) if p.organization_id not in memberships
    ]


def has_own_record(session: Session, user_id: uuid.UUID) -> bool:
    return any(m.role == "patient" for m in _memberships(session, user_id).values())


def is_staff(session: Session, user: User) -> bool:
    return user.platform_role is not None or any(
        m.role != "patient" for m in _memberships(session, user.id).values()
    )


# --- registration ------------------------------------------------------------------


def registration_orgs(session: Session) -> list[Organization]:
    return [o for o in _enabled_orgs(session) if o.portal_new_patients]


@dataclass(frozen=True)
class Registration:
    organization_id: uuid.UUID
    given_name: str
    family_name: str
    birth_date: date
    administrative_sex: str
    email: str | None = None
    phone: str | None = None
    language: str = "en"


class LikelyExisting(Conflict):
    slug = "likely-existing-record"
    title = "You may already have a record"


def _generate_mrn(session: Session, organization_id: uuid.UUID) -> str:
    for _ in range(5):
        candidate = "L" + "".join(secrets.choice("0123456789") for _ in range(9))
        taken = session.scalar(
            unscoped_system(
                select(Patient.id).where(
                    Patient.organization_id == organization_id, Patient.mrn == candidate
                ),
                SYSTEM,
            )
        )
        if taken is None:
            return candidate
    raise Conflict("Could not allocate a medical record number; try again")


def register(ctx: Context, user: User, destination: Destination, data: Registration) -> Patient:
    """A new patient record for someone with nothing on file, at an organization that
    takes new patients through the portal; refused (409) when a record with a similar
    name and the same birth date exists there: the clinic connects those by phone."""
    session = ctx.session
    audit = ctx.audit("create", "Patient", organization_id=data.organization_id, source="portal")
    if has_own_record(session, user.id):
        raise Conflict("This sign-in already has a patient record")
    org = next((o for o in registration_orgs(session) if o.id == data.organization_id), None)
    if org is None:
        raise InvalidInput("organization_id", "does not take new patients through the portal")
    given, family = data.given_name.strip(), data.family_name.strip()
    problems = []
    if not given:
        problems.append(("given_name", "is required"))
    if not family:
        problems.append(("family_name", "is required"))
    if len(given) > 100:
        problems.append(("given_name", "is too long"))
    if len(family) > 100:
        problems.append(("family_name", "is too long"))
    if data.birth_date > clock.now().date() or data.birth_date < date(1900, 1, 1):
        problems.append(("birth_date", "is not a real birth date"))
    if data.administrative_sex not in SEXES:
        problems.append(("administrative_sex", "choose one of the options"))
    if problems:
        raise InvalidInput.many([FieldProblem(f, m) for f, m in problems])
    email = data.email.strip().lower() if data.email else None
    if destination.channel == "email":
        email = destination.value
    elif email and ("@" not in email or len(email) > 254):
        raise InvalidInput("email", "is not an e-mail address")
    phone = destination.value if destination.channel == "sms" else None
    if phone is None and data.phone:
        try:
            phone = normalize_phone(data.phone, org.country)
        except ValueError as exc:
            raise InvalidInput("phone", str(exc)) from exc

    new = patient_rules.Person(given, family, data.birth_date, frozenset({phone} if phone else ()))
    pool = session.scalars(
        unscoped_system(
            select(Patient).where(
                Patient.organization_id == org.id, Patient.birth_date == data.birth_date
            ),
            SYSTEM,
        )
    )
    for existing in pool:
        _, reasons = patient_rules.duplicate_reasons(
            new,
            patient_rules.Person(existing.given_name, existing.family_name, existing.birth_date),
        )
        if reasons:
            audit.details["result"] = "likely-existing"
            raise LikelyExisting(
                "A record with this name and birth date may already exist; please call the clinic",
                organization_phone=org.phone,
            )
    patient = Patient(
        organization_id=org.id,
        mrn=_generate_mrn(session, org.id),
        given_name=given,
        family_name=family,
        given_key=search_key(given),
        family_key=search_key(family),
        birth_date=data.birth_date,
        administrative_sex=data.administrative_sex,
        email=email,
        preferred_language=data.language,
    )
    session.add(patient)
    session.flush()
    audit.about(resource_id=patient.id, patient_id=patient.id)
    now = clock.now()
    if phone:
        session.add(
            PatientTelecom(
                organization_id=org.id, patient_id=patient.id, use="mobile", value=phone, rank=1
            )
        )
    for channel in ("sms",) if destination.channel == "sms" else ("email",):
        session.add(
            CommunicationConsent(
                organization_id=org.id,
                patient_id=patient.id,
                channel=channel,
                status="granted",
                given_by="patient",
                method="portal",
                recorded_at=now,
                recorded_by_user_id=user.id,
            )
        )
    _link(ctx, user, [patient], "registered")
    user.display_name = f"{given} {family}"[:200]
    session.flush()
    return patient


# --- password, sign-out ------------------------------------------------------------


def set_password(
    ctx: Context,
    passwords: Passwords,
    user: User,
    current_password: str | None,
    new_password: str,
) -> None:
    """Set a first password (the code proved who they are) or change it (the current
    one is asked). Other sessions end either way."""
    ctx.audit("update", "User", user.id, change="portal-password")
    if user.password_hash is None:
        check_strength(new_password, "new_password")
        now = clock.now()
        user.password_hash = passwords.hash(new_password)
        user.password_changed_at = now
        auth_repository.revoke_sessions(ctx.session, user.id, now, keep=ctx.caller.session_id)
        ctx.session.flush()
        return
    auth_service.change_password(
        ctx.session,
        passwords,
        user,
        current_password or "",
        new_password,
        keep_session=ctx.caller.session_id,
    )


def remember_language(ctx: Context, language: str) -> None:
    account = user_account(ctx.session, ctx.caller.user_id)
    if account is not None and account.language != language:
        account.language = language
        ctx.audit("update", "PortalAccount", account.id, change="language", language=language)


def load_user(session: Session, user_id: uuid.UUID) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("User")
    return user


def has_grants(session: Session, user_id: uuid.UUID) -> bool:
    """Whether the user was made someone's proxy (not revoked; dates aside)."""
    stmt = select(PatientProxy.id).where(
        PatientProxy.proxy_user_id == user_id, PatientProxy.revoked_at.is_(None)
    )
    return session.scalar(unscoped_system(stmt.limit(1), SYSTEM)) is not None
