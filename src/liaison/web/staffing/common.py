"""What the staffing pages share: template helpers, charts, KPI formatting."""

from __future__ import annotations

import re
from typing import Any

from markupsafe import Markup

from liaison.authz.permissions import Permission, Role
from liaison.authz.principal import Principal
from liaison.staffing import access
from liaison.staffing import vocabulary as v
from liaison.staffing.oversight.service import Kpi
from liaison.web.templating import templates

# Raw HTML in course content is escaped, never rendered: modules are written by people,
# and the page's Content-Security-Policy is not a licence to trust them.
_markdown: Any = None
_HEADING = re.compile(r"<(/?)h([1-6])>")


def markdown(text: str) -> Markup:
    global _markdown
    if _markdown is None:
        from markdown_it import MarkdownIt

        _markdown = MarkdownIt("commonmark", {"html": False})
    html = _markdown.render(text or "")
    # A module's "# Title" sits under the page's h1 and the module's h2: shift headings
    # down two levels so the outline stays in order for screen readers.
    html = _HEADING.sub(lambda m: f"<{m.group(1)}h{min(int(m.group(2)) + 2, 6)}>", html)
    return Markup(html)  # noqa: S704 (raw HTML is disabled above)


def staffing_link(principal: Principal | None) -> dict[str, str] | None:
    """The main navigation's staffing entry: the staffing area for those who may read
    staffing; "My training" for a clinic coordinator (the learner view)."""
    if principal is None:
        return None
    if principal.can(Permission.STAFFING_READ):
        return {"href": "/staffing", "label": "Staffing"}
    if Role.COORDINATOR in principal.memberships.values():
        return {"href": "/staffing/learn", "label": "My training"}
    return None


def kpi_text(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "percent":
        return f"{value:.1%}"
    if unit == "count":
        return f"{int(value):,}"
    if unit == "rating":
        return f"{value:.2f} / 5"
    if unit == "minutes":
        return f"{value:.0f} min"
    return f"{value:.0f}"


def chart(kpi: Kpi, *, kind: str = "line") -> dict[str, Any]:
    """A Chart.js configuration for one KPI's weekly trend (read by staffing-charts.js)."""
    scale = 100 if kpi.unit == "percent" else 1
    points = [None if value is None else round(value * scale, 2) for _, value in kpi.trend]
    y: dict[str, Any] = {"beginAtZero": True}
    if kpi.unit == "percent":
        y["max"] = 100
    if kpi.unit == "rating":
        y = {"min": 1, "max": 5}
    return {
        "type": kind,
        "data": {
            "labels": [week.strftime("%d %b") for week, _ in kpi.trend],
            "datasets": [{"label": kpi.label, "data": points, "spanGaps": True, "tension": 0.25}],
        },
        "options": {
            "animation": False,
            "responsive": True,
            "maintainAspectRatio": False,
            "plugins": {"legend": {"display": False}},
            "scales": {"y": y},
        },
    }


def register_template_helpers() -> None:
    env = templates.env
    env.globals["staffing_link"] = staffing_link
    env.globals["is_staffing_team"] = access.is_staffing_team
    env.globals["STAFFING_READ"] = Permission.STAFFING_READ
    env.globals["SYSTEM_NAMES"] = v.SYSTEMS
    env.globals["SKILL_NAMES"] = v.SKILLS
    env.globals["STAFFING_LANGUAGES"] = v.LANGUAGE_NAMES
    env.filters["markdown"] = markdown
    env.filters["kpi"] = kpi_text
    env.filters["by_key"] = lambda kpis: {k.key: k for k in kpis}
    env.filters["specialty"] = v.specialty_name
    env.globals["STATE_TONES"] = {
        "valid": "ok",
        "expiring": "warn",
        "expired": "danger",
        "missing": "danger",
        "superseded": "",
        "passed": "ok",
        "in-progress": "warn",
        "enrolled": "warn",
        "not-enrolled": "danger",
        "failed": "danger",
        "healthy": "ok",
        "watch": "warn",
        "at-risk": "danger",
        "proposed": "warn",
        "onboarding": "warn",
        "active": "ok",
        "ended": "",
        "open": "warn",
        "filled": "ok",
        "closed": "",
    }
