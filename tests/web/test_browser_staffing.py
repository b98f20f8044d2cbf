"""The staffing area in a real browser: accounts with trend charts drawn by Chart.js
under the strict Content-Security-Policy, the coordinator directory, profile and
scorecard, openings with match results, the placement pipeline and the learner's course
page, each checked with axe-core (no serious or critical violations).

Uses test_browser.py's live server and chromium fixtures.
"""

from __future__ import annotations

import pytest

from liaison.kit import clock
from tests.web.test_browser import ARTIFACTS, _serious_violations, chromium, server  # noqa: F401
from tests.web.test_browser_scheduling import _sign_in
from tests.web.test_staffing_pages import NOW, scene  # noqa: F401


@pytest.mark.browser
def test_the_staffing_pages_work_and_pass_axe(server, chromium, scene, make):
    from playwright.sync_api import expect

    ARTIFACTS.mkdir(exist_ok=True)
    manager = make.user(platform_role="staffing_manager")
    with clock.frozen_at(NOW):
        context = chromium.new_context(viewport={"width": 1280, "height": 900}, base_url=server)
        page = context.new_page()
        console: list[str] = []
        page.on(
            "console", lambda m: console.append(m.text) if m.type in ("error", "warning") else None
        )
        page.on("pageerror", lambda e: console.append(str(e)))
        _sign_in(page, manager.email)

        page.get_by_role("link", name="Staffing").click()
        expect(page.get_by_role("heading", name="Client accounts")).to_be_visible()
        assert _serious_violations(page) == []

        page.get_by_role("link", name="Harbor Family Health").click()
        expect(page.get_by_role("heading", name="Harbor Family Health")).to_be_visible()
        # Chart.js drew every trend from its data attribute (no inline script).
        expect(page.locator("canvas[data-chart]").first).to_have_attribute("data-drawn", "1")
        assert (
            page.locator("canvas[data-chart]").count()
            == page.locator("canvas[data-drawn]").count()
            >= 5
        )
        assert _serious_violations(page) == []
        page.screenshot(path=ARTIFACTS / "staffing-account.png", full_page=True)

        page.goto("/staffing/coordinators")
        expect(page.get_by_role("link", name="Keisha Robinson")).to_be_visible()
        assert _serious_violations(page) == []
        page.get_by_role("link", name="Keisha Robinson").click()
        expect(page.get_by_role("heading", name="Keisha Robinson")).to_be_visible()
        assert _serious_violations(page) == []
        page.get_by_role("button", name="Scorecard").click()  # a link styled as a button
        expect(page.get_by_role("heading", name="Scorecard: Keisha Robinson")).to_be_visible()
        expect(page.locator("canvas[data-chart]").first).to_have_attribute("data-drawn", "1")
        assert _serious_violations(page) == []

        page.goto("/staffing/openings")
        assert _serious_violations(page) == []
        page.get_by_role("link", name="Front desk").click()
        expect(page.get_by_role("heading", name="Best candidates")).to_be_visible()
        page.get_by_text("Score breakdown").first.click()
        expect(page.get_by_role("rowheader", name="Language coverage").first).to_be_visible()
        assert _serious_violations(page) == []
        page.screenshot(path=ARTIFACTS / "staffing-matches.png", full_page=True)

        page.goto("/staffing/placements")
        expect(page.get_by_role("heading", name="Placement pipeline")).to_be_visible()
        assert _serious_violations(page) == []
        page.goto("/staffing/training")
        assert _serious_violations(page) == []
        context.close()

        learner = chromium.new_context(
            viewport={"width": 1280, "height": 900}, base_url=server
        ).new_page()
        _sign_in(learner, "keisha@harbor.example")
        learner.get_by_role("link", name="My training").click()
        learner.get_by_role("link", name="Harbor playbook").click()
        learner.get_by_role("button", name="Mark “How we work” as read").click()
        expect(learner.get_by_role("status")).to_have_text("Marked as read.")
        learner.locator("input[name='q-0'][value='0']").check()
        learner.locator("input[name='q-1'][value='1']").check()
        learner.locator("input[name='q-1'][value='2']").check()
        learner.get_by_role("button", name="Submit answers").click()
        expect(learner.get_by_text("Attempt 1: 100%")).to_be_visible()
        assert _serious_violations(learner) == []
        learner.screenshot(path=ARTIFACTS / "staffing-course.png", full_page=True)
    assert [m for m in console if "Content Security Policy" in m or "Error" in m] == []
