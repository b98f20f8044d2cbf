"""Ranking slots by how well they fit a patient, with the reasons shown.

Points, not a black box: a coordinator sees "speaks Spanish +30, saw Dr Lee in March
+25, 3 days out -6". Fit outweighs a few days of waiting, and earlier is better among
equals.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date

LANGUAGE_POINTS = 30
CONTINUITY_POINTS = 25
PREFERRED_PRACTITIONER_POINTS = 25
GENDER_POINTS = 10
LOCATION_POINTS = 10
POINTS_PER_DAY_OUT = 2

LANGUAGE_NAMES = {
    "en": "English",
    "es": "Spanish",
    "vi": "Vietnamese",
    "zh": "Chinese",
    "ht": "Haitian Creole",
    "pt": "Portuguese",
    "fr": "French",
    "ar": "Arabic",
    "ru": "Russian",
    "ko": "Korean",
    "tl": "Tagalog",
    "pl": "Polish",
}


@dataclass(frozen=True)
class Reason:
    code: str
    points: int
    text: str


@dataclass(frozen=True)
class PatientFit:
    language: str = "en"
    preferred_gender: str | None = None
    preferred_location_id: uuid.UUID | None = None
    preferred_practitioner_id: uuid.UUID | None = None
    # Practitioners the patient has seen, with the date of the last visit.
    seen: dict[uuid.UUID, date] = field(default_factory=dict)


@dataclass(frozen=True)
class Offer:
    """Who would see the patient, where."""

    practitioner_id: uuid.UUID
    practitioner_name: str
    gender: str
    languages: tuple[str, ...]
    location_id: uuid.UUID


def _primary(tag: str) -> str:
    return tag.split("-")[0].lower()


def fit_points(offer: Offer, fit: PatientFit | None) -> int:
    """The day-independent part of ``score``: an upper bound on any slot's score."""
    return sum(r.points for r in score(offer, date.min, date.min, fit)[1])


def score(offer: Offer, day: date, today: date, fit: PatientFit | None) -> tuple[int, list[Reason]]:
    reasons: list[Reason] = []
    if fit is not None:
        wanted = _primary(fit.language)
        if wanted != "en" and any(_primary(lang) == wanted for lang in offer.languages):
            name = LANGUAGE_NAMES.get(wanted, wanted)
            reasons.append(Reason("language", LANGUAGE_POINTS, f"speaks {name}"))
        if offer.practitioner_id in fit.seen:
            last = fit.seen[offer.practitioner_id]
            reasons.append(
                Reason(
                    "continuity",
                    CONTINUITY_POINTS,
                    f"patient saw {offer.practitioner_name} on {last.isoformat()}",
                )
            )
        elif offer.practitioner_id == fit.preferred_practitioner_id:
            reasons.append(
                Reason(
                    "preferred-practitioner",
                    PREFERRED_PRACTITIONER_POINTS,
                    "patient's preferred practitioner",
                )
            )
        if fit.preferred_gender and offer.gender == fit.preferred_gender:
            reasons.append(
                Reason("gender", GENDER_POINTS, f"{offer.gender} practitioner, as preferred")
            )
        if fit.preferred_location_id and offer.location_id == fit.preferred_location_id:
            reasons.append(Reason("location", LOCATION_POINTS, "patient's preferred location"))
    days_out = max(0, (day - today).days)
    if days_out:
        reasons.append(
            Reason(
                "wait",
                -POINTS_PER_DAY_OUT * days_out,
                f"{days_out} day{'s' if days_out != 1 else ''} out",
            )
        )
    return sum(r.points for r in reasons), reasons
