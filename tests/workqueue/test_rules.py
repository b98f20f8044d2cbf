"""The queue's pure rules: the status model, targets, and routing's fairness and
continuity."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from liaison.workqueue import rules
from liaison.workqueue.rules import Candidate, Rule, Work

T0 = datetime(2026, 12, 1, 14, tzinfo=UTC)


def ids(n):
    return [uuid.UUID(int=i + 1) for i in range(n)]


# --- Status model ---------------------------------------------------------------------


@pytest.mark.parametrize("final", ["completed", "cancelled", "failed"])
def test_final_statuses_do_not_move(final):
    for target in rules.TRANSITIONS:
        if target != final:
            assert rules.transition_problem(final, target) is not None


def test_completing_a_cancelled_task_names_why():
    assert "cancelled" in rules.transition_problem("cancelled", "completed")


def test_open_statuses_reach_completion():
    for status in ("requested", "accepted", "in-progress", "on-hold"):
        assert rules.transition_problem(status, "completed") is None


def test_unknown_status_is_refused():
    assert "not a task status" in rules.transition_problem("requested", "done")


def test_escalation_raises_priority_one_step_and_stops_at_stat():
    assert [rules.escalated_priority(p) for p in ("routine", "urgent", "asap", "stat")] == [
        "urgent",
        "asap",
        "stat",
        "stat",
    ]


def test_targets_shrink_with_priority_and_follow_the_policy():
    policy = rules.Targets(60, 960, 75)
    assert rules.targets_for("inquiry", "routine", policy) == policy
    assert rules.targets_for("inquiry", "urgent", policy) == rules.Targets(30, 480, 75)
    default = rules.targets_for("inquiry", "routine", None)
    assert default.first_response_minutes == 60
    assert rules.targets_for("made-up-type", "routine", None) == rules.FALLBACK_TARGETS


# --- Rules ----------------------------------------------------------------------------


def test_first_matching_rule_by_position_wins():
    spanish, general = ids(2)
    team_es, team_all = ids(2)
    found = rules.matching_rule(
        [
            Rule(general, 100, None, None, None, team_all, None),
            Rule(spanish, 10, "inquiry", None, "es", team_es, None),
        ],
        Work("inquiry", "scheduling", "es-MX", None),
    )
    assert found is not None and found.team_id == team_es
    english = rules.matching_rule(
        [
            Rule(general, 100, None, None, None, team_all, None),
            Rule(spanish, 10, "inquiry", None, "es", team_es, None),
        ],
        Work("inquiry", "scheduling", "en", None),
    )
    assert english is not None and english.team_id == team_all


# --- Routing --------------------------------------------------------------------------


def test_work_spreads_evenly_over_a_day():
    people = ids(4)
    load = Counter({p: 0 for p in people})
    last: dict[uuid.UUID, datetime] = {}
    for i in range(400):
        routed = rules.route(
            Work("general", None, None, None),
            [Candidate(p, open_tasks=load[p], last_assigned_at=last.get(p)) for p in people],
            max_open_tasks=1000,
        )
        assert routed.user_id is not None
        load[routed.user_id] += 1
        last[routed.user_id] = T0 + timedelta(minutes=i)
    assert set(load.values()) == {100}


def test_a_tie_goes_to_whoever_waited_longest():
    a, b = ids(2)
    routed = rules.route(
        Work("general", None, None, None),
        [
            Candidate(a, open_tasks=2, last_assigned_at=T0),
            Candidate(b, open_tasks=2, last_assigned_at=T0 - timedelta(hours=1)),
        ],
    )
    assert routed.user_id == b


def test_part_time_coordinators_carry_their_share():
    full, half = ids(2)
    routed = rules.route(
        Work("general", None, None, None),
        [Candidate(full, open_tasks=6), Candidate(half, open_tasks=4, capacity_percent=50)],
    )
    assert routed.user_id == full  # 4 tasks at half time weigh like 8


def test_continuity_keeps_the_patient_with_their_coordinator():
    keeper, idle = ids(2)
    routed = rules.route(
        Work("inquiry", None, None, None),
        [Candidate(keeper, open_tasks=5), Candidate(idle, open_tasks=3)],
        continuity_user_id=keeper,
    )
    assert routed.user_id == keeper
    assert "already works with this patient" in routed.reason


def test_continuity_yields_when_the_keeper_is_swamped():
    keeper, idle = ids(2)
    routed = rules.route(
        Work("inquiry", None, None, None),
        [Candidate(keeper, open_tasks=30), Candidate(idle, open_tasks=2)],
        continuity_user_id=keeper,
    )
    assert routed.user_id == idle


def test_language_prefers_a_speaker_and_says_so_when_none():
    en, es = ids(2)
    people = [
        Candidate(en, languages=frozenset({"en"}), open_tasks=0),
        Candidate(es, languages=frozenset({"en", "es"}), open_tasks=9),
    ]
    routed = rules.route(Work("inquiry", None, "es", None), people)
    assert routed.user_id == es and "speaks es" in routed.reason
    nobody = rules.route(Work("inquiry", None, "vi", None), people)
    assert nobody.user_id == en and "nobody available speaks vi" in nobody.reason


def test_skill_and_team_narrow_the_pool():
    billing, other = ids(2)
    team = uuid.uuid4()
    people = [
        Candidate(billing, skills=frozenset({"billing"}), teams=frozenset({team}), open_tasks=9),
        Candidate(other, open_tasks=0),
    ]
    assert rules.route(Work("general", None, None, "billing"), people).user_id == billing
    assert rules.route(Work("general", None, None, None), people, team_id=team).user_id == billing
    none = rules.route(Work("general", None, None, "coding"), people)
    assert none.user_id is None and "coding" in none.reason


def test_nobody_under_the_limit_leaves_the_task_for_the_team():
    (a,) = ids(1)
    routed = rules.route(Work("general", None, None, None), [Candidate(a, open_tasks=40)])
    assert routed.user_id is None and "workload limit" in routed.reason
