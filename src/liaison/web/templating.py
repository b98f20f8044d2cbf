"""Jinja environment for the server-rendered UI."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from jinja2_fragments.fastapi import Jinja2Blocks

from liaison.kit import clock

TEMPLATES_DIR = Path(__file__).parent / "templates"

templates = Jinja2Blocks(directory=str(TEMPLATES_DIR))


def _local(value: datetime | None, tz: str | None = None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if value is None:
        return ""
    if tz:
        value = value.astimezone(ZoneInfo(tz))
    return value.strftime(fmt)


def _age(birth: date | None) -> str:
    if birth is None:
        return ""
    today = clock.now().date()
    years = today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
    return str(years)


def _phone(e164: str | None) -> str:
    if not e164:
        return ""
    if e164.startswith("+1") and len(e164) == 12:
        return f"({e164[2:5]}) {e164[5:8]}-{e164[8:]}"
    return e164


def _when(value: datetime | None, tz: str | None = None, with_date: bool = True) -> str:
    """An instant as people at the place read it: "Tue 2 Jun 2026, 09:00 EDT". The zone's
    abbreviation is part of the text, so a time is never read in the wrong zone."""
    if value is None:
        return ""
    if tz:
        value = value.astimezone(ZoneInfo(tz))
    clock_time = f"{value:%H:%M} {value:%Z}".strip()
    if not with_date:
        return clock_time
    return f"{value:%a} {value.day} {value:%b %Y}, {clock_time}"


def _day(value: date) -> str:
    return f"{value:%A} {value.day} {value:%B %Y}"


def _points(value: int) -> str:
    # A real minus sign for penalty points: a hyphen may be read out as "dash".
    return f"+{value}" if value > 0 else ("\u2212" + str(-value) if value < 0 else "0")


def _as_list(value: object) -> list[str]:
    """A form value that may be repeated (checkboxes), always as a list of strings."""
    if value is None or value == "":
        return []
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return [str(value)]


templates.env.filters["local"] = _local
templates.env.filters["when"] = _when
templates.env.filters["day"] = _day
templates.env.filters["points"] = _points
templates.env.filters["aslist"] = _as_list
templates.env.filters["age"] = _age
templates.env.filters["phone"] = _phone
templates.env.globals["LANGUAGES"] = {
    "en": "English",
    "es": "Spanish",
    "zh": "Chinese",
    "vi": "Vietnamese",
    "ar": "Arabic",
    "ko": "Korean",
    "ru": "Russian",
    "ht": "Haitian Creole",
    "pt": "Portuguese",
    "fr": "French",
    "tl": "Tagalog",
    "pl": "Polish",
}
# Appointment statuses (FHIR codes) as the desk says them, and the badge tone of each.
templates.env.globals["STATUS_LABELS"] = {
    "proposed": "held",
    "booked": "booked",
    "arrived": "arrived",
    "checked-in": "checked in",
    "fulfilled": "fulfilled",
    "cancelled": "cancelled",
    "noshow": "no-show",
    "entered-in-error": "entered in error",
}
templates.env.globals["STATUS_TONES"] = {
    "proposed": "warn",
    "booked": "ok",
    "arrived": "ok",
    "checked-in": "ok",
    "fulfilled": "ok",
    "cancelled": "danger",
    "noshow": "danger",
    "entered-in-error": "danger",
}
