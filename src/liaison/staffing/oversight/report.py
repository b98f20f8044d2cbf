"""The weekly account report as CSV (csv module) and PDF (WeasyPrint from HTML).

Both carry counts, rates and response times per coordinator only: no patient appears
in a report.
"""

from __future__ import annotations

import csv
import html
import io
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from liaison.context import Context
from liaison.errors import InvalidInput, NotFound
from liaison.kit import clock
from liaison.models import Organization
from liaison.staffing.oversight import rules
from liaison.staffing.oversight.service import KPIS, READ, Cell, measure, placements_at
from liaison.staffing.profiles import repository as profiles_repository


@dataclass
class WeeklyReport:
    organization: Organization
    week_start: date
    generated_at: datetime
    rows: list[tuple[str, dict[str, float | None]]]  # coordinator name -> KPI values
    total: dict[str, float | None]
    previous: dict[str, float | None]
    health: rules.Health


def weekly_report(
    ctx: Context, organization_id: uuid.UUID, week_start: date | None = None
) -> WeeklyReport:
    ctx.require(READ, organization_id)
    organization = ctx.session.get(Organization, organization_id)
    if organization is None:
        raise NotFound("Organization")
    now = clock.now()
    this_week = rules.monday_of(now.date())
    week_start = rules.monday_of(week_start) if week_start else this_week - timedelta(days=7)
    if week_start > this_week:
        raise InvalidInput("week", "is in the future")
    week_end = datetime.combine(week_start + timedelta(days=7), time(0), tzinfo=UTC)
    placements = placements_at(ctx, organization_id)
    start_instant = datetime.combine(week_start, time(0), tzinfo=UTC)
    during = [
        p
        for p in placements
        if (p.activated_at or p.confirmed_at or p.proposed_at) < week_end
        and (p.ended_at is None or p.ended_at >= start_instant)
    ]
    people_rows = profiles_repository.with_users(
        ctx.session, coordinator_ids={p.coordinator_id for p in during}
    )
    people = {c.id: c.user_id for c, _ in people_rows}
    names = {c.id: u.display_name for c, u in people_rows}
    # Two weeks ending with the reported one: the report compares it with the week before.
    measures = measure(
        ctx, people, organization_id=organization_id, weeks=2, now=min(now, week_end)
    )
    keys = [k for k, _, _ in KPIS]

    def values(cell: Cell) -> dict[str, float | None]:
        v = cell.values()
        return {k: v[k][0] for k in keys}

    rows = [
        (names.get(cid, ""), values(measures.total([(cid, organization_id)], week=1)))
        for cid in sorted(people, key=lambda c: names.get(c, ""))
    ]
    total = measures.total(week=1)
    health = rules.account_health(rules.breaches(total.values()), 0, 0, 0, 0)
    ctx.audit(
        "read",
        "AccountReport",
        organization_id,
        organization_id=organization_id,
        week=week_start.isoformat(),
    )
    return WeeklyReport(
        organization,
        week_start,
        now,
        rows,
        values(total),
        values(measures.total(week=0)),
        health,
    )


# Every KPI, in the scorecard's order; durations say their unit in the heading.
COLUMNS = [
    (k, f"{label} (minutes)" if unit == "minutes" else label, unit) for k, label, unit in KPIS
]


def formatted(value: float | None, unit: str) -> str:
    if value is None:
        return "n/a"
    if unit == "percent":
        return f"{value:.1%}"
    if unit == "count":
        return str(int(value))
    if unit == "rating":
        return f"{value:.2f}"
    return f"{value:.1f}"


def to_csv(report: WeeklyReport) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["organization", report.organization.name])
    writer.writerow(["week starting", report.week_start.isoformat()])
    writer.writerow(["account health", report.health.status])
    writer.writerow([])
    writer.writerow(["coordinator", *(label for _, label, _ in COLUMNS)])
    for name, values in report.rows:
        writer.writerow([name, *(formatted(values[k], unit) for k, _, unit in COLUMNS)])
    writer.writerow(
        ["all coordinators", *(formatted(report.total[k], unit) for k, _, unit in COLUMNS)]
    )
    writer.writerow(
        ["previous week", *(formatted(report.previous[k], unit) for k, _, unit in COLUMNS)]
    )
    return buffer.getvalue()


def to_html(report: WeeklyReport) -> str:
    """A self-contained page (inline CSS, no scripts) for WeasyPrint."""
    e = html.escape
    head = "".join(f"<th>{e(label)}</th>" for _, label, _ in COLUMNS)

    def row(name: str, values: dict[str, float | None], css: str = "") -> str:
        cells = "".join(f"<td>{e(formatted(values[k], unit))}</td>" for k, _, unit in COLUMNS)
        return f'<tr class="{css}"><th scope="row">{e(name)}</th>{cells}</tr>'

    body = "".join(row(name, values) for name, values in report.rows) or (
        f'<tr><td colspan="{len(COLUMNS) + 1}">No coordinator was placed here this week.</td></tr>'
    )
    reasons = "".join(f"<li>{e(r)}</li>" for r in report.health.reasons) or "<li>No concerns.</li>"
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Weekly account report</title><style>
@page {{ size: A4 landscape; margin: 14mm; }}
body {{ font-family: sans-serif; font-size: 9pt; color: #111; }}
h1 {{ font-size: 16pt; margin: 0 0 2mm; }} h2 {{ font-size: 12pt; margin: 6mm 0 2mm; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ border: 1px solid #999; padding: 1.5mm 2mm; text-align: right; }}
th[scope=row], thead th:first-child {{ text-align: left; }}
thead th {{ background: #e8eef7; }}
tr.total th, tr.total td {{ font-weight: bold; background: #f3f3f3; }}
.muted {{ color: #555; }}
</style></head><body>
<h1>{e(report.organization.name)}: week of {report.week_start:%d %B %Y}</h1>
<p class="muted">Generated {report.generated_at:%Y-%m-%d %H:%M} UTC.
Counts, rates and response times only; no patient data. Response times are
wall-clock minutes from a task's opening to its first response.</p>
<h2>Account health: {e(report.health.status)}</h2><ul>{reasons}</ul>
<h2>Coordinators</h2>
<table><thead><tr><th>Coordinator</th>{head}</tr></thead><tbody>{body}
{row("All coordinators", report.total, "total")}
{row("Previous week", report.previous)}</tbody></table>
</body></html>"""


def to_pdf(report: WeeklyReport) -> bytes:
    # Imported here: WeasyPrint loads Pango through cffi, which only the report needs.
    from weasyprint import HTML

    return HTML(string=to_html(report)).write_pdf()
