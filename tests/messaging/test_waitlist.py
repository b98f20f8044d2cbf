"""The waitlist fills a freed slot by itself: ranked offers, a hold, and exactly one
winner when patients accept at once."""

from __future__ import annotations

import threading
import uuid
from datetime import date, timedelta

from sqlalchemy import select

from liaison.auth import service as auth_service
from liaison.authz.scope import unscoped_system
from liaison.context import unit_of_work
from liaison.errors import Conflict
from liaison.kit import clock
from liaison.models import Appointment, OutboxMessage, User, WaitlistEntry, WaitlistOffer
from liaison.waitlist import service as waitlist
from tests.scheduling.conftest import local

THURSDAY = date(2026, 6, 11)


def rows(runtime, model, *where):
    with runtime.db.session() as s:
        return list(s.scalars(unscoped_system(select(model).where(*where), "test")))


def entry(clinic, patient, **extra):
    body = {
        "organization_id": str(clinic.org.id),
        "patient_id": str(patient.id),
        "healthcare_service_id": str(clinic.service.id),
        **extra,
    }
    response = clinic.coordinator.post("/api/v1/waitlist-entries", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def free_a_slot(clinic, live):
    booked = clinic.coordinator.post(
        "/api/v1/appointments", json=clinic.booking(local(THURSDAY, 9))
    ).json()
    clinic.coordinator.post(
        f"/api/v1/appointments/{booked['id']}/cancel",
        json={"reason": "sick", "cancelled_by": "patient"},
    )
    live.drain()
    return booked


def test_a_cancellation_is_offered_to_the_best_entries(api, texting_clinic, runtime, live):
    clinic = texting_clinic
    routine_old = api.patient(clinic.org, given_name="Old", family_name="Routine")
    urgent = api.patient(clinic.org, given_name="Uma", family_name="Urgent")
    late = api.patient(clinic.org, given_name="Lou", family_name="Late")
    too_picky = api.patient(clinic.org, given_name="Pia", family_name="Picky")
    entry(clinic, routine_old)
    clock.advance(timedelta(days=1))
    entry(clinic, urgent, priority="urgent")
    entry(clinic, late)
    entry(clinic, too_picky, times_of_day=[{"start": "14:00", "end": "17:00"}])
    clinic.coordinator = api.login(clinic.org, "coordinator")
    free_a_slot(clinic, live)
    offers = sorted(rows(runtime, WaitlistOffer), key=lambda o: o.sent_at)
    assert {o.patient_id for o in offers} == {
        urgent.id,
        routine_old.id,
        late.id,
    }  # batch of 3; Pia wants afternoons
    (hold,) = rows(runtime, Appointment, Appointment.status == "proposed")
    assert hold.start_at == local(THURSDAY, 9)
    kinds = [
        m.payload["kind"]
        for m in rows(runtime, OutboxMessage, OutboxMessage.topic == "message.send")
    ]
    assert kinds.count("waitlist-offer") == 3
    metrics = clinic.coordinator.get(
        "/api/v1/waitlist/metrics", params={"organization_id": str(clinic.org.id)}
    ).json()
    assert metrics["offers_sent"] == 3


def test_two_patients_accepting_at_once_exactly_one_wins(api, texting_clinic, runtime, live):
    clinic = texting_clinic
    first, second = (
        api.patient(clinic.org, given_name="Ann"),
        api.patient(clinic.org, given_name="Bob"),
    )
    entry(clinic, first)
    entry(clinic, second)
    free_a_slot(clinic, live)
    offers = rows(runtime, WaitlistOffer)
    assert len(offers) == 2
    with runtime.db.session() as s:
        principal = auth_service.principal_for(s, s.get(User, clinic.coordinator.user_id))
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def accept(offer_id):
        barrier.wait()
        try:
            with unit_of_work(
                runtime.db, principal=principal, audit_key=runtime.audit_key, runtime=live.runtime
            ) as ctx:
                waitlist.accept_offer(ctx, offer_id)
            outcomes.append("won")
        except Conflict:
            outcomes.append("taken")

    threads = [threading.Thread(target=accept, args=(o.id,)) for o in offers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["taken", "won"]
    (booked,) = rows(
        runtime,
        Appointment,
        Appointment.start_at == local(THURSDAY, 9),
        Appointment.status == "booked",
    )
    assert booked.patient_id in {first.id, second.id}
    statuses = sorted(o.status for o in rows(runtime, WaitlistOffer))
    assert statuses == ["accepted", "taken"]
    assert sorted(e.status for e in rows(runtime, WaitlistEntry)) == ["active", "booked"]


def test_moving_earlier_records_days_gained(api, texting_clinic, runtime, live):
    clinic = texting_clinic
    patient = api.patient(clinic.org, given_name="Eve")
    later = clinic.coordinator.post(
        "/api/v1/appointments",
        json=clinic.booking(local(date(2026, 6, 25), 9), patient_id=str(patient.id)),
    ).json()
    entry(clinic, patient, current_appointment_id=later["id"])
    free_a_slot(clinic, live)
    (offer,) = rows(runtime, WaitlistOffer)
    accepted = clinic.coordinator.post(f"/api/v1/waitlist-offers/{offer.id}/accept")
    assert accepted.status_code == 200, accepted.text
    (done,) = rows(runtime, WaitlistEntry)
    assert (done.status, done.days_gained) == ("booked", 14)
    (old,) = rows(runtime, Appointment, Appointment.id == uuid.UUID(later["id"]))
    assert old.status == "cancelled"


def test_an_unanswered_round_passes_the_slot_on(api, texting_clinic, runtime, live):
    clinic = texting_clinic
    from liaison.models import Organization

    with runtime.db.session() as s:
        s.get(Organization, clinic.org.id).waitlist_batch_size = 1
    first, second = (
        api.patient(clinic.org, given_name="Fay"),
        api.patient(clinic.org, given_name="Gus"),
    )
    entry(clinic, first, priority="urgent")
    entry(clinic, second)
    free_a_slot(clinic, live)
    assert [o.patient_id for o in rows(runtime, WaitlistOffer)] == [first.id]
    clock.advance(timedelta(minutes=31))
    live.drain()
    offers = {o.patient_id: o.status for o in rows(runtime, WaitlistOffer)}
    assert offers == {first.id: "expired", second.id: "sent"}


def test_no_backfill_too_close_to_the_slot(api, texting_clinic, runtime, live):
    clinic = texting_clinic
    entry(clinic, api.patient(clinic.org))
    soon = clinic.coordinator.post(
        "/api/v1/appointments", json=clinic.booking(local(date(2026, 6, 1), 9, 30))
    ).json()
    clinic.coordinator.post(
        f"/api/v1/appointments/{soon['id']}/cancel", json={"reason": "x", "cancelled_by": "patient"}
    )
    live.drain()
    assert rows(runtime, WaitlistOffer) == []  # 90 minutes away: under the 2-hour rule


def test_the_offer_link_lets_the_patient_take_the_slot(api, texting_clinic, runtime, live):
    clinic = texting_clinic
    entry(clinic, clinic.patient)  # Carla agreed to texts
    other = api.patient(clinic.org, given_name="Hal")
    booked = clinic.coordinator.post(
        "/api/v1/appointments", json=clinic.booking(local(THURSDAY, 9), patient_id=str(other.id))
    ).json()
    clinic.coordinator.post(
        f"/api/v1/appointments/{booked['id']}/cancel",
        json={"reason": "sick", "cancelled_by": "patient"},
    )
    live.drain()
    live.drain()  # sends the offer
    from liaison.models import Communication

    (sms,) = [c for c in rows(runtime, Communication) if c.kind == "waitlist-offer"]
    # Carla reads Spanish; the text names the freed time and place, not the visit type.
    assert "jue 11 jun, 09:00 EDT en Harbor Main" in sms.body and "Follow-up" not in sms.body
    link = sms.body.split()[-1]
    path = link[link.index("/w/") :]
    import httpx2

    page = httpx2.get(live.base + path)
    assert page.status_code == 200 and "Take this time" in page.text
    taken = httpx2.post(live.base + path + "/accept")
    assert taken.status_code == 200 and "booked" in taken.text.lower()
    again = httpx2.post(live.base + path + "/accept")
    assert again.status_code in (404, 409)
