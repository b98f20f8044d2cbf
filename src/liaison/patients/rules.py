"""Pure rules of the registry: reading a search box, and judging likely duplicates."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

import jellyfish
from rapidfuzz import fuzz

from liaison.kit.text import search_key


@dataclass(frozen=True)
class Criteria:
    name_tokens: tuple[str, ...] = ()
    birth_date: date | None = None
    phone_digits: str | None = None
    mrn: str | None = None

    @property
    def names(self) -> list[str]:
        """Which kinds of criteria were used (for the audit record, never the values)."""
        used = []
        if self.name_tokens:
            used.append("name")
        if self.birth_date:
            used.append("birth_date")
        if self.phone_digits:
            used.append("phone")
        if self.mrn:
            used.append("mrn")
        return used

    @property
    def empty(self) -> bool:
        return not self.names


# Enough for "de la Garza del Valle, Horacio"; each extra word adds readings to try.
MAX_NAME_WORDS = 6

_DATE_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DATE_US = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_PHONEISH = re.compile(r"^[+()\d][\d\s().+-]{6,}$")
_MRNISH = re.compile(r"^(?=.*\d)[A-Za-z0-9._-]{3,40}$")


def _as_date(token: str) -> date | None:
    for pattern, order in ((_DATE_ISO, "ymd"), (_DATE_US, "mdy")):
        m = pattern.match(token)
        if m:
            parts = dict(zip(order, (int(g) for g in m.groups()), strict=True))
            try:
                return date(parts["y"], parts["m"], parts["d"])
            except ValueError:
                return None
    return None


def parse_query(q: str) -> Criteria:
    """Read a coordinator's search box: "garcia maria 1984-03-02", "555-0134", "MRN-1002".

    Dates (ISO or US m/d/yyyy) become a birth date; something that looks like a phone
    number is matched by its digits; a single token with digits is an MRN; the rest are
    name prefixes.
    """
    q = q.strip()
    if not q:
        return Criteria()
    if _PHONEISH.match(q) and len(re.sub(r"\D", "", q)) >= 7 and _as_date(q) is None:
        return Criteria(phone_digits=re.sub(r"\D", "", q))
    birth: date | None = None
    names: list[str] = []
    mrn: str | None = None
    for raw in q.replace(",", " ").split():
        as_date = _as_date(raw)
        if as_date is not None:
            birth = as_date
        elif _MRNISH.match(raw):
            mrn = raw
        else:
            key = search_key(raw)
            names.extend(key.split())
    return Criteria(name_tokens=tuple(names[:MAX_NAME_WORDS]), birth_date=birth, mrn=mrn)


def name_splits(tokens: tuple[str, ...]) -> list[tuple[str | None, str | None]]:
    """(given prefix, family prefix) readings of the name tokens, either order.

    "maria de la cruz" -> given "maria" + family "de la cruz", given "maria de" +
    family "la cruz", ..., and the reversed readings ("cruz, maria").
    """
    if not tokens:
        return []
    if len(tokens) == 1:
        return [(tokens[0], None), (None, tokens[0])]
    readings: list[tuple[str | None, str | None]] = []
    for i in range(1, len(tokens)):
        first, rest = " ".join(tokens[:i]), " ".join(tokens[i:])
        readings.append((first, rest))
        readings.append((rest, first))
    return readings


@dataclass(frozen=True)
class Person:
    given: str
    family: str
    birth_date: date
    phones: frozenset[str] = field(default_factory=frozenset)


DUPLICATE_NAME_THRESHOLD = 85


def name_score(a: Person, b: Person) -> int:
    """0-100 likeness of two names, tolerant of typos, order and accents."""
    full_a = f"{search_key(a.given)} {search_key(a.family)}"
    full_b = f"{search_key(b.given)} {search_key(b.family)}"
    swapped_b = f"{search_key(b.family)} {search_key(b.given)}"
    return int(
        max(
            fuzz.ratio(full_a, full_b),
            fuzz.ratio(full_a, swapped_b),
            fuzz.token_sort_ratio(full_a, full_b),
        )
    )


def _sounds_alike(a: Person, b: Person) -> bool:
    fa, fb = search_key(a.family), search_key(b.family)
    ga, gb = search_key(a.given), search_key(b.given)
    if not (fa and fb and ga and gb):
        return False
    # Match Rating Approach catches "Thompson"/"Tomson" that metaphone splits (TH -> 0);
    # metaphone catches spellings MRA's length rule rejects.
    family_alike = bool(jellyfish.match_rating_comparison(fa, fb)) or (
        jellyfish.metaphone(fa) == jellyfish.metaphone(fb)
    )
    return family_alike and ga[0] == gb[0]


def duplicate_reasons(new: Person, existing: Person) -> tuple[int, list[str]]:
    """Why ``existing`` may be the same person as ``new`` (empty: it is not)."""
    reasons: list[str] = []
    score = name_score(new, existing)
    if new.birth_date == existing.birth_date:
        if score >= DUPLICATE_NAME_THRESHOLD:
            reasons.append("similar name and the same birth date")
        elif _sounds_alike(new, existing):
            reasons.append("name sounds alike and the same birth date")
    if new.phones & existing.phones:
        reasons.append("the same phone number")
    return score, reasons
