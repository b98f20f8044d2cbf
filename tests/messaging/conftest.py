"""A clinic that texts: a live server (with the sandbox SMS provider mounted), a real
local SMTP server, and a worker — all on the test database."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import uvicorn
from aiosmtpd.controller import Controller

from liaison.app import create_app
from liaison.jobs.worker import Worker
from liaison.models import CommunicationConsent, Organization
from liaison.runtime import Runtime
from tests.scheduling.conftest import NOW, add_schedule, clinic, frozen  # noqa: F401 - fixtures reused


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server, session, envelope):
        import email

        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    box = Mailbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield box, port
    controller.stop()


@dataclass
class Live:
    runtime: Runtime
    base: str
    worker: Worker

    def drain(self) -> int:
        return self.worker.drain()


@pytest.fixture
def live(runtime, settings, mailbox, tmp_path) -> Iterator[Live]:
    """The app served over real HTTP at a free port, its own Runtime knowing that URL
    (for webhooks and links), and a worker sending through the HTTP SMS gateway."""
    _, smtp_port = mailbox
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    live_settings = settings.model_copy(
        update={
            "base_url": base,
            "sandbox_path": tmp_path / "sandbox.db",
            "smtp_host": "127.0.0.1",
            "smtp_port": smtp_port,
            "smtp_sender": "Harbor <no-reply@harbor.example>",
        }
    )
    live_runtime = Runtime(
        settings=live_settings, db=runtime.db, passwords=runtime.passwords, secret=runtime.secret
    )
    app = create_app(live_settings, live_runtime)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)
    yield Live(live_runtime, base, Worker(live_runtime, name="test-worker"))
    server.should_exit = True
    thread.join(5)


@pytest.fixture
def texting_clinic(api, clinic, runtime):
    """The scheduling clinic, with an SMS number and a patient who agreed to texts."""
    with runtime.db.session() as session:
        org = session.get(Organization, clinic.org.id)
        org.sms_number = "+16175550100"
        org.phone = "+16175550199"
        org.quiet_hours_start, org.quiet_hours_end = "21:00", "08:00"
    api._save(
        CommunicationConsent(
            organization_id=clinic.org.id,
            patient_id=clinic.patient.id,
            channel="sms",
            status="granted",
            given_by="patient",
            method="verbal",
            recorded_at=NOW,
        ),
        CommunicationConsent(
            organization_id=clinic.org.id,
            patient_id=clinic.patient.id,
            channel="email",
            status="granted",
            given_by="patient",
            method="verbal",
            recorded_at=NOW,
        ),
    )
    from liaison.models import Patient, PatientTelecom

    api._save(
        PatientTelecom(
            organization_id=clinic.org.id,
            patient_id=clinic.patient.id,
            use="mobile",
            value="+16175551234",
            rank=1,
        )
    )
    with runtime.db.session() as session:
        from sqlalchemy import select

        from liaison.authz.scope import unscoped_system

        patient = session.scalar(
            unscoped_system(select(Patient).where(Patient.id == clinic.patient.id), "test")
        )
        patient.email = "carla@example.org"
    assert add_schedule  # the clinic already has schedules from tests.scheduling
    return clinic
