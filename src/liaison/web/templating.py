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


templates.env.filters["local"] = _local
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
