"""Portal messages: a patient's conversation with their care team, and the files they
attach.

What the patient writes becomes an inbound ``Communication`` on the ``portal`` channel
and goes through the inbox like a text does (``workqueue.inbox.receive``): triaged at
once, filed on the patient's open conversation task (or opening one), an emergency
escalated with a safety reply. Coordinators answer on the portal channel
(``messaging`` delivers it into this thread) or on any other.

Attachments are images (PNG, JPEG, GIF, WebP) and PDFs, recognised by their first bytes
— the type the browser declared is not trusted — and at most ``MAX_FILE_BYTES`` each.
A message is sent whole or not at all: one refused file refuses the message, and nothing
of it is stored.

Every function starts from the portal's own access check (``portal.access``); reading
the patient's rows then goes through the staff permissions that ``acting_for`` lends for
that one organization, always narrowed to that one patient.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select, tuple_

from liaison.authz.permissions import Permission
from liaison.authz.scope import scoped
from liaison.context import Context
from liaison.errors import FieldProblem, InvalidInput, NotFound
from liaison.kit import clock
from liaison.kit.db import among
from liaison.kit.pagination import decode_cursor, encode_cursor
from liaison.models import Attachment, Communication, Organization, Patient
from liaison.portal import access
from liaison.portal.access import PortalPatient

READ = Permission.PATIENT_READ
MAX_BODY = 1600
MAX_SUBJECT = 200
MAX_FILES = 3
# Per file. A constant rather than a setting: phones' photos fit, and the whole message
# (three files) stays well under what a request may carry.
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_FILENAME = 200
PAGE = 30
# What the patient sees of what was sent to them: conversation, not the automated
# appointment messages (those carry links that act on a visit, which a read-only proxy
# must not be handed, and are on the appointments page anyway).
OUTBOUND_KINDS = ("message", "safety")
SHOWN_STATUSES = ("sent", "delivered")

# type -> (extensions it may carry, the one to add when the name has none of them)
TYPES: dict[str, tuple[tuple[str, ...], str]] = {
    "image/png": ((".png",), ".png"),
    "image/jpeg": ((".jpg", ".jpeg", ".jpe", ".jfif"), ".jpg"),
    "image/gif": ((".gif",), ".gif"),
    "image/webp": ((".webp",), ".webp"),
    "application/pdf": ((".pdf",), ".pdf"),
}
IMAGE_TYPES = frozenset(t for t in TYPES if t.startswith("image/"))


def sniff(data: bytes) -> str | None:
    """The content type the bytes really are (one of ``TYPES``), or None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR":
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP" and data[12:15] == b"VP8":
        return "image/webp"
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    return None


_UNSAFE = re.compile(r"[\x00-\x1f\x7f\"*:<>?\\|/]")


def clean_filename(raw: str | None, content_type: str) -> str:
    """A name safe to store and to offer back in a download: no directories, no control
    or reserved characters, at most ``MAX_FILENAME`` characters, and an extension that
    matches what the file really is."""
    name = unicodedata.normalize("NFC", raw or "")
    name = re.split(r"[\\/]", name)[-1]  # "C:\\Users\\me\\x.png", "../../x.png" -> "x.png"
    name = _UNSAFE.sub("_", name).strip().strip(".").strip()
    name = re.sub(r"\s+", " ", name)
    extensions, extension = TYPES[content_type]
    if not name.lower().endswith(extensions):
        name = (name or "attachment") + extension
    if len(name) > MAX_FILENAME:
        stem, dot, suffix = name.rpartition(".")
        suffix = dot + suffix
        name = stem[: MAX_FILENAME - len(suffix)].rstrip() + suffix
    return name


# --- Refusals -------------------------------------------------------------------------


@dataclass(frozen=True)
class Refusal:
    """One reason a message was not sent. ``code`` names the words the page shows
    (in the reader's language); ``filename`` is the file as the patient named it."""

    field: str
    code: str
    filename: str | None = None

    @property
    def english(self) -> str:
        return {
            "body_empty": "is empty",
            "body_too_long": f"is longer than {MAX_BODY} characters",
            "subject_too_long": f"is longer than {MAX_SUBJECT} characters",
            "too_many_files": f"has more than {MAX_FILES} files",
            "file_empty": "is an empty file",
            "file_too_large": f"is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB",
            "file_type": "is not a PNG, JPEG, GIF or WebP image or a PDF",
        }[self.code]


class MessageRefused(InvalidInput):
    """Everything wrong with a message, at once. The API's problem document names the
    fields (``attachments[1]``); the page names the files."""

    def __init__(self, refusals: Sequence[Refusal]) -> None:
        self.refusals = list(refusals)
        problems = [FieldProblem(r.field, r.english) for r in self.refusals]
        super().__init__(problems[0].field, problems[0].message, *problems[1:])


@dataclass(frozen=True)
class Upload:
    """A file as it arrived: the name and type the browser gave, and the bytes (read up
    to one byte past the limit: enough to know it is too large)."""

    filename: str | None
    declared_type: str | None
    data: bytes
    # The size the upload says it has, when larger than what was read.
    size: int | None = None

    @property
    def total(self) -> int:
        return max(len(self.data), self.size or 0)


@dataclass(frozen=True)
class Checked:
    filename: str
    content_type: str
    data: bytes


def check_uploads(uploads: Sequence[Upload]) -> tuple[list[Checked], list[Refusal]]:
    """The files that may be stored, and the refusals for the others."""
    refusals: list[Refusal] = []
    if len(uploads) > MAX_FILES:
        refusals.append(Refusal("attachments", "too_many_files"))
    checked: list[Checked] = []
    for i, upload in enumerate(uploads):
        field, name = f"attachments[{i}]", upload.filename or f"#{i + 1}"
        if upload.total == 0:
            refusals.append(Refusal(field, "file_empty", name))
        elif upload.total > MAX_FILE_BYTES:
            refusals.append(Refusal(field, "file_too_large", name))
        elif (real := sniff(upload.data)) is None:
            # Whatever the name or the declared type say: an .exe renamed .png, a text
            # file sent as application/pdf, an SVG (it can carry script).
            refusals.append(Refusal(field, "file_type", name))
        else:
            # A declared type that disagrees with the bytes is ignored; the bytes decide.
            checked.append(Checked(clean_filename(upload.filename, real), real, upload.data))
    return checked, refusals


# --- Reading the thread ---------------------------------------------------------------


@dataclass(frozen=True)
class AttachmentInfo:
    """An attachment without its bytes."""

    id: uuid.UUID
    organization_id: uuid.UUID
    communication_id: uuid.UUID
    filename: str
    content_type: str
    size: int
    created_at: datetime

    @property
    def is_image(self) -> bool:
        return self.content_type in IMAGE_TYPES


_INFO_COLUMNS = (
    Attachment.id,
    Attachment.organization_id,
    Attachment.communication_id,
    Attachment.filename,
    Attachment.content_type,
    Attachment.size,
    Attachment.created_at,
)


def _infos(rows: Iterable[object]) -> dict[uuid.UUID, list[AttachmentInfo]]:
    found: dict[uuid.UUID, list[AttachmentInfo]] = defaultdict(list)
    for row in rows:
        info = AttachmentInfo(*row)  # type: ignore[misc]
        found[info.communication_id].append(info)
    return dict(found)


@dataclass(frozen=True)
class ThreadItem:
    communication: Communication
    attachments: list[AttachmentInfo]

    @property
    def from_patient(self) -> bool:
        return self.communication.direction == "inbound"


@dataclass(frozen=True)
class Thread:
    patient: PortalPatient
    items: list[ThreadItem]  # oldest first
    # The cursor of the page of earlier messages, if there are any.
    earlier: str | None
    # Whether this is an earlier page (the newest messages are elsewhere).
    paged: bool
    time_zone: str
    organization_phone: str | None


def _visible(patient: PortalPatient) -> object:
    return and_(
        Communication.organization_id == patient.organization_id,
        Communication.patient_id == patient.patient_id,
        or_(
            and_(Communication.direction == "inbound", Communication.kind == "message"),
            and_(
                Communication.direction == "outbound",
                Communication.kind.in_(OUTBOUND_KINDS),
                Communication.status.in_(SHOWN_STATUSES),
            ),
        ),
    )


def thread(
    ctx: Context, patient_id: uuid.UUID, *, before: str | None = None, limit: int = PAGE
) -> Thread:
    """The patient's conversation with the care team across channels: the newest
    ``limit`` messages (or those before the cursor ``before``), oldest first."""
    audit = ctx.audit("read", "Communication", channel="portal")
    patient = access.require_patient(ctx, patient_id)
    audit.about(patient_id=patient.patient_id, organization_id=patient.organization_id)
    with access.acting_for(ctx, patient):
        stmt = select(Communication).where(_visible(patient))
        if before:
            raw = decode_cursor(before, 2)
            try:
                at, last = datetime.fromisoformat(raw[0]), uuid.UUID(str(raw[1]))
            except (TypeError, ValueError) as exc:
                raise InvalidInput("before", "is not a cursor of this thread") from exc
            if at.tzinfo is None:
                raise InvalidInput("before", "is not a cursor of this thread")
            stmt = stmt.where(tuple_(Communication.created_at, Communication.id) < tuple_(at, last))
        stmt = stmt.order_by(Communication.created_at.desc(), Communication.id.desc())
        rows = list(
            ctx.session.scalars(scoped(stmt.limit(limit + 1), ctx.caller, Communication, READ))
        )
        page, more = rows[:limit], len(rows) > limit
        files = _attachments(ctx, patient, [c.id for c in page])
        zone, phone = _zone_and_phone(ctx, patient)
    earlier = None
    if more and page:
        oldest = page[-1]
        earlier = encode_cursor([oldest.created_at.isoformat(), str(oldest.id)])
    items = [ThreadItem(c, files.get(c.id, [])) for c in reversed(page)]
    return Thread(patient, items, earlier, bool(before), zone, phone)


def _attachments(
    ctx: Context, patient: PortalPatient, communication_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[AttachmentInfo]]:
    if not communication_ids:
        return {}
    stmt = (
        select(*_INFO_COLUMNS)
        .join(
            Communication,
            (Communication.organization_id == Attachment.organization_id)
            & (Communication.id == Attachment.communication_id),
        )
        .where(
            Attachment.organization_id == patient.organization_id,
            among(ctx.session, Attachment.communication_id, communication_ids),
            Communication.patient_id == patient.patient_id,
        )
        .order_by(Attachment.created_at, Attachment.filename, Attachment.id)
    )
    return _infos(ctx.session.execute(scoped(stmt, ctx.caller, Attachment, READ)))


def _zone_and_phone(ctx: Context, patient: PortalPatient) -> tuple[str, str | None]:
    stmt = (
        select(Patient.time_zone, Organization.time_zone, Organization.phone)
        .join(Organization, Organization.id == Patient.organization_id)
        .where(Patient.organization_id == patient.organization_id, Patient.id == patient.patient_id)
    )
    row = ctx.session.execute(scoped(stmt, ctx.caller, Patient, READ)).one()
    return row[0] or row[1], row[2]


# --- Sending --------------------------------------------------------------------------


@dataclass(frozen=True)
class Sent:
    communication: Communication
    attachments: list[Attachment]
    task_id: uuid.UUID | None  # None for a repeated form
    emergency: bool
    # True when the same form had already been sent (a double click, a resubmission).
    repeated: bool = False


def send(
    ctx: Context,
    patient_id: uuid.UUID,
    *,
    body: str | None,
    subject: str | None = None,
    uploads: Sequence[Upload] = (),
    key: str | None = None,
) -> Sent:
    """A patient (or a proxy who may manage their care) writes to the care team.

    Checked whole before anything is written: the words (1..``MAX_BODY`` characters),
    the subject, and every file. Then the message and its files are stored and handed
    to the inbox, in this one transaction. ``key`` makes a resubmitted form (the same
    key) a no-op that answers with the first message."""
    audit = ctx.audit("create", "Communication", channel="portal")
    patient = access.require_patient(ctx, patient_id, manage=True)
    audit.about(patient_id=patient.patient_id, organization_id=patient.organization_id)

    text = (body or "").strip()
    title = (subject or "").strip() or None
    refusals: list[Refusal] = []
    if not text:
        refusals.append(Refusal("body", "body_empty"))
    elif len(text) > MAX_BODY:
        refusals.append(Refusal("body", "body_too_long"))
    if title is not None and len(title) > MAX_SUBJECT:
        refusals.append(Refusal("subject", "subject_too_long"))
    files, refused = check_uploads(uploads)
    refusals += refused
    if refusals:
        raise MessageRefused(refusals)

    from liaison.workqueue import inbox

    with access.acting_for(ctx, patient):
        if key:
            earlier = _sent_with(ctx, patient, key)
            if earlier is not None:
                audit.about(resource_id=earlier.communication.id)
                return earlier
        now = clock.now()
        communication = Communication(
            organization_id=patient.organization_id,
            patient_id=patient.patient_id,
            channel="portal",
            direction="inbound",
            kind="message",
            status="received",
            # Who wrote it: the patient, or the person using the portal for them.
            from_address=f"portal:{patient.relationship}",
            subject=title,
            body=text,
            idempotency_key=f"portal-in:{key}" if key else None,
            created_at=now,
            sent_at=now,
        )
        ctx.session.add(communication)
        ctx.session.flush()
        audit.about(resource_id=communication.id)
        stored = [
            Attachment(
                organization_id=patient.organization_id,
                communication_id=communication.id,
                filename=f.filename,
                content_type=f.content_type,
                size=len(f.data),
                sha256=hashlib.sha256(f.data).hexdigest(),
                data=f.data,
                created_at=now,
            )
            for f in files
        ]
        ctx.session.add_all(stored)
        ctx.session.flush()
        for attachment in stored:
            ctx.audit(
                "create",
                "Attachment",
                attachment.id,
                patient_id=patient.patient_id,
                organization_id=patient.organization_id,
                content_type=attachment.content_type,
                size=attachment.size,
            )
        filed = inbox.receive(ctx, communication)
    return Sent(communication, stored, filed.task.id, filed.emergency)


def _sent_with(ctx: Context, patient: PortalPatient, key: str) -> Sent | None:
    stmt = select(Communication).where(
        Communication.organization_id == patient.organization_id,
        Communication.patient_id == patient.patient_id,
        Communication.idempotency_key == f"portal-in:{key}",
    )
    found = ctx.session.scalar(scoped(stmt, ctx.caller, Communication, READ))
    return None if found is None else Sent(found, [], None, False, repeated=True)


# --- Files ----------------------------------------------------------------------------


def attachment_for_patient(
    ctx: Context, patient_id: uuid.UUID, attachment_id: uuid.UUID
) -> Attachment:
    """A file of the patient's thread, for the patient or a proxy: 404 unless it is
    attached to one of this patient's messages."""
    audit = ctx.audit("read", "Attachment", attachment_id, channel="portal")
    patient = access.require_patient(ctx, patient_id)
    audit.about(patient_id=patient.patient_id, organization_id=patient.organization_id)
    with access.acting_for(ctx, patient):
        stmt = (
            select(Attachment)
            .join(
                Communication,
                (Communication.organization_id == Attachment.organization_id)
                & (Communication.id == Attachment.communication_id),
            )
            .where(Attachment.id == attachment_id, _visible(patient))
        )
        found = ctx.session.scalar(scoped(stmt, ctx.caller, Attachment, READ))
    if found is None:
        raise NotFound("Attachment")
    return found


def attachment_for_staff(ctx: Context, attachment_id: uuid.UUID) -> Attachment:
    """A file for staff who may read the patient's record (PATIENT_READ); another
    organization's file is 404."""
    audit = ctx.audit("read", "Attachment", attachment_id)
    stmt = (
        select(Attachment, Communication.patient_id)
        .join(
            Communication,
            (Communication.organization_id == Attachment.organization_id)
            & (Communication.id == Attachment.communication_id),
        )
        .where(Attachment.id == attachment_id)
    )
    row = ctx.session.execute(scoped(stmt, ctx.caller, Attachment, READ)).first()
    if row is None:
        raise NotFound("Attachment")
    attachment, owner = row
    audit.about(patient_id=owner, organization_id=attachment.organization_id)
    return attachment


def attachments_of(
    ctx: Context, communication_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, list[AttachmentInfo]]:
    """The attachments of these messages (without their bytes), by message id, for the
    staff's conversation view: only in organizations where the caller may read patients.
    Messages without attachments are absent from the answer."""
    ids = list(dict.fromkeys(communication_ids))
    if not ids:
        return {}
    stmt = (
        select(*_INFO_COLUMNS)
        .where(among(ctx.session, Attachment.communication_id, ids))
        .order_by(Attachment.created_at, Attachment.filename, Attachment.id)
    )
    return _infos(ctx.session.execute(scoped(stmt, ctx.caller, Attachment, READ)))
