"""The work queue's KPIs on scorecards, account health, coaching and the weekly report:
tasks completed, minutes to the first response (median and 90th percentile), SLA
adherence and breaches, per coordinator, per client account and per week."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

from liaison.kit import clock

NOW = datetime(2026, 6, 3, 15, tzinfo=UTC)  # a Wednesday; the week began Monday 1 June


def at(day: int, hour: int, minute: int = 0, month: int = 6) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def frozen():  # type: ignore[no-untyped-def]
    with clock.frozen_at(NOW):
        yield NOW


@pytest.fixture
def queue(api, staffing, frozen):  # type: ignore[no-untyped-def]
    """Keisha, placed at Harbor and at Lakeshore, and the tasks she and a colleague
    worked on over this week and the last."""
    harbor, lakeshore = api.organization("Harbor"), api.organization("Lakeshore")
    user, colleague = api.user(), api.user(harbor, "coordinator")
    keisha = staffing.coordinator(user)
    since = {"proposed_at": at(1, 9, month=5), "activated_at": at(4, 9, month=5)}
    staffing.placement(staffing.opening(harbor), keisha, **since)
    staffing.placement(staffing.opening(lakeshore), keisha, **since)
    task = staffing.task
    # Harbor, this week.
    task(  # answered in 10 minutes, completed in time
        harbor,
        opened_at=at(1, 9),
        due_at=at(1, 17),
        status="completed",
        owner=user,
        responded=(user, at(1, 9, 10)),
        closed=(user, at(1, 12)),
    )
    task(  # answered in 30 minutes, completed late
        harbor,
        opened_at=at(2, 9),
        due_at=at(2, 12),
        status="completed",
        owner=user,
        responded=(user, at(2, 9, 30)),
        closed=(user, at(2, 14)),
    )
    task(  # answered in 50 minutes, still open past its due time: a breach already
        harbor,
        opened_at=at(2, 10),
        due_at=at(3, 10),
        status="in-progress",
        owner=user,
        responded=(user, at(2, 10, 50)),
    )
    task(harbor, opened_at=at(3, 9), due_at=at(4, 9), owner=user)  # not due yet
    task(  # cancelled: closed, but neither completed nor judged
        harbor,
        opened_at=at(1, 8),
        due_at=at(1, 9),
        status="cancelled",
        owner=user,
        closed=(user, at(2, 8)),
    )
    task(  # she answered first (20 minutes), the colleague completed it
        harbor,
        opened_at=at(2, 11),
        due_at=at(2, 12),
        status="completed",
        owner=colleague,
        responded=(user, at(2, 11, 20)),
        closed=(colleague, at(2, 13)),
    )
    task(harbor, opened_at=at(1, 8), due_at=at(1, 9), owner=colleague)  # the colleague's
    # Harbor, last week: completed on Sunday night (its due time falls this week), and
    # one still open whose due time passed on Friday.
    task(
        harbor,
        opened_at=at(31, 23, month=5),
        due_at=at(1, 9),
        status="completed",
        owner=user,
        responded=(user, at(31, 23, 5, month=5)),
        closed=(user, at(31, 23, 30, month=5)),
    )
    task(harbor, opened_at=at(28, 9, month=5), due_at=at(29, 12, month=5), owner=user)
    # Long before the scorecard's eight weeks.
    task(
        harbor,
        opened_at=at(2, 9, month=3),
        due_at=at(2, 17, month=3),
        status="completed",
        owner=user,
        responded=(user, at(2, 9, 1, month=3)),
        closed=(user, at(2, 10, month=3)),
    )
    # Lakeshore, this week: answered in 40 minutes, completed late.
    task(
        lakeshore,
        opened_at=at(2, 9),
        due_at=at(2, 10),
        status="completed",
        owner=user,
        responded=(user, at(2, 9, 40)),
        closed=(user, at(2, 11)),
    )
    return {"harbor": harbor, "lakeshore": lakeshore, "keisha": keisha, "user": user}


WORK_QUEUE = (
    "tasks_completed",
    "first_response_median",
    "first_response_p90",
    "sla_adherence",
    "sla_breaches",
)


def card(caller, coordinator, **params):  # type: ignore[no-untyped-def]
    response = caller.get(
        f"/api/v1/staffing/coordinators/{coordinator.id}/scorecard", params=params
    )
    assert response.status_code == 200, response.text
    body = response.json()
    kpis = {k["key"]: k for k in body["kpis"]}
    accounts = {a["organization_name"]: {k["key"]: k for k in a["kpis"]} for a in body["accounts"]}
    return kpis, accounts


def values(kpis):  # type: ignore[no-untyped-def]
    return {key: (kpis[key]["value"], kpis[key]["sample"]) for key in WORK_QUEUE}


def test_the_scorecard_measures_the_work_queue(manager, queue):
    kpis, _ = card(manager, queue["keisha"])
    for key in WORK_QUEUE:
        assert kpis[key]["available"] is True and kpis[key]["reason"] is None
    # Completed: two and one late at Harbor this week, one last week, one at Lakeshore
    # (late); open past the due time: one this week, one last week.
    # Responses: 10, 30, 50, 20 at Harbor this week, 5 last week, 40 at Lakeshore.
    found = values(kpis)
    assert found["tasks_completed"] == (4, 4)
    assert found["first_response_median"] == (pytest.approx(25), 6)
    assert found["first_response_p90"] == (pytest.approx(45), 6)
    assert found["sla_adherence"] == (pytest.approx(2 / 6), 6)
    assert found["sla_breaches"] == (4, 6)


def test_each_client_account_is_measured_on_its_own(api, manager, queue):
    _, accounts = card(manager, queue["keisha"])
    assert set(accounts) == {"Harbor", "Lakeshore"}
    assert values(accounts["Harbor"]) == {
        "tasks_completed": (3, 3),
        "first_response_median": (pytest.approx(20), 5),
        "first_response_p90": (pytest.approx(42), 5),
        "sla_adherence": (pytest.approx(2 / 5), 5),
        "sla_breaches": (3, 5),
    }
    assert values(accounts["Lakeshore"]) == {
        "tasks_completed": (1, 1),
        "first_response_median": (40, 1),
        "first_response_p90": (40, 1),
        "sla_adherence": (0, 1),
        "sla_breaches": (1, 1),
    }
    # Filtered to one client, or read by that client's administrator: that client only.
    only_harbor, _ = card(manager, queue["keisha"], organization_id=str(queue["harbor"].id))
    assert values(only_harbor) == values(accounts["Harbor"])
    admin = api.login(queue["harbor"], "admin")
    seen, seen_accounts = card(admin, queue["keisha"])
    assert values(seen) == values(accounts["Harbor"]) and set(seen_accounts) == {"Harbor"}
    # The account's page lists her with Harbor's numbers.
    health = manager.get(f"/api/v1/staffing/accounts/{queue['harbor'].id}").json()
    (row,) = health["coordinators"]
    assert values({k["key"]: k for k in row["kpis"]}) == values(accounts["Harbor"])


def test_tasks_are_counted_in_the_week_they_were_completed_answered_or_due(manager, queue):
    kpis, _ = card(manager, queue["keisha"])

    def last_two(key):  # type: ignore[no-untyped-def]
        return [(p["week"], p["value"]) for p in kpis[key]["trend"][-2:]]

    assert len(kpis["tasks_completed"]["trend"]) == 8
    # Completed on Sunday 31 May at 23:30: last week, though it was due this Monday.
    assert last_two("tasks_completed") == [("2026-05-25", 1.0), ("2026-06-01", 3.0)]
    assert last_two("first_response_median") == [("2026-05-25", 5.0), ("2026-06-01", 30.0)]
    # Last week: the Sunday task met its due time, the open one due Friday did not.
    assert last_two("sla_adherence") == [("2026-05-25", 0.5), ("2026-06-01", 0.25)]
    assert last_two("sla_breaches") == [("2026-05-25", 1.0), ("2026-06-01", 3.0)]
    # Weeks without work have no response time or adherence, and nothing completed.
    first = {key: kpis[key]["trend"][0] for key in WORK_QUEUE}
    assert first["tasks_completed"] == {"week": "2026-04-13", "value": 0.0}
    assert first["first_response_median"]["value"] is None
    assert first["sla_adherence"]["value"] is None


def test_sla_adherence_below_the_threshold_opens_coaching_and_flags_the_account(
    api, manager, staffing, frozen
):
    org = api.organization("Harbor")
    user = api.user()
    coordinator = staffing.coordinator(user)
    staffing.placement(staffing.opening(org), coordinator)
    # Ten tasks completed this week, three after their due time: 70 %.
    for n in range(10):
        staffing.task(
            org,
            opened_at=at(2, 8),
            due_at=at(2, 12),
            status="completed",
            owner=user,
            responded=(user, at(2, 8, 15)),
            closed=(user, at(2, 13 if n < 3 else 11)),
        )
    opened = manager.post("/api/v1/staffing/coaching/evaluations", json={"weeks": 4})
    assert opened.status_code == 200, opened.text
    (task,) = opened.json()
    assert (task["kpi"], task["organization_id"]) == ("sla_adherence", str(org.id))
    assert task["detail"] == "SLA adherence below 90%: 70% over 10"
    health = manager.get(f"/api/v1/staffing/accounts/{org.id}").json()["health"]
    assert health["status"] == "at-risk"
    assert "SLA adherence below 90%: 70% over 10" in health["reasons"]
    breaches = manager.get(f"/api/v1/staffing/coordinators/{coordinator.id}/scorecard").json()[
        "breaches"
    ]
    assert [b["kpi"] for b in breaches] == ["sla_adherence"]


def test_the_weekly_report_shows_the_work_queue(manager, queue):
    harbor = queue["harbor"]
    response = manager.get(
        f"/api/v1/staffing/accounts/{harbor.id}/report.csv", params={"week": "2026-06-01"}
    )
    assert response.status_code == 200, response.text
    assert "not available" not in response.text.lower()
    rows = list(csv.reader(io.StringIO(response.text)))
    header = next(r for r in rows if r and r[0] == "coordinator")
    by_name = {r[0]: dict(zip(header, r, strict=True)) for r in rows if len(r) == len(header)}
    (keisha,) = [
        v
        for k, v in by_name.items()
        if k not in ("coordinator", "all coordinators", "previous week")
    ]
    # Harbor this week: two completed (one late) and one open past its due time;
    # responses of 10, 20, 30 and 50 minutes.
    assert {k: keisha[k] for k in header[1:] if k.startswith(("Tasks", "First", "SLA"))} == {
        "Tasks completed": "2",
        "First response, median (minutes)": "25.0",
        "First response, 90th percentile (minutes)": "44.0",
        "SLA adherence": "33.3%",
        "SLA breaches": "2",
    }
    assert by_name["previous week"]["Tasks completed"] == "1"
    assert by_name["previous week"]["SLA adherence"] == "50.0%"
    pdf = manager.get(
        f"/api/v1/staffing/accounts/{harbor.id}/report.pdf", params={"week": "2026-06-01"}
    )
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_the_weekly_report_html_lists_every_kpi_with_its_value(api, manager, queue):
    from liaison.auth import service as auth_service
    from liaison.context import unit_of_work
    from liaison.models import User
    from liaison.staffing.oversight import report

    runtime = api.runtime
    with runtime.db.session() as session:
        principal = auth_service.principal_for(session, session.get(User, manager.user_id))
    with unit_of_work(runtime.db, principal=principal, audit_key=runtime.audit_key) as ctx:
        weekly = report.weekly_report(ctx, queue["harbor"].id, None)
    assert weekly.week_start.isoformat() == "2026-05-25"
    ((_, row),) = weekly.rows
    assert row["tasks_completed"] == 1 and row["first_response_median"] == 5.0
    assert row["sla_adherence"] == 0.5 and row["sla_breaches"] == 1
    page = report.to_html(weekly)
    assert "Not available" not in page and "SLA adherence" in page and "50.0%" in page
