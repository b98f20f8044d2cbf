"""The match score, component by component, and the hard constraints. Pure: no database."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liaison.staffing.matching import assignment
from liaison.staffing.matching.rules import (
    WEIGHTS,
    CodeNeed,
    CoordinatorFacts,
    LanguageNeed,
    OpeningNeeds,
    build_board,
)
from tests.staffing.factories import hours

AS_OF = date(2026, 6, 3)  # a Wednesday in EDT


def person(key: str = "c", **kw: object) -> CoordinatorFacts:
    base = CoordinatorFacts(
        key=key,
        name=key,
        active=True,
        languages={"en": "native"},
        systems={},
        skills=frozenset(),
        specialties=frozenset(),
        time_zone="America/New_York",
        working_hours=hours(),
        capacity=100,
        placed=0,
        scores=(80, 80, 80),
        certifications={},
    )
    return replace(base, **kw)  # type: ignore[arg-type]


def opening(**kw: object) -> OpeningNeeds:
    base = OpeningNeeds(
        key="o",
        organization="org",
        title="Coordinator",
        time_zone="America/New_York",
        hours=hours(),
        fte=100,
        languages=(LanguageNeed("en", 1.0),),
    )
    return replace(base, **kw)  # type: ignore[arg-type]


def component(board, key: str, i: int = 0, j: int = 0) -> float | None:  # type: ignore[no-untyped-def]
    found = next(c for c in board.explain(j, i).components if c.key == key)
    return found.value


# --- each component -------------------------------------------------------------------


def test_language_coverage_is_weighted_by_the_patient_population():
    need = opening(
        languages=(LanguageNeed("en", 0.6), LanguageNeed("es", 0.3), LanguageNeed("ht", 0.1))
    )
    spanish = person("es", languages={"en": "native", "es": "native"})
    creole = person("ht", languages={"en": "native", "ht": "native"})
    basic_spanish = person("es-basic", languages={"en": "native", "es": "basic"})
    board = build_board([spanish, creole, basic_spanish], [need], AS_OF)
    assert component(board, "languages", 0) == pytest.approx(0.9)
    assert component(board, "languages", 1) == pytest.approx(0.7)
    # Basic Spanish carries a quarter of those conversations.
    assert component(board, "languages", 2) == pytest.approx(0.6 + 0.3 * 0.25)
    assert board.total[0, 0] > board.total[0, 1] > board.total[0, 2]


def test_systems_experience_counts_required_systems_double_and_grows_with_years():
    need = opening(
        systems=(CodeNeed("epic", required=False), CodeNeed("athenaone", required=False))
    )
    veteran = person("v", systems={"epic": 5})
    newcomer = person("n", systems={"epic": 0})
    both = person("b", systems={"epic": 3, "athenaone": 3})
    board = build_board([veteran, newcomer, both], [need], AS_OF)
    assert component(board, "systems", 0) == pytest.approx(0.5)
    assert component(board, "systems", 1) == pytest.approx(0.3)
    assert component(board, "systems", 2) == pytest.approx(1.0)
    weighted = build_board(
        [veteran], [replace(need, systems=(CodeNeed("epic", True), CodeNeed("athenaone")))], AS_OF
    )
    assert component(weighted, "systems") == pytest.approx(2 / 3)


def test_specialty_and_skills_are_the_share_of_what_the_opening_lists():
    need = opening(
        specialties=(CodeNeed("orthopedics"), CodeNeed("pediatrics")),
        skills=(CodeNeed("scheduling"), CodeNeed("referrals"), CodeNeed("intake")),
    )
    c = person(specialties=frozenset({"orthopedics"}), skills=frozenset({"scheduling", "intake"}))
    board = build_board([c], [need], AS_OF)
    assert component(board, "specialties") == pytest.approx(0.5)
    assert component(board, "skills") == pytest.approx(2 / 3)


def test_hours_overlap_compares_across_time_zones():
    client = opening(hours=hours("09:00", "17:00"), time_zone="America/Chicago")
    chicago = person("chi", time_zone="America/Chicago", working_hours=hours("09:00", "17:00"))
    # 09:00-17:00 Chicago is 10:00-18:00 New York: a 09:00-17:00 New Yorker covers 7 of 8.
    new_york = person("ny", working_hours=hours("09:00", "17:00"))
    # Manila is 13 hours ahead of Chicago in June: 22:00-24:00 + 00:00-06:00 is 09:00-17:00.
    night = {d: [{"start": "22:00", "end": "24:00"}] for d in ("mon", "tue", "wed", "thu", "fri")}
    for d in ("tue", "wed", "thu", "fri", "sat"):
        night.setdefault(d, [])
        night[d] = [{"start": "00:00", "end": "06:00"}, *night[d]]
    manila = person("mnl", time_zone="Asia/Manila", working_hours=night)
    board = build_board([chicago, new_york, manila], [client], AS_OF)
    assert component(board, "hours", 0) == pytest.approx(1.0)
    assert component(board, "hours", 1) == pytest.approx(7 / 8)
    assert component(board, "hours", 2) == pytest.approx(1.0)


def test_training_counts_required_courses_passed_and_certifications_valid():
    need = opening(required_courses=("c1", "c2"), required_certifications=("CHAA",))
    ready = person(
        "r", passed_courses=frozenset({"c1", "c2"}), certifications={"CHAA": date(2027, 1, 1)}
    )
    half = person("h", passed_courses=frozenset({"c1"}), certifications={"CHAA": None})
    board = build_board([ready, half], [need], AS_OF)
    assert component(board, "training", 0) == pytest.approx(1.0)
    assert component(board, "training", 1) == pytest.approx(2 / 3)


def test_assessment_scores_average_and_missing_ones_count_as_average():
    board = build_board(
        [person("a", scores=(90, 70, 80)), person("b", scores=(None, None, None))],
        [opening()],
        AS_OF,
    )
    assert component(board, "assessment", 0) == pytest.approx(0.8)
    assert component(board, "assessment", 1) == pytest.approx(0.5)
    assert "not assessed" in board.explain(0, 1).components[6].detail


def test_performance_record_and_continuity():
    need = opening(organization="harbor")
    good = person("g", performance=0.9, history=frozenset({"harbor"}))
    unknown = person("u", performance=None, history=frozenset({"elsewhere"}))
    board = build_board([good, unknown], [need], AS_OF)
    assert component(board, "performance", 0) == pytest.approx(0.9)
    assert component(board, "performance", 1) == pytest.approx(0.5)
    assert component(board, "continuity", 0) == 1.0
    assert component(board, "continuity", 1) == 0.0


def test_text_similarity_prefers_the_profile_that_talks_about_the_same_work():
    need = opening(
        text="Workers compensation orthopedics intake, MRI scheduling and prior authorization"
    )
    close = person(
        "close", text="Orthopedic intake coordinator: MRI scheduling, workers compensation claims"
    )
    far = person("far", text="Pediatric well-child visits and vaccine reminders")
    board = build_board([close, far], [need], AS_OF)
    assert component(board, "text", 0) > 0.2
    assert component(board, "text", 1) == pytest.approx(0.0)


def test_components_that_do_not_apply_carry_no_weight_and_points_add_up_to_the_score():
    board = build_board([person(systems={"epic": 2})], [opening()], AS_OF)
    candidate = board.explain(0, 0)
    systems = next(c for c in candidate.components if c.key == "systems")
    assert (
        systems.value is None
        and systems.weight == 0
        and systems.detail == "not asked by this opening"
    )
    assert sum(c.points for c in candidate.components) == pytest.approx(candidate.score, abs=0.05)
    assert sum(c.weight for c in candidate.components) == pytest.approx(1.0, abs=1e-3)


# --- hard constraints -------------------------------------------------------------------


def test_each_hard_constraint_excludes_with_its_reason():
    need = opening(
        fte=50,
        languages=(LanguageNeed("en", 0.8), LanguageNeed("vi", 0.2, True, "professional")),
        systems=(CodeNeed("epic", True),),
        skills=(CodeNeed("referrals", True),),
        specialties=(CodeNeed("orthopedics", True),),
        required_certifications=("CHAA",),
        min_hours_overlap=75,
        min_assessment=70,
    )
    ideal = person(
        "ideal",
        languages={"en": "native", "vi": "native"},
        systems={"epic": 1},
        skills=frozenset({"referrals"}),
        specialties=frozenset({"orthopedics"}),
        certifications={"CHAA": date(2027, 1, 1)},
    )
    cases = {
        "status": (replace(ideal, key="inactive", active=False), "inactive"),
        "capacity": (replace(ideal, key="full", placed=60), "at capacity: 0.60 of 1.00 FTE placed"),
        "languages[1]": (
            replace(ideal, key="vi-basic", languages={"en": "native", "vi": "conversational"}),
            "speaks Vietnamese at conversational level; professional or better required",
        ),
        "systems[0]": (replace(ideal, key="no-epic", systems={}), "no Epic experience (required)"),
        "skills[0]": (
            replace(ideal, key="no-ref", skills=frozenset()),
            "lacks the required skill Referrals",
        ),
        "specialties[0]": (
            replace(ideal, key="no-ortho", specialties=frozenset()),
            "no Orthopedics background",
        ),
        "required_certifications[0]": (
            replace(ideal, key="expired", certifications={"CHAA": date(2026, 5, 31)}),
            "certification CHAA expired on 2026-05-31",
        ),
        "min_hours_overlap_percent": (
            replace(ideal, key="part", working_hours=hours("09:00", "13:00")),
            "works 50% of the client's hours; 75% required",
        ),
        "min_assessment": (
            replace(ideal, key="low", scores=(90, 65, 90)),
            "lowest assessment score 65 is below 70",
        ),
    }
    pool = [ideal] + [c for c, _ in cases.values()]
    board = build_board(pool, [need], AS_OF)
    assert board.eligible[0, 0]
    for i, (field_name, (_, reason)) in enumerate(cases.items(), start=1):
        candidate = board.explain(0, i)
        assert not candidate.eligible, field_name
        assert [e.field for e in candidate.exclusions] == [field_name]
        assert reason in candidate.exclusions[0].reason
    assert board.ranked(0) == [0]


def test_a_certification_valid_through_today_still_counts():
    need = opening(required_certifications=("CHAA",))
    board = build_board([person(certifications={"CHAA": AS_OF})], [need], AS_OF)
    assert board.eligible[0, 0]


def test_contradictory_constraints_name_the_one_that_empties_the_pool():
    pool = [
        person("a", languages={"en": "native", "tl": "native"}, systems={"athenaone": 2}),
        person("b", languages={"en": "native", "tl": "professional"}, systems={"nextgen": 1}),
        person("c", systems={"meditech": 4}),
    ]
    need = opening(
        languages=(LanguageNeed("en", 0.9), LanguageNeed("tl", 0.1, True)),
        systems=(CodeNeed("meditech", True),),
    )
    empty = build_board(pool, [need], AS_OF).empty_pool(0)
    assert empty is not None
    assert empty.field == "systems[0]"
    assert (empty.remaining_before, empty.satisfying_alone) == (2, 1)
    assert (
        "MEDITECH Expanse experience" in empty.message and "2 remained before it" in empty.message
    )

    alone = build_board(
        pool,
        [opening(languages=(LanguageNeed("en", 1.0), LanguageNeed("ko", 0.0001, True)))],
        AS_OF,
    )
    assert alone.empty_pool(0).field == "languages[1]"  # type: ignore[union-attr]
    assert "no active coordinator meets it" in alone.empty_pool(0).message  # type: ignore[union-attr]
    # Capacity is not a contradiction: everyone being busy changes next week.
    busy = [replace(p, placed=100) for p in pool]
    assert build_board(busy, [opening()], AS_OF).empty_pool(0) is None
    # Nobody at all: nothing to contradict.
    assert build_board([], [need], AS_OF).empty_pool(0) is None


# --- assignment ---------------------------------------------------------------------------


def test_optimal_assignment_beats_greedy_when_the_first_opening_takes_the_only_fit_for_the_second():
    # Opening 0 slightly prefers Ana; opening 1 can only use Ana (Spanish required).
    ana = person("ana", languages={"en": "native", "es": "native"}, systems={"epic": 3})
    ben = person("ben", systems={"epic": 3})
    first = opening(key="o0", languages=(LanguageNeed("en", 0.9), LanguageNeed("es", 0.1)))
    second = opening(key="o1", languages=(LanguageNeed("en", 0.5), LanguageNeed("es", 0.5, True)))
    board = build_board([ana, ben], [first, second], AS_OF)
    greedy = assignment.greedy(board)
    optimal = assignment.optimal(board)
    assert [(p.opening, p.coordinator) for p in greedy.picks] == [(0, 0)]
    assert sorted((p.opening, p.coordinator) for p in optimal.picks) == [(0, 1), (1, 0)]
    assert optimal.filled == 2 > greedy.filled
    assert optimal.total > greedy.total


def test_headcount_expands_an_opening_into_seats_and_one_person_takes_one_seat():
    pool = [person(str(i)) for i in range(3)]
    board = build_board(pool, [opening(headcount=2), opening(key="o2")], AS_OF)
    plan = assignment.optimal(board)
    assert plan.seats == 3 and plan.filled == 3
    assert len({p.coordinator for p in plan.picks}) == 3


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["basic", "conversational", "professional", "native"]),
            st.integers(0, 6),
            st.integers(0, 100),
            st.integers(7, 12),
        ),
        min_size=1,
        max_size=12,
    ),
    st.integers(1, 4),
)
def test_optimal_total_is_never_below_greedy_and_only_eligible_pairs_are_picked(people, openings):
    pool = [
        person(
            str(i),
            languages={"en": "native", "es": level},
            systems={"epic": years},
            scores=(score, score, score),
            working_hours=hours(f"{start:02d}:00", f"{start + 8:02d}:00"),
        )
        for i, (level, years, score, start) in enumerate(people)
    ]
    needs = [
        opening(
            key=f"o{j}",
            languages=(LanguageNeed("en", 0.7), LanguageNeed("es", 0.3, j % 2 == 0)),
            systems=(CodeNeed("epic", j % 3 == 0),),
            min_hours_overlap=50,
        )
        for j in range(openings)
    ]
    board = build_board(pool, needs, AS_OF)
    optimal, greedy = assignment.optimal(board), assignment.greedy(board)
    assert optimal.filled >= greedy.filled
    if optimal.filled == greedy.filled:
        assert optimal.total >= greedy.total - 1e-6
    assert all(board.eligible[p.opening, p.coordinator] for p in optimal.picks)
    # The vectorised total is the sum of each explained component's points.
    for j in range(len(needs)):
        for i in range(len(pool)):
            assert sum(c.points for c in board.explain(j, i).components) == pytest.approx(
                board.total[j, i], abs=0.06
            )


def test_weights_sum_to_one_and_scores_stay_within_0_and_100():
    assert sum(WEIGHTS.values()) == pytest.approx(1.0)
    board = build_board([person(), person("x", languages={"fr": "basic"})], [opening()], AS_OF)
    assert np.all((board.total >= 0) & (board.total <= 100))
