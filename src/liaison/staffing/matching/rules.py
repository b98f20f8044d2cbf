"""Explainable coordinator x opening scores. Pure: profiles and needs in, numbers and
reasons out (no database; the day is passed in as ``as_of``).

Every pair gets ten components in [0, 1]; the score is their weighted mean times 100,
over the components that apply to the opening (an opening that names no systems is not
scored on systems), so each component's points add up to the score shown.

* languages    patient languages covered, weighted by each language's share of patients
               and the coordinator's proficiency in it
* systems      experience with the client's EHR / practice-management systems
* specialties  the client's specialties in the coordinator's background
* skills       the work the opening involves (scheduling, referrals ...)
* hours        share of the client's hours (its time zone) the coordinator works (theirs)
* training     required courses passed and required certifications held, of all required
* assessment   mean of the communication, accuracy and empathy scores
* performance  the record in Liaison (quality reviews, satisfaction, no-shows, accuracy)
* continuity   placed at this client before
* text         TF-IDF similarity of the opening's description and the profile

Hard constraints exclude a coordinator with the reason shown: an inactive profile, no
capacity left, and each *required* item of the opening (a language at a minimum level, a
system, a skill, a specialty, a valid certification, a minimum share of hours, a minimum
assessment score).

All pairs are computed at once with numpy (2,000 coordinators x 300 openings in well
under a second); the explanation of one pair reads the same arrays, so the number a
staffing manager sees is the number the assignment optimised.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

from liaison.staffing.hours import BINS, week_bitmap
from liaison.staffing.matching.text import tfidf_similarity
from liaison.staffing.vocabulary import (
    PROFICIENCY_WEIGHT,
    language_name,
    proficiency_rank,
    skill_name,
    specialty_name,
    system_name,
)

WEIGHTS: dict[str, float] = {
    "languages": 0.20,
    "systems": 0.14,
    "specialties": 0.07,
    "skills": 0.08,
    "hours": 0.13,
    "training": 0.07,
    "assessment": 0.10,
    "performance": 0.10,
    "continuity": 0.05,
    "text": 0.06,
}
assert abs(sum(WEIGHTS.values()) - 1.0) < 1e-9
LABELS = {
    "languages": "Language coverage",
    "systems": "Systems experience",
    "specialties": "Specialty",
    "skills": "Skills",
    "hours": "Working-hours overlap",
    "training": "Required training and certifications",
    "assessment": "Assessment scores",
    "performance": "Performance record",
    "continuity": "Continuity with this client",
    "text": "Description similarity",
}
# Required items count double against nice-to-haves in the systems, skills and
# specialties components.
REQUIRED_WEIGHT, NICE_WEIGHT = 2.0, 1.0
# A coordinator without assessment scores or without a record in Liaison yet is counted
# as average on that component rather than as failing it (the reason says so).
NEUTRAL = 0.5
# Years of daily use after which a system counts in full; a new user counts 0.6.
SYSTEM_YEARS_FULL = 3


def system_credit(years: int | None) -> float:
    if years is None:
        return 0.0
    return 0.6 + 0.4 * min(years, SYSTEM_YEARS_FULL) / SYSTEM_YEARS_FULL


@dataclass(frozen=True)
class CoordinatorFacts:
    key: Any
    name: str
    active: bool
    languages: Mapping[str, str]  # tag -> proficiency
    systems: Mapping[str, int]  # code -> years
    skills: frozenset[str]
    specialties: frozenset[str]
    time_zone: str
    working_hours: Mapping[str, Any]
    capacity: int  # percent of a full-time equivalent
    placed: int  # percent taken by live placements
    scores: tuple[int | None, int | None, int | None]  # communication, accuracy, empathy
    certifications: Mapping[str, date | None]  # current certificate per code -> expiry
    passed_courses: frozenset[str] = frozenset()
    performance: float | None = None
    history: frozenset[Any] = frozenset()  # organizations placed at before (or now)
    text: str = ""


@dataclass(frozen=True)
class LanguageNeed:
    tag: str
    share: float
    required: bool = False
    min_proficiency: str = "professional"


@dataclass(frozen=True)
class CodeNeed:
    code: str
    required: bool = False


@dataclass(frozen=True)
class OpeningNeeds:
    key: Any
    organization: Any
    title: str
    time_zone: str
    hours: Mapping[str, Any]
    fte: int  # percent per seat
    headcount: int = 1
    languages: tuple[LanguageNeed, ...] = ()
    systems: tuple[CodeNeed, ...] = ()
    skills: tuple[CodeNeed, ...] = ()
    specialties: tuple[CodeNeed, ...] = ()
    required_certifications: tuple[str, ...] = ()
    required_courses: tuple[str, ...] = ()
    min_hours_overlap: int | None = None  # percent
    min_assessment: int | None = None
    text: str = ""


@dataclass(frozen=True)
class Component:
    key: str
    label: str
    value: float | None  # None: does not apply to this opening
    weight: float  # share of the score (0 when it does not apply)
    points: float
    detail: str


@dataclass(frozen=True)
class Exclusion:
    field: str  # the opening's field (or "status", "capacity") that excludes
    reason: str


@dataclass(frozen=True)
class Candidate:
    key: Any
    name: str
    score: float
    eligible: bool
    components: tuple[Component, ...]
    exclusions: tuple[Exclusion, ...]


@dataclass(frozen=True)
class EmptyPool:
    """The constraint after which no coordinator is left, in the order they apply."""

    field: str
    message: str
    remaining_before: int
    satisfying_alone: int


def _vocabulary(*groups: Any) -> dict[str, int]:
    # Sorted: set iteration order changes with PYTHONHASHSEED, and the column order
    # changes the floating-point sums, which can flip near-ties between runs.
    return {item: i for i, item in enumerate(sorted({item for group in groups for item in group}))}


def _mean_score(scores: tuple[int | None, ...]) -> float | None:
    known = [s for s in scores if s is not None]
    return sum(known) / len(known) / 100 if known else None


@dataclass
class Board:
    """Scores, components and hard constraints of every (opening, coordinator) pair."""

    coordinators: Sequence[CoordinatorFacts]
    openings: Sequence[OpeningNeeds]
    as_of: date
    weights: Mapping[str, float] = field(default_factory=lambda: dict(WEIGHTS))

    def __post_init__(self) -> None:
        cs, os_ = self.coordinators, self.openings
        n_c, n_o = len(cs), len(os_)
        self.values: dict[str, np.ndarray] = {}
        self.applies: dict[str, np.ndarray] = {}

        # Languages: shares (openings x languages) times proficiency weights.
        tags = _vocabulary(*(c.languages for c in cs), *((n.tag for n in o.languages) for o in os_))
        proficiency = np.zeros((n_c, len(tags)))
        rank = np.zeros((n_c, len(tags)), dtype=np.int8)
        for i, c in enumerate(cs):
            for tag, level in c.languages.items():
                proficiency[i, tags[tag]] = PROFICIENCY_WEIGHT.get(level, 0.0)
                rank[i, tags[tag]] = proficiency_rank(level)
        shares = np.zeros((n_o, len(tags)))
        for j, o in enumerate(os_):
            for need in o.languages:
                shares[j, tags[need.tag]] = need.share
        share_total = shares.sum(axis=1)
        self._set(
            "languages",
            (shares @ proficiency.T) / np.where(share_total > 0, share_total, 1)[:, None],
            share_total > 0,
        )

        # Systems, skills, specialties: weighted share of what the opening lists.
        systems = _vocabulary(*(c.systems for c in cs), *((n.code for n in o.systems) for o in os_))
        credit = np.zeros((n_c, len(systems)))
        for i, c in enumerate(cs):
            for code, years in c.systems.items():
                credit[i, systems[code]] = system_credit(years)
        self._weighted("systems", systems, credit, [o.systems for o in os_])
        for name in ("skills", "specialties"):
            vocab = _vocabulary(
                *(getattr(c, name) for c in cs), *((n.code for n in getattr(o, name)) for o in os_)
            )
            has = np.zeros((n_c, len(vocab)))
            for i, c in enumerate(cs):
                for code in getattr(c, name):
                    has[i, vocab[code]] = 1.0
            self._weighted(name, vocab, has, [getattr(o, name) for o in os_])
        self._vocab = {"languages": tags, "systems": systems}
        self._rank = rank

        # Hours: quarter-hour bitmaps of one UTC week, as float32 for one matrix product.
        worked = np.zeros((n_c, BINS), dtype=np.float32)
        for i, c in enumerate(cs):
            worked[i] = week_bitmap(dict(c.working_hours), c.time_zone, self.as_of)
        wanted = np.zeros((n_o, BINS), dtype=np.float32)
        for j, o in enumerate(os_):
            wanted[j] = week_bitmap(dict(o.hours), o.time_zone, self.as_of)
        wanted_total = wanted.sum(axis=1)
        self._set(
            "hours",
            (wanted @ worked.T) / np.where(wanted_total > 0, wanted_total, 1)[:, None],
            wanted_total > 0,
        )

        # Training: required courses passed and certifications valid on as_of.
        courses = _vocabulary(*(o.required_courses for o in os_))
        certs = _vocabulary(*(o.required_certifications for o in os_))
        passed = np.zeros((n_c, len(courses)))
        valid = np.zeros((n_c, len(certs)), dtype=bool)
        for i, c in enumerate(cs):
            for course in c.passed_courses:
                if course in courses:
                    passed[i, courses[course]] = 1.0
            for code, expires in c.certifications.items():
                if code in certs and (expires is None or expires >= self.as_of):
                    valid[i, certs[code]] = True
        need_course = np.zeros((n_o, len(courses)))
        need_cert = np.zeros((n_o, len(certs)))
        for j, o in enumerate(os_):
            for course in o.required_courses:
                need_course[j, courses[course]] = 1.0
            for code in o.required_certifications:
                need_cert[j, certs[code]] = 1.0
        required_total = need_course.sum(axis=1) + need_cert.sum(axis=1)
        met = need_course @ passed.T + need_cert @ valid.T.astype(float)
        self._set(
            "training",
            met / np.where(required_total > 0, required_total, 1)[:, None],
            required_total > 0,
        )
        self._valid_certs, self._cert_vocab = valid, certs

        # Per-coordinator components, the same for every opening.
        assessed = np.array([_mean_score(c.scores) for c in cs], dtype=object)
        self._set(
            "assessment",
            np.tile(np.array([NEUTRAL if a is None else a for a in assessed], float), (n_o, 1)),
            np.ones(n_o, dtype=bool),
        )
        record = [NEUTRAL if c.performance is None else c.performance for c in cs]
        self._set("performance", np.tile(np.array(record, float), (n_o, 1)), np.ones(n_o, bool))
        continuity = np.array(
            [[1.0 if o.organization in c.history else 0.0 for c in cs] for o in os_]
        ).reshape(n_o, n_c)
        self._set("continuity", continuity, np.ones(n_o, dtype=bool))
        has_text = np.array([bool(o.text.strip()) for o in os_], dtype=bool)
        self._set(
            "text",
            tfidf_similarity([o.text for o in os_], [c.text for c in cs]),
            has_text,
        )

        # The score: weighted mean over the components that apply to each opening.
        weight_total = np.zeros(n_o)
        total = np.zeros((n_o, n_c))
        for key, weight in self.weights.items():
            applies = self.applies[key]
            weight_total += weight * applies
            total += weight * np.where(applies[:, None], self.values[key], 0.0)
        self.weight_total = np.where(weight_total > 0, weight_total, 1.0)
        self.total = np.round(100.0 * total / self.weight_total[:, None], 6)

        self._constraints()

    # --- components -------------------------------------------------------------------

    def _set(self, key: str, values: np.ndarray, applies: np.ndarray) -> None:
        # Rounded well below anything shown: a multithreaded BLAS may sum in a different
        # order from run to run, and last-bit noise would flip near-ties in the
        # assignment. Rounded values make the same input give the same plan.
        values = np.round(np.clip(np.nan_to_num(values.astype(float)), 0.0, 1.0), 9)
        self.values[key] = values
        self.applies[key] = applies.astype(bool)

    def _weighted(
        self,
        key: str,
        vocab: dict[str, int],
        credit: np.ndarray,
        needs: list[tuple[CodeNeed, ...]],
    ) -> None:
        weights = np.zeros((len(needs), len(vocab)))
        for j, items in enumerate(needs):
            for need in items:
                weights[j, vocab[need.code]] = REQUIRED_WEIGHT if need.required else NICE_WEIGHT
        total = weights.sum(axis=1)
        self._set(key, (weights @ credit.T) / np.where(total > 0, total, 1)[:, None], total > 0)
        setattr(self, f"_has_{key}", (credit > 0, vocab))

    # --- hard constraints -------------------------------------------------------------

    def _opening_constraints(self, j: int) -> list[tuple[str, np.ndarray]]:
        """The opening's own hard constraints, in the order they are applied."""
        o = self.openings[j]
        n_c = len(self.coordinators)
        found: list[tuple[str, np.ndarray]] = []
        for i, need in enumerate(o.languages):
            if need.required:
                column = self._rank[:, self._vocab["languages"][need.tag]]
                found.append((f"languages[{i}]", column >= proficiency_rank(need.min_proficiency)))
        for name in ("systems", "skills", "specialties"):
            has, vocab = getattr(self, f"_has_{name}")
            for i, need in enumerate(getattr(o, name)):
                if need.required:
                    found.append((f"{name}[{i}]", has[:, vocab[need.code]].copy()))
        for i, code in enumerate(o.required_certifications):
            found.append(
                (f"required_certifications[{i}]", self._valid_certs[:, self._cert_vocab[code]])
            )
        if o.min_hours_overlap is not None and self.applies["hours"][j]:
            share = np.round(self.values["hours"][j] * 100, 6)
            found.append(("min_hours_overlap_percent", share >= o.min_hours_overlap))
        if o.min_assessment is not None:
            lowest = np.array(
                [min((s for s in c.scores if s is not None), default=-1) for c in self.coordinators]
            ).reshape(n_c)
            found.append(("min_assessment", lowest >= o.min_assessment))
        return found

    def _constraints(self) -> None:
        n_o, n_c = len(self.openings), len(self.coordinators)
        self.active = np.array([c.active for c in self.coordinators], dtype=bool).reshape(n_c)
        remaining = np.array([c.capacity - c.placed for c in self.coordinators]).reshape(n_c)
        self.constraints: list[list[tuple[str, np.ndarray]]] = []
        self.eligible = np.zeros((n_o, n_c), dtype=bool)
        for j, o in enumerate(self.openings):
            checks = [("status", self.active), ("capacity", remaining >= o.fte)]
            checks += self._opening_constraints(j)
            self.constraints.append(checks)
            ok = np.ones(n_c, dtype=bool)
            for _, mask in checks:
                ok &= mask
            self.eligible[j] = ok

    def empty_pool(self, j: int) -> EmptyPool | None:
        """Whether the opening's own constraints exclude every active coordinator, and
        which one empties the pool. Capacity is left out: a full pool is a state that
        changes, not a contradiction. With no active coordinator at all there is
        nothing to contradict, and None is returned."""
        pool = self.active.copy()
        if not pool.any():
            return None
        for field_name, mask in self._opening_constraints(j):
            before = int(pool.sum())
            pool &= mask
            if not pool.any():
                alone = int((mask & self.active).sum())
                return EmptyPool(
                    field_name,
                    self._emptying_message(j, field_name, before, alone),
                    before,
                    alone,
                )
        return None

    def _emptying_message(self, j: int, field_name: str, before: int, alone: int) -> str:
        what = self._constraint_text(j, field_name)
        if before == int(self.active.sum()):
            return f"no active coordinator meets it ({what})"
        return (
            f"no coordinator meets it together with the constraints before it ({what}): "
            f"{before} remained before it, {alone} meet it alone"
        )

    def _constraint_text(self, j: int, field_name: str) -> str:
        o = self.openings[j]
        name, _, index = field_name.partition("[")
        i = int(index.rstrip("]")) if index else 0
        if name == "languages":
            need = o.languages[i]
            return f"{language_name(need.tag)} at {need.min_proficiency} level or better"
        if name == "systems":
            return f"{system_name(o.systems[i].code)} experience"
        if name == "skills":
            return f"the skill {skill_name(o.skills[i].code)}"
        if name == "specialties":
            return f"a {specialty_name(o.specialties[i].code)} background"
        if name == "required_certifications":
            return f"a valid {o.required_certifications[i]} certification"
        if name == "min_hours_overlap_percent":
            return f"working at least {o.min_hours_overlap}% of the client's hours"
        if name == "min_assessment":
            return f"every assessment score at least {o.min_assessment}"
        return field_name

    def exclusions(self, j: int, i: int) -> list[Exclusion]:
        return [
            Exclusion(field_name, self._exclusion_reason(j, i, field_name))
            for field_name, mask in self.constraints[j]
            if not mask[i]
        ]

    def _exclusion_reason(self, j: int, i: int, field_name: str) -> str:
        c, o = self.coordinators[i], self.openings[j]
        name, _, index = field_name.partition("[")
        k = int(index.rstrip("]")) if index else 0
        if name == "status":
            return "not available for placement (profile inactive)"
        if name == "capacity":
            return (
                f"at capacity: {c.placed / 100:.2f} of {c.capacity / 100:.2f} FTE placed; "
                f"the opening needs {o.fte / 100:.2f}"
            )
        if name == "languages":
            need = o.languages[k]
            level = c.languages.get(need.tag)
            spoken = (
                f"speaks {language_name(need.tag)} at {level} level"
                if level
                else (f"does not speak {language_name(need.tag)}")
            )
            return f"{spoken}; {need.min_proficiency} or better required"
        if name == "systems":
            return f"no {system_name(o.systems[k].code)} experience (required)"
        if name == "skills":
            return f"lacks the required skill {skill_name(o.skills[k].code)}"
        if name == "specialties":
            return f"no {specialty_name(o.specialties[k].code)} background (required)"
        if name == "required_certifications":
            code = o.required_certifications[k]
            if code in c.certifications:
                return f"certification {code} expired on {c.certifications[code]}"
            return f"does not hold the required certification {code}"
        if name == "min_hours_overlap_percent":
            share = self.values["hours"][j, i] * 100
            return f"works {share:.0f}% of the client's hours; {o.min_hours_overlap}% required"
        if name == "min_assessment":
            known = [s for s in c.scores if s is not None]
            if not known:
                return f"not assessed yet; every score of at least {o.min_assessment} required"
            return f"lowest assessment score {min(known)} is below {o.min_assessment}"
        return field_name

    # --- explanations -----------------------------------------------------------------

    def explain(self, j: int, i: int) -> Candidate:
        components = []
        for key, weight in self.weights.items():
            applies = bool(self.applies[key][j])
            value = float(self.values[key][j, i]) if applies else None
            share = weight / self.weight_total[j] if applies else 0.0
            components.append(
                Component(
                    key,
                    LABELS[key],
                    value,
                    round(share, 4),
                    round(100 * share * (value or 0.0), 2),
                    self._detail(key, j, i) if applies else "not asked by this opening",
                )
            )
        c = self.coordinators[i]
        return Candidate(
            c.key,
            c.name,
            round(float(self.total[j, i]), 2),
            bool(self.eligible[j, i]),
            tuple(components),
            tuple(self.exclusions(j, i)),
        )

    def _detail(self, key: str, j: int, i: int) -> str:
        c, o = self.coordinators[i], self.openings[j]
        value = self.values[key][j, i]
        if key == "languages":
            parts = []
            for need in sorted(o.languages, key=lambda n: -n.share):
                level = c.languages.get(need.tag)
                parts.append(f"{language_name(need.tag)} {need.share:.0%}: {level or 'not spoken'}")
            return f"covers {value:.0%} of patients' languages ({'; '.join(parts)})"
        if key in ("systems", "skills", "specialties"):
            namer = {"systems": system_name, "skills": skill_name, "specialties": specialty_name}[
                key
            ]
            parts = []
            for need in getattr(o, key):
                tag = "required" if need.required else "nice to have"
                if key == "systems":
                    years = c.systems.get(need.code)
                    have = f"{years} y" if years is not None else "none"
                else:
                    have = "yes" if need.code in getattr(c, key) else "no"
                parts.append(f"{namer(need.code)} ({tag}): {have}")
            return "; ".join(parts)
        if key == "hours":
            return f"works {value:.0%} of the client's hours ({c.time_zone} vs {o.time_zone})"
        if key == "training":
            passed = sum(1 for course in o.required_courses if course in c.passed_courses)
            held = sum(
                1
                for code in o.required_certifications
                if code in c.certifications
                and (c.certifications[code] is None or c.certifications[code] >= self.as_of)  # type: ignore[operator]
            )
            return (
                f"passed {passed} of {len(o.required_courses)} required courses; "
                f"holds {held} of {len(o.required_certifications)} required certifications"
            )
        if key == "assessment":
            if _mean_score(c.scores) is None:
                return f"not assessed yet (counted as {NEUTRAL:.0%})"
            named = zip(("communication", "accuracy", "empathy"), c.scores, strict=True)
            return ", ".join(f"{n} {s if s is not None else 'not assessed'}" for n, s in named)
        if key == "performance":
            if c.performance is None:
                return f"no record in Liaison yet (counted as {NEUTRAL:.0%})"
            return f"performance index {c.performance:.2f} from the last weeks' records"
        if key == "continuity":
            return "placed at this client before" if value else "new to this client"
        if key == "text":
            return f"TF-IDF similarity {value:.2f} between the description and the profile"
        return ""

    def ranked(self, j: int) -> list[int]:
        """Eligible coordinators of opening ``j``, best first (ties: in pool order)."""
        eligible = np.flatnonzero(self.eligible[j])
        order = np.argsort(-self.total[j, eligible], kind="stable")
        return [int(i) for i in eligible[order]]


def build_board(
    coordinators: Sequence[CoordinatorFacts],
    openings: Sequence[OpeningNeeds],
    as_of: date,
    weights: Mapping[str, float] | None = None,
) -> Board:
    return Board(coordinators, openings, as_of, dict(weights or WEIGHTS))
