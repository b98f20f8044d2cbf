"""The work queue in a real browser: a coordinator works the queue from the keyboard
(j/k, a, c, s, x, /, ?), filters it and saves a view; opens a task beside the patient's
conversation and notes, ticks, replies from a snippet and confirms the triage; reads the
inbox and answers a thread; an administrator reads supervision and publishes the
playbook. axe-core checks each page; screenshots of the queue and the task page (desktop)
go to docs/screenshots/, phone-width ones and the rest to test-artifacts/.

Uses test_browser.py's live server and chromium fixtures (skipped without chromium,
unless LIAISON_REQUIRE_BROWSER=1). The scene is test_workqueue_pages.build: the clock
stands at Tuesday 11:30 in New York.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from liaison.models import OutboxMessage, Playbook, TaskEvent, TriageCorrection
from tests.web.test_browser import ARTIFACTS, ROOT, _serious_violations, chromium, server  # noqa: F401
from tests.web.test_browser_scheduling import DESKTOP, PHONE, _fits_the_phone, _sign_in
from tests.web.test_workqueue_pages import NOW, rows, scene, task_row  # noqa: F401

SCREENSHOTS = ROOT / "docs" / "screenshots"


def _console_csp(page) -> list[str]:  # type: ignore[no-untyped-def]
    """What the page refused (the Content-Security-Policy) or threw (our JavaScript)."""
    errors: list[str] = []
    page.on(
        "console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None
    )
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


def _blur(page) -> None:  # type: ignore[no-untyped-def]
    page.evaluate("document.activeElement && document.activeElement.blur()")


@pytest.mark.browser
def test_a_coordinator_works_the_queue_from_the_keyboard(server, chromium, scene, runtime):
    from playwright.sync_api import expect

    ARTIFACTS.mkdir(exist_ok=True)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    desktop = chromium.new_context(viewport=DESKTOP, base_url=server)
    page = desktop.new_page()
    console = _console_csp(page)
    _sign_in(page, scene.coordinator.email)

    main_nav = page.get_by_role("navigation", name="Main")
    # Two conversations nobody has answered yet.
    expect(main_nav.locator("#inbox-count")).to_contain_text("2")
    main_nav.get_by_role("link", name="Queue").click()
    expect(page.get_by_role("heading", name="Work queue")).to_be_visible()
    tasks = page.locator("[data-task-row]")
    expect(tasks).to_have_count(1)  # "Mine": Maria's conversation
    expect(tasks.first).to_contain_text("Scheduling message")
    expect(page.locator("#shortcut-legend")).to_contain_text("assign to me")

    page.get_by_role("navigation", name="Queue views").get_by_role(
        "link", name="Unassigned"
    ).click()
    expect(page).to_have_url(f"{server}/queue?view=unassigned")
    expect(tasks).to_have_count(4)
    # Most pressing first: STAT, then the routine work whose deadline is nearest.
    expect(tasks.nth(0)).to_contain_text("Arrange an interpreter for Thursday")
    expect(tasks.nth(0)).to_contain_text("STAT")
    expect(tasks.nth(1)).to_contain_text("Call back about the referral")
    expect(tasks.nth(1).locator("[data-sla-label]")).to_have_text("Breached")
    expect(tasks.nth(1).locator("[data-sla-left]")).to_have_text("overdue by 22 h 30 min")
    expect(tasks.nth(3).locator("[data-sla-label]")).to_have_text("At risk")
    expect(tasks.nth(3).locator("[data-sla-left]")).to_have_text("due in 30 min")
    assert _serious_violations(page) == []
    page.screenshot(path=SCREENSHOTS / "work-queue.png", full_page=True)

    # j/k move the selection; a assigns the selected task to me, c completes it.
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")
    expect(tasks.nth(0)).to_have_class(re.compile("is-selected"))
    expect(tasks.nth(0).locator("[data-open]")).to_be_focused()
    page.keyboard.press("a")
    status = page.locator("#queue-status")
    expect(status).to_contain_text("Assigned to you: Arrange an interpreter for Thursday")
    expect(tasks.nth(0)).to_contain_text("You")
    expect(tasks.nth(0).locator("[data-open]")).to_be_focused()  # the row stays selected
    assert task_row(runtime, scene.interpreter).owner_user_id == scene.coordinator.id
    page.keyboard.press("c")
    expect(status).to_contain_text("Completed: Arrange an interpreter for Thursday")
    assert task_row(runtime, scene.interpreter).status == "completed"

    # s opens the snooze menu; 1 snoozes for an hour.
    page.keyboard.press("j")
    expect(tasks.nth(1)).to_have_class(re.compile("is-selected"))
    page.keyboard.press("s")
    menu = page.get_by_role("dialog", name="Snooze the task")
    expect(menu).to_be_visible()
    expect(menu).to_contain_text("Call back about the referral")
    assert _serious_violations(page) == []
    page.keyboard.press("1")
    expect(menu).to_be_hidden()
    expect(status).to_contain_text("Snoozed: Call back about the referral")
    assert task_row(runtime, scene.referral).snoozed_until == NOW + timedelta(hours=1)

    # x ticks the selected task for the bulk bar.
    page.keyboard.press("j")
    page.keyboard.press("x")
    expect(page.locator("[data-bulk-count]")).to_have_text("1")
    expect(tasks.nth(2).locator("[data-pick]")).to_be_checked()

    # Shortcuts never fire while typing.
    name = page.get_by_label("Save these filters as")
    name.click()
    page.keyboard.type("jacks")
    expect(name).to_have_value("jacks")
    assert task_row(runtime, scene.unknown).owner_user_id is None
    name.fill("")
    _blur(page)
    # "/" goes to the filters, "?" shows every shortcut, Esc closes the list.
    page.keyboard.press("/")
    expect(page.locator("#f-organization_id")).to_be_focused()
    _blur(page)
    page.keyboard.press("?")
    help_dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(help_dialog).to_be_visible()
    expect(help_dialog).to_contain_text("assign to me")
    page.keyboard.press("Escape")
    expect(help_dialog).to_be_hidden()

    # The bulk bar: assign the ticked task to me.
    page.locator("#bulk-form").get_by_role("button", name="Assign to me").click()
    expect(
        page.get_by_role("status").filter(has_text="Done for every selected task")
    ).to_be_visible()
    assert task_row(runtime, scene.unknown).owner_user_id == scene.coordinator.id

    # Filters are query parameters; save them as a view and reopen it.
    page.get_by_role("navigation", name="Queue views").get_by_role("link", name="All").click()
    page.get_by_label("Deadline").select_option("breached")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"view=all.*sla=breached"))
    expect(tasks).to_have_count(1)  # the referral is snoozed; the unknown sender's is left
    expect(tasks.first).to_contain_text("Prescription refill request (unknown sender)")
    page.get_by_label("Save these filters as").fill("Breached")
    page.get_by_role("button", name="Save view").click()
    expect(page.get_by_text("The view was saved.")).to_be_visible()
    saved = page.get_by_role("region", name="Saved views")
    expect(saved.get_by_role("link", name="Breached")).to_have_attribute("aria-current", "page")
    # A view tab keeps the other filters; the area's "Queue" link starts afresh.
    page.get_by_role("navigation", name="Queue views").get_by_role("link", name="Mine").click()
    expect(page).to_have_url(f"{server}/queue?view=mine&sla=breached")
    page.get_by_role("navigation", name="Work queue pages").get_by_role(
        "link", name="Queue"
    ).click()
    expect(page).to_have_url(f"{server}/queue")
    expect(saved.get_by_role("link", name="Breached")).not_to_have_attribute("aria-current", "page")
    saved.get_by_role("link", name="Breached").click()
    expect(page).to_have_url(re.compile(r"sla=breached"))
    expect(page.get_by_label("Deadline")).to_have_value("breached")
    assert _serious_violations(page) == []
    assert console == []

    phone = chromium.new_context(
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        base_url=server,
        storage_state=desktop.storage_state(),
    )
    small = phone.new_page()
    small.goto("/queue?view=all")
    expect(small.locator("[data-task-row]").first).to_be_visible()
    expect(small.locator("table.queue-table thead")).to_be_hidden()
    assert _fits_the_phone(small), "the queue scrolls sideways at phone width"
    assert _serious_violations(small) == []
    small.screenshot(path=ARTIFACTS / "work-queue-phone.png", full_page=True)
    phone.close()
    desktop.close()


@pytest.mark.browser
def test_a_coordinator_answers_beside_the_task(server, chromium, scene, make, runtime):
    from playwright.sync_api import expect

    ARTIFACTS.mkdir(exist_ok=True)
    make._save(
        Playbook(
            organization_id=scene.org.id,
            version=1,
            scripts="Greet the patient in their language. Confirm the date of birth.",
            escalation_contacts="Practice manager: Dana Cho, ext. 201",
            do_not_handle="Medication dosing and test results: pass them to the nurse line.",
            created_at=NOW - timedelta(days=3),
        )
    )
    desktop = chromium.new_context(viewport=DESKTOP, base_url=server)
    page = desktop.new_page()
    console = _console_csp(page)
    _sign_in(page, scene.coordinator.email)
    page.goto("/queue")
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{server}/queue/tasks/{scene.conversation}")
    expect(page.get_by_role("heading", name="Scheduling message", level=1)).to_be_visible()

    side = page.get_by_role("complementary", name="Patient, conversation and playbook")
    expect(side.get_by_role("region", name="Conversation")).to_contain_text(
        "Hola, necesito cambiar mi cita del martes"
    )
    expect(side.get_by_role("region", name="Triage")).to_contain_text("Scheduling")
    expect(side.get_by_role("region", name="Triage")).to_contain_text("classifier 0.98")
    expect(side.locator("#upcoming")).to_contain_text("None in the next two months")
    expect(side.get_by_role("region", name="Playbook of Harbor Family Health")).to_contain_text(
        "Medication dosing"
    )

    # n starts a note.
    page.keyboard.press("n")
    note = page.get_by_label("Add a note for whoever works on this next")
    expect(note).to_be_focused()
    page.keyboard.type("Prefers afternoons; speaks Spanish")
    page.get_by_role("button", name="Add note").click()
    expect(page.get_by_text("The note was added to the history.")).to_be_visible()
    expect(page.get_by_role("region", name="Notes")).to_contain_text(
        "Prefers afternoons; speaks Spanish"
    )

    page.get_by_role("button", name="Call the patient").click()
    expect(page.get_by_text("The checklist was updated.")).to_be_visible()
    expect(page.get_by_role("button", name="Call the patient")).to_have_attribute(
        "aria-pressed", "true"
    )
    assert task_row(runtime, scene.conversation).checklist[0]["done"] is True

    # A reply from a snippet (in Spanish first: the patient's language).
    page.get_by_label("Start from a snippet").select_option(label="Recibimos su mensaje")
    page.get_by_role("button", name="Use snippet").click()
    body = page.get_by_label("Message to Maria")
    expect(body).to_have_value(re.compile(r"^Hola Maria, gracias por su mensaje"))
    expect(body).to_be_focused()
    page.get_by_label("Send by").select_option("sms")
    page.get_by_role("button", name="Send reply").click()
    expect(page.get_by_text("The reply is queued")).to_be_visible()
    queued = rows(runtime, OutboxMessage, OutboxMessage.topic == "message.send")
    assert len(queued) == 1 and queued[0].payload["note"].startswith("Hola Maria, gracias")
    assert queued[0].payload["channels"] == ["sms"]
    expect(page.locator(".task-badges")).to_contain_text("In progress")

    page.get_by_role("button", name="Confirm", exact=True).click()
    expect(page.get_by_text("The triage was recorded.")).to_be_visible()
    expect(side.get_by_role("region", name="Triage")).to_contain_text("confirmed")
    assert [c.category for c in rows(runtime, TriageCorrection)] == ["scheduling"]
    history = page.get_by_role("region", name="History (newest first)")
    expect(history).to_contain_text("Triage confirmed: scheduling/routine")
    expect(history).to_contain_text("Reply sent (Text message)")
    assert _serious_violations(page) == []
    page.screenshot(path=SCREENSHOTS / "work-queue-task.png", full_page=True)

    # The shortcut legend is on the page; "?" lists the task's shortcuts.
    expect(page.locator("#shortcut-legend")).to_contain_text("write a reply")
    _blur(page)
    page.keyboard.press("?")
    expect(page.get_by_role("dialog", name="Keyboard shortcuts on a task")).to_be_visible()
    page.keyboard.press("Escape")

    # s goes to the snooze choices (nothing is snoozed until one is chosen).
    page.keyboard.press("s")
    expect(page.get_by_role("button", name="For 1 hour")).to_be_focused()
    assert task_row(runtime, scene.conversation).snoozed_until is None
    _blur(page)
    # c completes the task from the keyboard.
    page.keyboard.press("c")
    expect(page.get_by_text("The task is completed.")).to_be_visible()
    assert task_row(runtime, scene.conversation).status == "completed"
    actions = [e.action for e in rows(runtime, TaskEvent, TaskEvent.task_id == scene.conversation)]
    assert {"note", "checklist", "message-out", "triage", "status"} <= set(actions)
    assert console == []

    phone = chromium.new_context(
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        base_url=server,
        storage_state=desktop.storage_state(),
    )
    small = phone.new_page()
    small.goto(f"/queue/tasks/{scene.test_prep}")
    expect(small.get_by_role("heading", name="Explain the test preparation")).to_be_visible()
    assert _fits_the_phone(small), "the task page scrolls sideways at phone width"
    assert _serious_violations(small) == []
    small.screenshot(path=ARTIFACTS / "work-queue-task-phone.png", full_page=True)
    phone.close()
    desktop.close()


@pytest.mark.browser
def test_the_inbox_opens_a_thread_and_answers_it(server, chromium, scene, runtime):
    from playwright.sync_api import expect

    desktop = chromium.new_context(viewport=DESKTOP, base_url=server)
    page = desktop.new_page()
    console = _console_csp(page)
    _sign_in(page, scene.coordinator.email)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Inbox").click()
    expect(page.get_by_role("heading", name="Inbox", level=1)).to_be_visible()
    conversations = page.locator("li.conversation")
    expect(conversations).to_have_count(2)
    unknown = conversations.filter(has_text="(617) 555-0199")
    expect(unknown).to_contain_text("unidentified")
    expect(unknown).to_contain_text("Can I get a refill of my inhaler?")
    assert _serious_violations(page) == []

    page.get_by_role("link", name=re.compile("Garcia, Maria")).click()
    thread = page.locator("#thread")
    expect(thread).to_contain_text("Hola, necesito cambiar mi cita del martes")
    expect(page).to_have_url(re.compile(rf"/inbox/{scene.conversation}"))
    expect(page.get_by_role("heading", name="Garcia, Maria")).to_be_focused()
    thread.get_by_label("Message to Maria").fill("Hola Maria, le llamamos hoy por la tarde.")
    thread.get_by_role("button", name="Send reply").click()
    expect(thread.get_by_role("status")).to_contain_text("The reply is queued")
    expect(page.locator("h1")).to_have_text("Inbox")  # the thread changed, not the page
    listed = conversations.filter(has_text="Garcia, Maria")
    expect(listed).not_to_contain_text("not answered")  # the entry was refreshed
    expect(listed).to_contain_text("due in 1 d 21 h")  # the resolution deadline now
    assert task_row(runtime, scene.conversation).first_response_at == NOW
    assert _serious_violations(page) == []
    page.screenshot(path=ARTIFACTS / "inbox-desktop.png", full_page=True)

    page.reload()
    expect(page.get_by_role("navigation", name="Main").locator("#inbox-count")).to_contain_text("1")
    unknown.get_by_role("link").click()
    expect(thread).to_contain_text("Identify the patient to reply")
    thread.get_by_role("link", name="Open the task").click()
    page.get_by_label("Patient name, birth date, phone or MRN").fill("garcia")
    page.get_by_role("button", name=re.compile(r"This is the patient.*Garcia, Maria")).click()
    expect(page.get_by_text("The patient is identified")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Prescription refill request")
    assert task_row(runtime, scene.unknown).patient_id == scene.maria.id
    assert console == []
    desktop.close()


@pytest.mark.browser
def test_an_admin_supervises_and_publishes_the_playbook(server, chromium, scene, make):
    from playwright.sync_api import expect

    desktop = chromium.new_context(viewport=DESKTOP, base_url=server)
    page = desktop.new_page()
    console = _console_csp(page)
    _sign_in(page, scene.admin.email)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Queue").click()
    page.get_by_role("navigation", name="Work queue pages").get_by_role(
        "link", name="Supervision"
    ).click()
    expect(page.get_by_role("heading", name="Queue supervision")).to_be_visible()
    harbor = page.locator("#by-organization").get_by_role("row", name=re.compile("Harbor"))
    expect(harbor.locator('[data-count="open"]')).to_have_text("5")
    expect(harbor.locator('[data-count="at-risk"]')).to_have_text("1")
    expect(harbor.locator('[data-count="breached"]')).to_have_text("2")
    expect(harbor).to_contain_text("1 d 2 h")
    people = page.locator("#by-coordinator")
    expect(people.get_by_role("row", name=re.compile("Jordan Lee"))).to_contain_text("1")
    expect(people.get_by_role("row", name=re.compile("Unassigned"))).to_contain_text("4")
    assert _serious_violations(page) == []
    page.screenshot(path=ARTIFACTS / "supervision-desktop.png", full_page=True)

    harbor.get_by_role("link", name=re.compile("Playbook")).click()
    expect(page.get_by_role("heading", name="No playbook yet")).to_be_visible()
    page.get_by_label("Scripts").fill("Greet the patient in their language.")
    page.get_by_label("What coordinators must not handle").fill("Medication dosing questions.")
    page.get_by_role("button", name="Publish version 1").click()
    expect(page.get_by_text("The playbook was published as a new version.")).to_be_visible()
    expect(page.get_by_role("heading", name="Version 1 current")).to_be_visible()
    assert _serious_violations(page) == []

    # Another organization's coordinator finds nothing at this task's address.
    outsider = make.user(scene.other, "coordinator")
    other = chromium.new_context(viewport=DESKTOP, base_url=server)
    theirs = other.new_page()
    _sign_in(theirs, outsider.email)
    response = theirs.goto(f"/queue/tasks/{scene.conversation}")
    assert response is not None and response.status == 404
    expect(theirs.get_by_role("heading", name="Not found")).to_be_visible()
    other.close()
    assert console == []
    desktop.close()
