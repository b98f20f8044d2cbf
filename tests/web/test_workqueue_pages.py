"""The work queue's pages through the TestClient: the queue and its filters, paging and
saved views, row and bulk actions, the task page's actions (stale versions refused),
the inbox, identifying an unknown sender, supervision and playbooks. Another
organization's task is 404, a practitioner 403, a post without the CSRF token 403.

``build`` sets the scene the browser tests (test_workqueue.py) use too.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from liaison.authz.principal import system_principal
from liaison.authz.scope import unscoped_system
from liaison.context import unit_of_work
from liaison.kit import clock
from liaison.models import (
    AuditEvent,
    Communication,
    OutboxMessage,
    Playbook,
    SavedView,
    Task,
    TaskEvent,
    TriageCorrection,
    User,
    WorkTeam,
    WorkTeamMember,
)
from liaison.workqueue import service
from liaison.workqueue.service import NewTask
from tests.web.conftest import Browser

# Tuesday 2 June 2026, 11:30 in New York: Harbor's office has been open since 08:00.
NOW = datetime(2026, 6, 2, 15, 30, tzinfo=UTC)
MONDAY_9 = datetime(2026, 6, 1, 13, 0, tzinfo=UTC)
TUESDAY_8 = datetime(2026, 6, 2, 12, 0, tzinfo=UTC)
TUESDAY_9 = datetime(2026, 6, 2, 13, 0, tzinfo=UTC)
TUESDAY_11 = datetime(2026, 6, 2, 15, 0, tzinfo=UTC)
UNKNOWN_NUMBER = "+16175550199"
HX = {"HX-Request": "true"}


@dataclass
class Scene:
    org: Any
    other: Any
    coordinator: Any
    colleague: Any
    admin: Any
    maria: Any
    tom: Any
    interpreter: uuid.UUID  # stat, unowned, on track
    referral: uuid.UUID  # routine call-back, unowned, breached
    test_prep: uuid.UUID  # routine call-back, unowned, at risk
    conversation: uuid.UUID  # Maria's inquiry, the coordinator's, on track
    unknown: uuid.UUID  # an inquiry from a number nobody knows, unowned, breached
    elsewhere: uuid.UUID  # a task of another organization


def _named(make, user, name: str) -> Any:  # type: ignore[no-untyped-def]
    with make.runtime.db.session() as session:
        stored = session.get(User, user.id)
        stored.display_name = name
    user.display_name = name
    return user


def _open(runtime, at: datetime, new: NewTask) -> uuid.UUID:  # type: ignore[no-untyped-def]
    with (
        clock.frozen_at(at),
        unit_of_work(
            runtime.db, principal=system_principal(), audit_key=runtime.audit_key, runtime=runtime
        ) as ctx,
    ):
        return service.create(ctx, new).id


def _inbound(make, org, at: datetime, body: str, patient=None, sender=None) -> Communication:  # type: ignore[no-untyped-def]
    return make._save(
        Communication(
            organization_id=org.id,
            patient_id=patient.id if patient else None,
            channel="sms",
            direction="inbound",
            kind="message",
            status="received",
            from_address=sender or "+16175550143",
            to_address="+16175550100",
            body=body,
            created_at=at,
            sent_at=at,
        )
    )


def build(make: Any) -> Scene:
    """Harbor Family Health (New York, 08:00-17:00 weekdays) with five open tasks, the
    clock at Tuesday 11:30 (frozen by the caller)."""
    runtime = make.runtime
    org = make.organization("Harbor Family Health", time_zone="America/New_York")
    other = make.organization("Lakeside Clinic", time_zone="America/Chicago")
    coordinator = _named(make, make.user(org, "coordinator"), "Jordan Lee")
    colleague = _named(make, make.user(org, "coordinator"), "Sam Rivera")
    admin = _named(make, make.user(org, "admin"), "Alex Morgan")
    maria = make.patient(
        org,
        phone="+16175550143",
        given_name="Maria",
        family_name="Garcia",
        preferred_language="es",
    )
    tom = make.patient(org, given_name="Tom", family_name="Baker")
    interpreter = _open(
        runtime,
        TUESDAY_11,
        NewTask(
            organization_id=org.id,
            type="general",
            title="Arrange an interpreter for Thursday",
            priority="stat",
            patient_id=tom.id,
            route=False,
        ),
    )
    referral = _open(
        runtime,
        MONDAY_9,
        NewTask(
            organization_id=org.id,
            type="call-back",
            title="Call back about the referral",
            patient_id=tom.id,
            route=False,
        ),
    )
    test_prep = _open(
        runtime,
        TUESDAY_8,
        NewTask(
            organization_id=org.id,
            type="call-back",
            title="Explain the test preparation",
            patient_id=maria.id,
            route=False,
        ),
    )
    message = _inbound(
        make, org, TUESDAY_11, "Hola, necesito cambiar mi cita del martes", patient=maria
    )
    conversation = _open(
        runtime,
        TUESDAY_11,
        NewTask(
            organization_id=org.id,
            type="inquiry",
            title="Scheduling message",
            patient_id=maria.id,
            focus_type="Communication",
            focus_id=message.id,
            owner_user_id=coordinator.id,
            language="es",
            category="scheduling",
            urgency="routine",
            triage_reason="classifier 0.98: scheduling (cita, cambiar)",
            source="sms",
            checklist=[
                {"text": "Call the patient", "done": False},
                {"text": "Offer a new time", "done": False},
            ],
        ),
    )
    stranger = _inbound(
        make, org, TUESDAY_9, "Can I get a refill of my inhaler?", sender=UNKNOWN_NUMBER
    )
    unknown = _open(
        runtime,
        TUESDAY_9,
        NewTask(
            organization_id=org.id,
            type="inquiry",
            title="Prescription refill request (unknown sender)",
            focus_type="Communication",
            focus_id=stranger.id,
            contact=UNKNOWN_NUMBER,
            category="refill",
            urgency="routine",
            triage_reason="classifier 0.95: refill (refill, inhaler)",
            source="sms",
            route=False,
        ),
    )
    elsewhere = _open(
        runtime,
        TUESDAY_9,
        NewTask(organization_id=other.id, type="general", title="Lakeside work", route=False),
    )
    return Scene(
        org,
        other,
        coordinator,
        colleague,
        admin,
        maria,
        tom,
        interpreter,
        referral,
        test_prep,
        conversation,
        unknown,
        elsewhere,
    )


@pytest.fixture
def scene(make):  # type: ignore[no-untyped-def]
    with clock.frozen_at(NOW):
        yield build(make)


def task_row(runtime, task_id: uuid.UUID) -> Task:  # type: ignore[no-untyped-def]
    with runtime.db.session() as session:
        found = session.scalar(unscoped_system(select(Task).where(Task.id == task_id), "test"))
        assert found is not None
        session.expunge(found)
        return found


def give(runtime, task_id: uuid.UUID, user: Any) -> None:  # type: ignore[no-untyped-def]
    """Someone else took the task meanwhile (behind the page's back)."""
    with runtime.db.session() as session:
        session.execute(
            unscoped_system(
                update(Task)
                .where(Task.id == task_id)
                .values(owner_user_id=user.id, version=Task.version + 1),
                "test",
            )
        )


def rows(runtime, model, *where) -> list[Any]:  # type: ignore[no-untyped-def]
    with runtime.db.session() as session:
        stmt = select(model).where(*where)
        if hasattr(model, "seq"):  # audit rows in the order they were written
            stmt = stmt.order_by(model.seq)
        return list(session.scalars(unscoped_system(stmt, "test")))


def titles(page: str) -> list[str]:
    return re.findall(r'<a href="/queue/tasks/[0-9a-f-]{36}" data-open>([^<]+)</a>', page)


def login(browser, user) -> Any:  # type: ignore[no-untyped-def]
    response = browser.login(user.email)
    assert response.status_code == 303, response.text
    return browser


def version_of(runtime, task_id: uuid.UUID) -> str:  # type: ignore[no-untyped-def]
    return str(task_row(runtime, task_id).version)


# --- The queue ------------------------------------------------------------------------


def test_the_queue_puts_the_most_pressing_first_and_filters(browser, scene, runtime):
    login(browser, scene.coordinator)
    page = browser.get("/queue?view=all")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    # STAT before routine; among routine work the nearest deadline first.
    assert titles(page.text) == [
        "Arrange an interpreter for Thursday",
        "Call back about the referral",
        "Prescription refill request (unknown sender)",
        "Explain the test preparation",
        "Scheduling message",
    ]
    assert "Lakeside work" not in page.text
    assert 'aria-current="page">All</a>' in page.text
    assert "Garcia, Maria" in page.text and "unknown sender" in page.text
    # The badges say where each deadline stands, in words.
    assert re.search(
        r"data-sla-label>Breached</span> <small [^>]*data-sla-left>overdue by", page.text
    )
    assert "data-sla-label>At risk" in page.text

    mine = browser.get("/queue")
    assert titles(mine.text) == ["Scheduling message"]
    assert browser.get("/queue?view=unassigned").text.count("data-task-row") == 4
    breached = browser.get("/queue?view=all&sla=breached")
    assert titles(breached.text) == [
        "Call back about the referral",
        "Prescription refill request (unknown sender)",
    ]
    assert titles(browser.get("/queue?view=all&sla=at-risk").text) == [
        "Explain the test preparation"
    ]
    assert titles(browser.get("/queue?view=all&type=inquiry&priority=routine").text) == [
        "Prescription refill request (unknown sender)",
        "Scheduling message",
    ]
    assert titles(browser.get(f"/queue?view=all&organization_id={scene.other.id}").text) == []
    # Unknown values are ignored, not refused: an old bookmark still opens.
    assert browser.get("/queue?view=everything&sla=soon&organization_id=x").status_code == 200


def test_more_pages_come_as_rows_for_htmx(browser, scene, monkeypatch):
    from liaison.web.workqueue import queue

    monkeypatch.setattr(queue, "PAGE_SIZE", 2)
    login(browser, scene.coordinator)
    first = browser.get("/queue?view=all")
    assert titles(first.text) == titles(first.text)[:2]
    more = re.search(r'<a href="(/queue\?[^"]+cursor=[^"]+)" role="button"', first.text)
    assert more, "no 'Show more tasks' link"
    url = more.group(1).replace("&amp;", "&")
    rows_only = browser.get(url, headers={**HX, "HX-Target": "queue-rows"})
    assert "<html" not in rows_only.text
    assert titles(rows_only.text) == [
        "Prescription refill request (unknown sender)",
        "Explain the test preparation",
    ]
    assert 'id="queue-more" hx-swap-oob="true"' in rows_only.text
    # Without JavaScript the link opens the next page as a page.
    page = browser.get(url)
    assert "<html" in page.text and "Back to the first tasks" in page.text


def test_my_team_shows_the_work_of_the_teams_i_am_on(browser, scene, make, runtime):
    team = make._save(WorkTeam(organization_id=scene.org.id, name="Front desk"))
    make._save(
        WorkTeamMember(organization_id=scene.org.id, team_id=team.id, user_id=scene.coordinator.id)
    )
    with runtime.db.session() as session:
        session.execute(
            unscoped_system(
                update(Task).where(Task.id == scene.test_prep).values(team_id=team.id), "test"
            )
        )
    login(browser, scene.coordinator)
    assert titles(browser.get("/queue?view=team").text) == ["Explain the test preparation"]
    outsider = make.user(scene.org, "coordinator")
    other = Browser(browser.client)
    browser.client.cookies.clear()
    login(other, outsider)
    empty = other.get("/queue?view=team")
    assert titles(empty.text) == [] and "No open task matches these filters." in empty.text


def test_a_cursor_that_does_not_parse_starts_again(browser, scene, monkeypatch):
    from liaison.web.workqueue import queue

    monkeypatch.setattr(queue, "PAGE_SIZE", 2)
    login(browser, scene.coordinator)
    first = browser.get("/queue?view=all")
    assert len(titles(first.text)) == 2
    assert re.search(r'<a href="/queue\?view=all&amp;cursor=[^"]+" role="button"', first.text)
    # Without JavaScript: back to the first page. With htmx: a message where the
    # "more" button was, never a whole page appended to the table.
    assert browser.get("/queue?view=all&cursor=nonsense", follow_redirects=False).status_code == 303
    rows_only = browser.get(
        "/queue?view=all&cursor=nonsense", headers={**HX, "HX-Target": "queue-rows"}
    )
    assert rows_only.status_code == 200 and "<html" not in rows_only.text
    assert "The next tasks could not be loaded" in rows_only.text


def test_saved_views_are_the_users_own(browser, scene, runtime):
    login(browser, scene.coordinator)
    saved = browser.post(
        "/queue/views",
        {
            "name": "Breached at Harbor",
            "view": "all",
            "sla": "breached",
            "organization_id": str(scene.org.id),
        },
    )
    assert saved.status_code == 303
    target = saved.headers["location"]
    assert "sla=breached" in target and "done=view-saved" in target
    page = browser.get(target)
    assert "The view was saved." in page.text
    assert re.search(r'<a href="[^"]+" aria-current="page">Breached at Harbor</a>', page.text)
    views = rows(runtime, SavedView)
    assert [(v.name, v.filters["sla"]) for v in views] == [("Breached at Harbor", "breached")]

    # Saving again under the same name replaces the filters.
    browser.post("/queue/views", {"name": "Breached at Harbor", "view": "mine", "sla": "at-risk"})
    assert rows(runtime, SavedView)[0].filters == {"view": "mine", "sla": "at-risk"}
    empty = browser.post("/queue/views", {"name": "", "view": "all"})
    assert empty.status_code == 422
    assert "The view&#39;s name is required" in empty.text or "name" in empty.text

    deleted = browser.post(f"/queue/views/{views[0].id}/delete", {"next": "/queue?view=all"})
    assert deleted.status_code == 303
    assert deleted.headers["location"] == "/queue?view=all&done=view-deleted"
    assert rows(runtime, SavedView) == []
    # Someone else's view (or none) is 404.
    assert browser.post(f"/queue/views/{uuid.uuid4()}/delete").status_code == 404


def test_row_buttons_answer_htmx_with_the_row(browser, scene, runtime):
    login(browser, scene.coordinator)
    back = "/queue?view=unassigned"
    claimed = browser.post(
        f"/queue/tasks/{scene.referral}/claim",
        {"row": "1", "next": back},
        headers=HX,
    )
    assert claimed.status_code == 200
    assert claimed.text.lstrip().startswith("<tr")
    assert "Assigned to you: Call back about the referral" in claimed.text
    assert 'hx-swap-oob="innerHTML"' in claimed.text
    assert task_row(runtime, scene.referral).owner_user_id == scene.coordinator.id

    # Someone else was faster: the row says so, nothing changes.
    give(runtime, scene.test_prep, scene.colleague)
    raced = browser.post(
        f"/queue/tasks/{scene.test_prep}/claim", {"row": "1", "next": back}, headers=HX
    )
    assert raced.status_code == 409
    assert "Someone else has this task already" in raced.text
    assert task_row(runtime, scene.test_prep).owner_user_id == scene.colleague.id

    version = version_of(runtime, scene.referral)
    done = browser.post(
        f"/queue/tasks/{scene.referral}/status",
        {"row": "1", "next": back, "status": "completed", "version": version},
        headers=HX,
    )
    assert done.status_code == 200 and "Completed: Call back about the referral" in done.text
    assert task_row(runtime, scene.referral).status == "completed"

    # Without JavaScript the same forms redirect back to the queue.
    snoozed = browser.post(
        f"/queue/tasks/{scene.interpreter}/snooze",
        {
            "row": "1",
            "next": back,
            "preset": "morning",
            "version": version_of(runtime, scene.interpreter),
        },
    )
    assert snoozed.status_code == 303
    assert snoozed.headers["location"] == f"{back}&done=snoozed"
    # The next business morning: Wednesday 08:00 in New York.
    assert task_row(runtime, scene.interpreter).snoozed_until == datetime(
        2026, 6, 3, 12, 0, tzinfo=UTC
    )
    assert "Arrange an interpreter" not in browser.get(back).text


def test_bulk_actions_are_all_or_nothing(browser, scene, runtime):
    login(browser, scene.coordinator)
    ids = [str(scene.referral), str(scene.test_prep)]
    done = browser.post(
        "/queue/bulk",
        {"task_ids": ids, "action": "priority", "priority": "urgent", "next": "/queue?view=all"},
    )
    assert done.status_code == 303 and done.headers["location"] == "/queue?view=all&done=bulk"
    assert {task_row(runtime, uuid.UUID(i)).priority for i in ids} == {"urgent"}

    give(runtime, scene.test_prep, scene.colleague)
    refused = browser.post(
        "/queue/bulk", {"task_ids": ids, "action": "claim", "next": "/queue?view=all"}
    )
    assert refused.status_code == 409
    assert "ticked task 2 of 2 refused: Someone else has this task already" in refused.text
    assert task_row(runtime, scene.referral).owner_user_id is None  # rolled back

    nothing = browser.post("/queue/bulk", {"action": "complete", "next": "/queue?view=all"})
    assert nothing.status_code == 409 and "Tick at least one task first" in nothing.text

    snoozed = browser.post(
        "/queue/bulk",
        {"task_ids": ids[:1], "action": "snooze", "preset": "hour", "next": "/queue?view=all"},
    )
    assert snoozed.status_code == 303
    assert task_row(runtime, scene.referral).snoozed_until == NOW + timedelta(hours=1)


# --- One task -------------------------------------------------------------------------


def test_the_task_page_shows_the_conversation_triage_and_playbook(browser, scene, make):
    make._save(
        Playbook(
            organization_id=scene.org.id,
            version=1,
            scripts="Greet in the patient's language.",
            escalation_contacts="Practice manager: Dana, ext. 201",
            do_not_handle="Medication dosing questions",
            created_at=NOW - timedelta(days=3),
        )
    )
    login(browser, scene.coordinator)
    page = browser.get(f"/queue/tasks/{scene.conversation}")
    assert page.status_code == 200
    text = page.text
    assert "<h1>Scheduling message</h1>" in text
    assert "Hola, necesito cambiar mi cita del martes" in text
    assert "classifier 0.98: scheduling" in text
    assert "Medication dosing questions" in text and "Version 1" in text
    assert f'hx-get="/patients/{scene.maria.id}/appointments"' in text
    # The patient speaks Spanish: Spanish snippets first, with her name.
    assert text.index('label="Español" lang="es"') < text.index('label="English" lang="en"')
    assert "Hola Maria, gracias por su mensaje" in text
    assert 'name="version" value="' in text
    # The transitions the status model allows from "accepted".
    for label in ("Start work", "Complete", "Put on hold", "Return to the queue", "Cancel task"):
        assert f">{label}</button>" in text


def test_task_actions_record_and_refuse_stale_versions(browser, scene, runtime):
    login(browser, scene.coordinator)
    url = f"/queue/tasks/{scene.conversation}"
    note = browser.post(f"{url}/notes", {"text": "Prefers afternoons", "next": url})
    assert note.status_code == 303 and note.headers["location"] == f"{url}?done=note"
    assert "Prefers afternoons" in browser.get(note.headers["location"]).text
    version = version_of(runtime, scene.conversation)
    ticked = browser.post(f"{url}/checklist", {"index": "0", "done": "1", "version": version})
    assert ticked.status_code == 303
    task = task_row(runtime, scene.conversation)
    assert task.checklist[0] == {"text": "Call the patient", "done": True}

    # The page was read at the old version: the next change is refused and says so.
    stale = browser.post(f"{url}/priority", {"priority": "urgent", "version": version})
    assert stale.status_code == 409
    assert "Someone else changed this task while you had it open" in stale.text
    assert f'<a href="{url}">Reload the task</a>' in stale.text
    assert task_row(runtime, scene.conversation).priority == "routine"

    fresh = version_of(runtime, scene.conversation)
    assert (
        browser.post(f"{url}/priority", {"priority": "urgent", "version": fresh}).status_code == 303
    )
    added = browser.post(
        f"{url}/checklist",
        {"item": "Send the new time by text", "version": version_of(runtime, scene.conversation)},
    )
    assert added.status_code == 303
    assert (
        task_row(runtime, scene.conversation).checklist[-1]["text"] == "Send the new time by text"
    )

    empty = browser.post(f"{url}/notes", {"text": "   "})
    assert empty.status_code == 422
    assert 'id="f-text-error"' in empty.text

    replied = browser.post(
        f"{url}/reply", {"body": "Hola Maria, ¿le sirve el jueves?", "channel": "sms"}
    )
    assert replied.status_code == 303 and replied.headers["location"] == f"{url}?done=reply"
    queued = rows(runtime, OutboxMessage, OutboxMessage.topic == "message.send")
    assert [m.payload["note"] for m in queued] == ["Hola Maria, ¿le sirve el jueves?"]
    task = task_row(runtime, scene.conversation)
    assert task.status == "in-progress" and task.first_response_at == NOW

    confirmed = browser.post(
        f"{url}/triage",
        {"category": "scheduling", "urgency": "routine", "version": str(task.version)},
    )
    assert confirmed.status_code == 303
    corrections = rows(runtime, TriageCorrection)
    assert [(c.category, c.urgency) for c in corrections] == [("scheduling", "routine")]

    moved = browser.post(
        f"{url}/status", {"status": "completed", "version": version_of(runtime, scene.conversation)}
    )
    assert moved.status_code == 303
    again = browser.post(
        f"{url}/status",
        {"status": "in-progress", "version": version_of(runtime, scene.conversation)},
    )
    assert again.status_code == 409
    assert "cannot change status" in again.text
    actions = [e.action for e in rows(runtime, TaskEvent, TaskEvent.task_id == scene.conversation)]
    for action in ("note", "checklist", "priority", "message-out", "triage", "status"):
        assert action in actions


def test_assign_release_and_snooze_from_the_task_page(browser, scene, runtime):
    login(browser, scene.admin)
    url = f"/queue/tasks/{scene.test_prep}"
    page = browser.get(url)
    assert "Give the task to" in page.text and "Jordan Lee" in page.text
    given = browser.post(
        f"{url}/assign",
        {"user_id": str(scene.colleague.id), "version": version_of(runtime, scene.test_prep)},
    )
    assert given.status_code == 303
    assert task_row(runtime, scene.test_prep).owner_user_id == scene.colleague.id
    # Taking it over needs the version the page showed.
    took = browser.post(
        f"{url}/claim", {"take": "1", "version": version_of(runtime, scene.test_prep)}
    )
    assert took.status_code == 303
    assert task_row(runtime, scene.test_prep).owner_user_id == scene.admin.id
    released = browser.post(
        f"{url}/assign", {"user_id": "", "version": version_of(runtime, scene.test_prep)}
    )
    assert released.status_code == 303 and "done=released" in released.headers["location"]
    assert task_row(runtime, scene.test_prep).owner_user_id is None

    custom = browser.post(
        f"{url}/snooze",
        {"until": "2026-06-02T16:00", "version": version_of(runtime, scene.test_prep)},
    )
    assert custom.status_code == 303
    assert task_row(runtime, scene.test_prep).snoozed_until == datetime(
        2026, 6, 2, 20, 0, tzinfo=UTC
    )
    past = browser.post(
        f"{url}/snooze",
        {"until": "2026-06-01T16:00", "version": version_of(runtime, scene.test_prep)},
    )
    assert past.status_code == 422 and 'id="f-until-error"' in past.text
    woken = browser.post(
        f"{url}/snooze", {"wake": "1", "version": version_of(runtime, scene.test_prep)}
    )
    assert woken.status_code == 303
    assert task_row(runtime, scene.test_prep).snoozed_until is None


def test_an_unknown_sender_is_identified_from_a_search(browser, scene, runtime):
    login(browser, scene.coordinator)
    url = f"/queue/tasks/{scene.unknown}"
    page = browser.get(url)
    assert "Who wrote?" in page.text and "(617) 555-0199" in page.text
    assert "Identify the patient to reply" in page.text
    found = browser.get(f"{url}/identify?q=garcia", headers={**HX, "HX-Target": "identify-results"})
    assert "<html" not in found.text and "Garcia, Maria" in found.text
    # Without JavaScript the search answers with the page, results in place.
    assert "This is the patient" in browser.get(f"{url}/identify?q=garcia").text
    picked = browser.post(
        f"{url}/identify",
        {"patient_id": str(scene.maria.id), "version": version_of(runtime, scene.unknown)},
    )
    assert picked.status_code == 303 and "done=identified" in picked.headers["location"]
    task = task_row(runtime, scene.unknown)
    assert task.patient_id == scene.maria.id
    assert task.title == "Prescription refill request"
    message = rows(runtime, Communication, Communication.from_address == UNKNOWN_NUMBER)[0]
    assert message.patient_id == scene.maria.id


# --- The inbox ------------------------------------------------------------------------


def test_the_inbox_lists_conversations_and_opens_a_thread(browser, scene, runtime):
    login(browser, scene.coordinator)
    page = browser.get("/inbox")
    assert page.status_code == 200
    text = page.text
    assert "Garcia, Maria" in text and "(617) 555-0199" in text
    assert "Hola, necesito cambiar mi cita del martes" in text
    assert "unidentified" in text and "not answered" in text
    assert "Explain the test preparation" not in text  # not an inquiry
    assert "Choose a conversation" in text

    thread = browser.get(f"/inbox/{scene.conversation}", headers={**HX, "HX-Target": "thread"})
    assert "<html" not in thread.text
    assert "Hola, necesito cambiar mi cita del martes" in thread.text
    assert 'hx-target="#thread"' in thread.text
    full = browser.get(f"/inbox/{scene.conversation}?view=mine")
    assert "<html" in full.text and 'aria-current="true"' in full.text
    # Without JavaScript the composer comes back to the thread.
    assert f'name="next" value="/inbox/{scene.conversation}?view=mine"' in full.text
    previews = rows(runtime, AuditEvent, AuditEvent.resource_type == "Communication")
    assert previews and str(scene.maria.id) in str(previews[0].details)

    replied = browser.post(
        f"/queue/tasks/{scene.conversation}/reply",
        {"body": "Hola Maria, le llamamos hoy.", "channel": ""},
        headers={**HX, "HX-Target": "thread"},
    )
    assert replied.status_code == 200
    assert "The reply is queued" in replied.text and "<html" not in replied.text
    entry = re.search(
        rf'<li id="conversation-{scene.conversation}"[^>]*hx-swap-oob="true">(.*?)</li>',
        replied.text,
        re.S,
    )
    assert entry and "not answered" not in entry.group(1)
    empty = browser.post(
        f"/queue/tasks/{scene.conversation}/reply",
        {"body": ""},
        headers={**HX, "HX-Target": "thread"},
    )
    assert empty.status_code == 422 and 'id="f-body-error"' in empty.text

    count = browser.get("/inbox/count", headers=HX)
    assert count.status_code == 200
    # Maria's conversation was answered; the unknown sender's is not.
    assert '>1<span class="visually-hidden"> unanswered' in count.text


def test_a_breach_alerts_the_lead_on_the_queue_page_until_dismissed(browser, scene, runtime):
    """The escalation sweep's notification reaches the lead (the admin: no team lead),
    naming the task type, never the patient; dismissing it keeps it out of the list."""
    with unit_of_work(runtime.db, principal=system_principal(), audit_key=runtime.audit_key) as ctx:
        assert service.escalate_breaches(ctx) >= 1
    login(browser, scene.admin)
    page = browser.get("/queue")
    assert "Alerts for you" in page.text and "target breached" in page.text
    assert "Maria" not in page.text.split("Alerts for you")[1].split("</section>")[0]
    alert = re.search(r'action="(/queue/alerts/[^"]+/read)"', page.text)
    assert alert
    assert browser.post(alert.group(1)).status_code == 303
    remaining = browser.get("/queue").text.count('action="/queue/alerts/')
    assert remaining == page.text.count('action="/queue/alerts/') - 1


# --- Supervision and playbooks --------------------------------------------------------


def test_supervision_counts_per_organization_and_coordinator(browser, scene):
    login(browser, scene.admin)
    page = browser.get("/queue/supervision")
    assert page.status_code == 200
    harbor = re.search(
        r'<tr data-organization="' + str(scene.org.id) + r'">(.*?)</tr>', page.text, re.S
    )
    assert harbor, page.text
    row = harbor.group(1)
    assert 'data-count="open">5<' in row
    assert re.search(r'data-count="at-risk">.*?>1</span>', row, re.S)
    assert re.search(r'data-count="breached">.*?>2</span>', row, re.S)
    assert "1 d 2 h" in row  # the referral waits since Monday 09:00
    assert "Lakeside" not in page.text
    people = re.search(
        r'<tr data-owner="' + str(scene.coordinator.id) + r'">(.*?)</tr>', page.text, re.S
    )
    assert people and "Jordan Lee" in people.group(1)


def test_playbooks_are_versioned_and_only_admins_publish(browser, scene, client, make, runtime):
    login(browser, scene.admin)
    url = f"/queue/playbooks/{scene.org.id}"
    assert "No playbook yet" in browser.get(url).text
    for text in ("Greet in English or Spanish.", "Greet in the patient's language."):
        published = browser.post(url, {"scripts": text, "do_not_handle": "Dosing questions"})
        assert published.status_code == 303
    assert [p.version for p in rows(runtime, Playbook)] == [1, 2] or sorted(
        p.version for p in rows(runtime, Playbook)
    ) == [1, 2]
    page = browser.get(url)
    assert "Version 2" in page.text and "Greet in the patient&#39;s language." in page.text
    assert "Publish version 3" in page.text
    first = browser.get(f"{url}?version=1")
    assert "Greet in English or Spanish." in first.text and "an earlier version" in first.text
    assert browser.post(url, {}).status_code == 422

    coordinator = Browser(client)
    login(coordinator, scene.coordinator)
    read = coordinator.get(url)
    assert read.status_code == 200 and "Publish version" not in read.text
    assert coordinator.post(url, {"scripts": "Mine now"}).status_code == 403
    assert coordinator.get("/queue/supervision").status_code == 403
    assert coordinator.get(f"/queue/playbooks/{scene.other.id}").status_code == 404
    assert coordinator.get("/queue/playbooks", follow_redirects=False).headers["location"] == url


# --- Access ---------------------------------------------------------------------------


def test_another_organizations_task_is_404(browser, scene, make):
    outsider = make.user(scene.other, "coordinator")
    login(browser, outsider)
    assert browser.get(f"/queue/tasks/{scene.conversation}").status_code == 404
    assert browser.post(f"/queue/tasks/{scene.referral}/claim").status_code == 404
    assert browser.get(f"/inbox/{scene.conversation}").status_code == 404
    page = browser.get("/queue?view=all")
    assert titles(page.text) == ["Lakeside work"]
    assert task_row(make.runtime, scene.referral).owner_user_id is None


def test_a_practitioner_has_no_queue(browser, scene, make):
    practitioner = make.user(scene.org, "practitioner")
    login(browser, practitioner)
    home = browser.get("/")
    assert 'href="/queue"' not in home.text and 'href="/inbox"' not in home.text
    assert browser.get("/queue").status_code == 403
    assert browser.get("/inbox").status_code == 403
    # A task is loaded among the organizations where the caller may read tasks: 404.
    assert browser.get(f"/queue/tasks/{scene.conversation}").status_code == 404
    assert browser.post(f"/queue/tasks/{scene.referral}/claim").status_code in (403, 404)


def test_posts_need_the_csrf_token(browser, scene, runtime):
    login(browser, scene.coordinator)
    home = browser.get("/")
    assert 'href="/queue"' in home.text and 'hx-get="/inbox/count"' in home.text
    refused = browser.post(f"/queue/tasks/{scene.referral}/claim", csrf=False)
    assert refused.status_code == 403
    assert browser.post("/queue/views", {"name": "x"}, csrf=False).status_code == 403
    assert (
        browser.post(
            "/queue/bulk", {"task_ids": [str(scene.referral)], "action": "claim"}, csrf=False
        ).status_code
        == 403
    )
    assert task_row(runtime, scene.referral).owner_user_id is None
