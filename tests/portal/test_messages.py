"""Portal messages: what a patient writes lands in the coordinators' inbox at once,
triaged; a coordinator's answer on the portal channel comes back into the thread;
attachments are images and PDFs recognised by their bytes, at most 5 MB, and a refused
file refuses the whole message with nothing stored; files are reachable only by their
patient (and the patient's proxies) and by staff of the same organization."""

from __future__ import annotations

import hashlib
import re
import struct
import uuid
import zlib
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from liaison.auth import service as auth_service
from liaison.authz.scope import unscoped_system
from liaison.context import unit_of_work
from liaison.jobs.worker import Worker
from liaison.kit import clock
from liaison.messaging import rules as messaging_rules
from liaison.models import (
    Attachment,
    AuditEvent,
    Communication,
    OutboxMessage,
    Task,
    TaskEvent,
    User,
)
from liaison.portal import messages
from liaison.web.portal.common import LANGUAGE_COOKIE
from liaison.workqueue import inbox
from tests.messaging.conftest import texting_clinic  # noqa: F401 - fixture
from tests.scheduling.conftest import clinic, frozen  # noqa: F401 - fixtures

URL = "/portal/messages"


def png(width: int = 2, height: int = 2) -> bytes:
    """A real (tiny, grey) PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    raw = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64


def count(runtime, model, *where) -> int:
    with runtime.db.session() as s:
        stmt = select(func.count()).select_from(model).where(*where)
        return int(s.scalar(unscoped_system(stmt, "test")) or 0)


def rows(runtime, model, *where):
    with runtime.db.session() as s:
        stmt = select(model).where(*where)
        if hasattr(model, "seq"):  # audit rows in the order they were written
            stmt = stmt.order_by(model.seq)
        found = list(s.scalars(unscoped_system(stmt, "test")))
        s.expunge_all()
        return found


def send(browser, body: str, files=(), subject: str = "", key: str | None = None):
    data = {"body": body, "subject": subject}
    if key:
        data["key"] = key
    return browser.post(URL, data, files=[("attachments", f) for f in files] if files else None)


@pytest.fixture
def carla(texting_clinic, portal_user, portal_session):
    """Carla (the clinic's patient, Spanish-speaking) signed in to the portal."""
    user = portal_user(texting_clinic.patient)
    browser = portal_session(user)
    browser.user = user  # type: ignore[attr-defined]
    return browser


def staff_reply(runtime, caller, task_id, body: str, channel: str | None) -> None:
    with runtime.db.session() as s:
        user = s.get(User, caller.user_id)
        principal = auth_service.principal_for(s, user)
    with unit_of_work(
        runtime.db, principal=principal, audit_key=runtime.audit_key, runtime=runtime
    ) as ctx:
        inbox.reply(ctx, task_id, body, channel)


# --- Sending ---------------------------------------------------------------------------


def test_a_message_lands_in_the_coordinators_inbox_and_the_next_one_joins_it(
    carla, texting_clinic, runtime
):
    clinic = texting_clinic
    page = carla.get(URL)
    assert page.status_code == 200, page.text
    assert 'enctype="multipart/form-data"' in page.text
    assert 'accept="image/*,application/pdf"' in page.text

    sent = send(
        carla,
        "Can I move my appointment to Thursday afternoon?",
        [("C:\\Users\\carla\\Pictures\\card.png", png(), "image/png")],
        subject="Insurance card",
    )
    assert sent.status_code == 303, sent.text
    assert sent.headers["location"] == f"{URL}?done=sent"
    assert str(clinic.patient.id) not in sent.headers["location"]

    queue = clinic.coordinator.get("/api/v1/tasks", params={"view": "all"}).json()["items"]
    (task,) = queue
    assert task["type"] == "inquiry" and task["patient_id"] == str(clinic.patient.id)
    assert task["category"] == "scheduling"  # triaged on arrival
    assert task["source"] == "portal"

    (message,) = rows(runtime, Communication)
    assert (message.channel, message.direction, message.kind, message.status) == (
        "portal",
        "inbound",
        "message",
        "received",
    )
    assert message.subject == "Insurance card" and message.from_address == "portal:self"
    (attachment,) = rows(runtime, Attachment)
    assert attachment.communication_id == message.id
    assert (attachment.filename, attachment.content_type) == ("card.png", "image/png")
    assert attachment.size == len(png())
    assert attachment.sha256 == hashlib.sha256(png()).hexdigest()

    thread = carla.get(f"{URL}?done=sent")
    assert "Can I move my appointment to Thursday afternoon?" in thread.text
    assert f"/portal/messages/attachments/{attachment.id}" in thread.text
    assert 'role="status"' in thread.text

    assert send(carla, "Or Friday morning works too").status_code == 303
    (same,) = clinic.coordinator.get("/api/v1/tasks", params={"view": "all"}).json()["items"]
    assert same["id"] == task["id"]
    events = rows(runtime, TaskEvent, TaskEvent.action == "message-in")
    assert len(events) == 2


def test_sending_is_audited_with_the_patient_and_the_portal_user(carla, texting_clinic, runtime):
    send(carla, "Necesito un resurtido de mi receta", [("receta.pdf", PDF, "application/pdf")])
    audit = rows(runtime, AuditEvent, AuditEvent.user_id == carla.user.id)
    created = {(a.action, a.resource_type) for a in audit if a.outcome == "success"}
    assert {("create", "Communication"), ("create", "Attachment")} <= created
    assert all(
        a.patient_id == texting_clinic.patient.id
        for a in audit
        if a.resource_type
        in (
            "Communication",
            "Attachment",
        )
    )
    # No file name, no words of the message in the trail.
    assert not any("receta" in str(a.details) for a in audit)


def test_a_coordinators_reply_on_the_portal_channel_comes_back_into_the_thread(
    carla, texting_clinic, runtime
):
    clinic = texting_clinic
    send(carla, "¿Puedo cambiar mi cita al jueves?")
    (task,) = rows(runtime, Task)
    staff_reply(runtime, clinic.coordinator, task.id, "Sí, el jueves a las 3 está libre.", "portal")
    assert Worker(runtime, name="portal-test").drain() >= 1

    (reply,) = rows(runtime, Communication, Communication.direction == "outbound")
    # Recorded as delivered in the portal, though the patient agreed to texts and e-mail:
    # nothing went to a phone or a mailbox.
    assert (reply.channel, reply.status, reply.kind) == ("portal", "delivered", "message")
    assert reply.delivered_at is not None
    page = carla.get(URL)
    assert "Sí, el jueves a las 3 está libre." in page.text
    assert "Su equipo de atención" in page.text  # Carla reads Spanish
    (answered,) = rows(runtime, Task)
    assert answered.first_response_at is not None


def test_a_portal_message_is_delivered_at_night_but_a_text_waits_for_morning(
    carla, texting_clinic, runtime
):
    clinic = texting_clinic
    send(carla, "Can I move my appointment to Thursday afternoon?")
    (task,) = rows(runtime, Task)
    with clock.frozen_at(datetime(2026, 6, 2, 3, 0, tzinfo=UTC)):  # 23:00 in Boston
        staff_reply(runtime, clinic.coordinator, task.id, "Yes, Thursday at 3 works.", "portal")
        staff_reply(runtime, clinic.coordinator, task.id, "Texting you too.", "sms")
        Worker(runtime, name="portal-test").drain()
    (delivered,) = rows(runtime, Communication, Communication.direction == "outbound")
    assert delivered.channel == "portal"
    waiting = rows(runtime, OutboxMessage, OutboxMessage.status == "pending")
    assert [m.payload["channels"] for m in waiting] == [["sms"]]


def test_channel_order_takes_the_portal_when_asked_unless_refused():
    order = messaging_rules.channel_order
    assert order(["portal"], {"sms"}, {"sms", "portal"}) == ["portal", "sms"]
    assert order(["portal"], {"sms"}, {"sms", "portal"}, {"portal"}) == ["sms"]
    # Never a fallback without consent: a text for someone without SMS consent is not
    # quietly turned into a portal message.
    assert order(["sms", "email"], set(), {"sms", "portal"}) == []
    assert order(["sms"], {"portal"}, {"sms", "portal"}) == ["portal"]


def test_an_emergency_written_in_the_portal_is_stat_with_safety_words_at_once(
    carla, texting_clinic, runtime
):
    page = send(carla, "I have crushing chest pain and my left arm is numb")
    assert page.status_code == 200, page.text
    assert 'role="alert"' in page.text and "911" in page.text
    (task,) = rows(runtime, Task)
    assert task.priority == "stat" and task.escalated_at is not None
    safety = [
        m
        for m in rows(runtime, OutboxMessage, OutboxMessage.topic == "message.send")
        if m.payload["kind"] == "safety"
    ]
    assert len(safety) == 1 and safety[0].payload["patient_id"] == str(texting_clinic.patient.id)


def test_a_resubmitted_form_sends_once(carla, runtime):
    first = send(carla, "Can I move my appointment?", key="form-key-123")
    again = send(carla, "Can I move my appointment?", key="form-key-123")
    assert first.status_code == again.status_code == 303
    assert count(runtime, Communication) == 1
    assert count(runtime, Task) == 1


def test_the_declared_type_gives_way_to_the_bytes_and_names_are_cleaned(carla, runtime):
    sent = send(
        carla,
        "My card and my results",
        [
            ("scan.jpg", png(), "image/jpeg"),
            ("../../etc/results.pdf", PDF, "application/octet-stream"),
        ],
    )
    assert sent.status_code == 303, sent.text
    found = sorted((a.filename, a.content_type) for a in rows(runtime, Attachment))
    assert found == [("results.pdf", "application/pdf"), ("scan.jpg.png", "image/png")]


def test_file_names_are_cleaned():
    clean = messages.clean_filename
    assert clean("C:\\fakepath\\photo.PNG", "image/png") == "photo.PNG"
    assert clean("a\x00b<c>.pdf", "application/pdf") == "a_b_c_.pdf"
    assert clean("", "image/jpeg") == "attachment.jpg"
    assert clean("...", "image/gif") == "attachment.gif"
    long = clean("x" * 300 + ".pdf", "application/pdf")
    assert len(long) == 200 and long.endswith(".pdf")


@pytest.mark.parametrize(
    ("files", "said"),
    [
        ([("photo.png", EXE, "image/png")], "“photo.png” is not a photo"),
        ([("notes.pdf", b"just some text, honestly", "application/pdf")], "“notes.pdf” is not"),
        ([("drawing.svg", b"<svg onload='alert(1)'/>", "image/svg+xml")], "“drawing.svg” is not"),
        (
            [("huge.png", png() + b"\x00" * (5 * 1024 * 1024), "image/png")],
            "“huge.png” is larger than 5 MB",
        ),
        ([("empty.pdf", b"", "application/pdf")], "“empty.pdf” is empty"),
        ([(f"p{i}.png", png(), "image/png") for i in range(4)], "Attach at most 3 files"),
        (
            [("ok.png", png(), "image/png"), ("bad.png", EXE, "image/png")],
            "“bad.png” is not a photo",
        ),
    ],
    ids=["exe-as-png", "text-as-pdf", "svg", "too-large", "empty", "four-files", "one-of-two"],
)
def test_a_refused_file_refuses_the_message_and_nothing_is_stored(
    carla, texting_clinic, runtime, files, said
):
    carla.client.cookies.set(LANGUAGE_COOKIE, "en")
    page = send(carla, "Here are my files", files, subject="Files")
    assert page.status_code == 422, page.text
    assert said in page.text
    assert "The message was not sent" in page.text
    assert 'role="alert"' in page.text and 'aria-invalid="true"' in page.text
    # What was typed is kept.
    assert ">Here are my files</textarea>" in page.text and 'value="Files"' in page.text
    assert count(runtime, Communication) == 0
    assert count(runtime, Attachment) == 0
    assert count(runtime, Task) == 0
    failed = rows(runtime, AuditEvent, AuditEvent.user_id == carla.user.id)
    assert any(
        (a.action, a.resource_type, a.outcome) == ("create", "Communication", "failed")
        for a in failed
    )


def test_an_empty_message_is_refused_in_the_readers_language(carla, runtime):
    carla.client.cookies.set(LANGUAGE_COOKIE, "es")
    page = send(carla, "   ", [("receta.exe", EXE, "application/octet-stream")])
    assert page.status_code == 422
    assert "Escriba su mensaje." in page.text
    assert "“receta.exe” no es una foto" in page.text
    assert "El mensaje no se envió" in page.text
    assert count(runtime, Communication) == 0


def test_a_request_larger_than_any_message_is_refused_before_it_is_read(carla, runtime):
    big = png() + b"\x00" * (6 * 1024 * 1024)
    page = send(carla, "Big", [(f"b{i}.png", big, "image/png") for i in range(3)])
    assert page.status_code == 413
    assert "too large" in page.text
    assert count(runtime, Communication) == 0


def test_sending_needs_the_csrf_token(carla, runtime):
    refused = carla.post(URL, {"body": "Hello"}, csrf=False)
    assert refused.status_code == 403
    assert count(runtime, Communication) == 0


# --- Proxies ---------------------------------------------------------------------------


def test_a_read_only_proxy_reads_the_thread_but_cannot_send(
    carla, texting_clinic, portal_user, portal_session, runtime
):
    send(carla, "Can I move my appointment to Thursday afternoon?")
    helper = portal_session(
        portal_user(None, proxy_for=[(texting_clinic.patient, "parent", "read")])
    )
    page = helper.get(URL)
    assert page.status_code == 200
    assert "Can I move my appointment to Thursday afternoon?" in page.text
    assert "read-only" in page.text or "solo lectura" in page.text
    assert 'name="attachments"' not in page.text  # no composer
    refused = send(helper, "I am writing for her", [("x.png", png(), "image/png")])
    assert refused.status_code == 403
    assert count(runtime, Communication) == 1
    assert count(runtime, Attachment) == 0


def test_a_proxy_who_manages_care_sends_and_the_thread_says_who_wrote(
    texting_clinic, portal_user, portal_session, runtime
):
    mother = portal_session(
        portal_user(None, proxy_for=[(texting_clinic.patient, "parent", "manage")])
    )
    mother.client.cookies.set(LANGUAGE_COOKIE, "en")
    assert send(mother, "My daughter needs a refill of her inhaler").status_code == 303
    (message,) = rows(runtime, Communication)
    assert (
        message.from_address == "portal:parent" and message.patient_id == texting_clinic.patient.id
    )
    page = mother.get(URL)
    assert re.search(r"<strong>You</strong>", page.text)


# --- Files: who may fetch them ---------------------------------------------------------


def _attachment_of(runtime) -> Attachment:
    (attachment,) = rows(runtime, Attachment)
    return attachment


def test_the_patient_and_the_clinics_staff_download_a_file(carla, texting_clinic, runtime):
    send(carla, "My insurance card", [("card.png", png(), "image/png")])
    attachment = _attachment_of(runtime)

    mine = carla.get(f"/portal/messages/attachments/{attachment.id}")
    assert mine.status_code == 200
    assert mine.content == png()
    assert mine.headers["content-type"] == "image/png"
    # The staff API is not the patient's way in: a patient holds no staff permission.
    assert carla.get(f"/api/v1/attachments/{attachment.id}").status_code == 404

    staff = texting_clinic.coordinator.get(f"/api/v1/attachments/{attachment.id}")
    assert staff.status_code == 200
    assert staff.content == png()
    assert staff.headers["content-type"] == "image/png"
    assert staff.headers["content-disposition"].startswith('attachment; filename="card.png"')
    assert "nosniff" in staff.headers["x-content-type-options"]
    assert "sandbox" in staff.headers["content-security-policy"]
    reads = rows(runtime, AuditEvent, AuditEvent.resource_type == "Attachment")
    staff_read = [
        a for a in reads if a.action == "read" and a.user_id == texting_clinic.coordinator.user_id
    ]
    assert len(staff_read) == 1 and staff_read[0].patient_id == texting_clinic.patient.id


def test_another_organizations_file_is_not_found_for_staff_or_patients(
    carla, texting_clinic, api, portal_user, portal_session, runtime
):
    send(carla, "My insurance card", [("card.png", png(), "image/png")])
    attachment = _attachment_of(runtime)
    other = api.organization("Elsewhere Clinic")
    outsider = api.login(other, "admin")
    missing = outsider.get(f"/api/v1/attachments/{attachment.id}")
    assert missing.status_code == 404
    assert "card.png" not in missing.text

    stranger = portal_session(portal_user(api.patient(other, given_name="Olga")))
    assert stranger.get(f"/portal/messages/attachments/{attachment.id}").status_code == 404
    # Staff who read patients elsewhere (a practitioner of the other clinic) do not here.
    assert (
        api.login(other, "practitioner").get(f"/api/v1/attachments/{attachment.id}").status_code
        == 404
    )
    assert outsider.get(f"/api/v1/attachments/{uuid.uuid4()}").status_code == 404
    denied = rows(runtime, AuditEvent, AuditEvent.outcome == "denied")
    assert any(a.resource_type == "Attachment" for a in denied)


def test_another_patients_file_in_the_same_clinic_is_not_found(
    carla, texting_clinic, api, portal_user, portal_session, runtime
):
    send(carla, "My insurance card", [("card.png", png(), "image/png")])
    attachment = _attachment_of(runtime)
    neighbour = portal_session(portal_user(api.patient(texting_clinic.org, given_name="Nora")))
    assert neighbour.get(f"/portal/messages/attachments/{attachment.id}").status_code == 404
    assert "card.png" not in neighbour.get(URL).text


def test_attachments_of_shows_staff_the_files_of_their_organization_only(
    carla, texting_clinic, api, runtime
):
    send(carla, "My card and results", [("card.png", png(), "image/png"), ("r.pdf", PDF, None)])
    (message,) = rows(runtime, Communication)

    def listed(caller):
        with runtime.db.session() as s:
            principal = auth_service.principal_for(s, s.get(User, caller.user_id))
        with unit_of_work(runtime.db, principal=principal, audit_key=runtime.audit_key) as ctx:
            return messages.attachments_of(ctx, [message.id])

    found = listed(texting_clinic.coordinator)
    assert [(a.filename, a.content_type, a.is_image) for a in found[message.id]] == [
        ("card.png", "image/png", True),
        ("r.pdf", "application/pdf", False),
    ]
    assert listed(api.login(api.organization("Elsewhere"), "admin")) == {}


# --- The thread ------------------------------------------------------------------------


def test_the_thread_shows_the_conversation_not_the_automated_messages(
    carla, texting_clinic, runtime, api
):
    clinic = texting_clinic
    now = clock.now()

    def outbound(kind: str, status: str, body: str) -> Communication:
        return Communication(
            organization_id=clinic.org.id,
            patient_id=clinic.patient.id,
            channel="sms",
            direction="outbound",
            kind=kind,
            status=status,
            body=body,
            created_at=now,
        )

    api._save(
        outbound("reminder", "sent", "Reminder with a link https://x/r/secret"),
        outbound("message", "failed", "A text that never arrived"),
        outbound("message", "sent", "We texted you about your visit"),
        Communication(
            organization_id=clinic.org.id,
            patient_id=clinic.patient.id,
            channel="sms",
            direction="inbound",
            kind="message",
            status="received",
            body="Texted from my phone",
            created_at=now,
        ),
    )
    page = carla.get(URL)
    assert "We texted you about your visit" in page.text
    assert "Texted from my phone" in page.text
    assert "/r/secret" not in page.text
    assert "never arrived" not in page.text


def test_the_thread_pages_back_through_earlier_messages(carla, texting_clinic, runtime, api):
    clinic = texting_clinic
    start = clock.now() - timedelta(days=2)
    api._save(
        *[
            Communication(
                organization_id=clinic.org.id,
                patient_id=clinic.patient.id,
                channel="portal",
                direction="inbound",
                kind="message",
                status="received",
                body=f"Message number {i:02d}",
                created_at=start + timedelta(minutes=i),
            )
            for i in range(messages.PAGE + 5)
        ]
    )
    newest = carla.get(URL).text
    assert f"Message number {messages.PAGE + 4:02d}" in newest
    assert "Message number 04" not in newest and "Message number 05" in newest
    assert newest.index("Message number 05") < newest.index(f"Message number {messages.PAGE + 4}")
    link = re.search(r'href="(/portal/messages\?before=[^"]+)"', newest)
    assert link, "no link to earlier messages"
    earlier = carla.get(link.group(1).replace("&amp;", "&")).text
    assert "Message number 00" in earlier and "Message number 04" in earlier
    assert "Message number 05" not in earlier
    assert str(clinic.patient.id) not in link.group(1)
    # A cursor that is not one shows the newest messages.
    assert carla.get(f"{URL}?before=nonsense").status_code == 200


def test_the_page_without_a_patient_record_is_not_found(portal_user, portal_session, api):
    lonely = portal_session(portal_user(None))
    assert lonely.get(URL).status_code == 404


def test_the_coordinators_task_page_lists_the_files_and_answers_in_the_portal(
    carla, texting_clinic, runtime, client
):
    """The staff side of a portal message: the attached file is a link to the audited
    download, and the composer answers on the portal channel by default."""
    from tests.web.conftest import Browser, session_csrf

    send(carla, "Here is my new insurance card", [("card.png", png(), "image/png")])
    (task,) = rows(runtime, Task)
    (attachment,) = rows(runtime, Attachment)
    staff = Browser(client)
    client.cookies.clear()
    assert staff.login(texting_clinic.coordinator.email).status_code == 303
    page = staff.get(f"/queue/tasks/{task.id}")
    assert page.status_code == 200, page.text
    assert f'href="/api/v1/attachments/{attachment.id}"' in page.text
    assert "card.png" in page.text
    assert re.search(r'<option value="portal"\s+selected', page.text)
    staff.csrf = session_csrf(page.text)
    download = client.get(f"/api/v1/attachments/{attachment.id}")
    assert download.status_code == 200 and download.content == png()
    api_reply = texting_clinic.coordinator.post(
        f"/api/v1/tasks/{task.id}/reply", json={"body": "Thanks, got it.", "channel": "portal"}
    )
    assert api_reply.status_code == 200, api_reply.text
