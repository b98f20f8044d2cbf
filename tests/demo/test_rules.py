"""The demo's pure generators: identifiers and calendars that must be valid, not just look it."""

from __future__ import annotations

import random
import re
from datetime import date

import phonenumbers
import pytest

from liaison.demo import people
from liaison.demo.calendar import federal_holidays
from liaison.demo.catalog import ORGANIZATIONS
from liaison.demo.ids import DemoIds
from liaison.kit.validation import normalize_phone, npi_is_valid


def test_generated_npis_pass_the_cms_check_digit():
    rng = random.Random(1)
    npis = [people.npi(rng) for _ in range(2000)]
    assert all(npi_is_valid(n) for n in npis)
    assert all(n[0] in "12" for n in npis)
    # A wrong last digit must fail, or the check above proves nothing.
    assert not npi_is_valid(npis[0][:-1] + str((int(npis[0][-1]) + 1) % 10))


@pytest.mark.parametrize("spec", ORGANIZATIONS, ids=lambda s: s.key)
def test_phone_numbers_are_valid_for_every_area_code_of_the_region(spec):
    rng = random.Random(2)
    for city in spec.cities:
        for _ in range(50):
            number = people.phone(rng, city.area_codes)
            assert normalize_phone(number) == number
            assert phonenumbers.region_code_for_number(phonenumbers.parse(number)) == "US"
            exchange = number[5:8]
            assert exchange != "555" and not exchange.endswith("11")


def test_medicare_ids_follow_the_cms_pattern():
    rng = random.Random(3)
    pattern = re.compile(
        r"^[1-9][AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y0-9]\d[AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y0-9]\d"
        r"[AC-HJKMNP-RT-Y]{2}\d\d$"
    )
    assert all(pattern.match(people.medicare_id(rng)) for _ in range(500))


@pytest.mark.parametrize("origin", ["en", "es", "pt", "vi", "zh", "ht", "in"])
def test_every_name_tradition_gives_searchable_ascii_keys(origin):
    rng = random.Random(4)
    for _ in range(300):
        name = people.person_name(rng, origin, rng.random() < 0.5)
        assert people.cached_key(name.given) and people.cached_key(name.family)
        assert "  " not in name.given + name.family


def test_birth_dates_give_the_requested_age():
    rng = random.Random(5)
    as_of = date(2026, 3, 2)
    for low, high in [(0, 1), (12, 18), (65, 80)]:
        for _ in range(200):
            assert low <= people.age_on(people.birth_date(rng, as_of, low, high), as_of) < high


def test_federal_holidays_move_to_the_observed_weekday():
    days_2026 = dict(federal_holidays(2026))
    assert days_2026[date(2026, 7, 3)] == "Independence Day (observed)"  # 4 July is a Saturday
    assert days_2026[date(2026, 11, 26)] == "Thanksgiving Day"
    assert days_2026[date(2026, 1, 19)] == "Birthday of Martin Luther King, Jr."
    assert len(days_2026) == 11
    days_2027 = dict(federal_holidays(2027))
    assert days_2027[date(2027, 7, 5)] == "Independence Day (observed)"  # a Sunday
    assert days_2027[date(2027, 12, 24)] == "Christmas Day (observed)"
    # 1 January 2028 is a Saturday: the office closes on 31 December 2027.
    assert days_2027[date(2027, 12, 31)] == "New Year's Day (observed)"
    assert len(days_2027) == 12
    assert all(d.weekday() < 5 for d in [*days_2026, *days_2027])


def test_demo_ids_are_uuid7_deterministic_and_time_ordered():
    from datetime import UTC, datetime

    at = datetime(2026, 1, 5, tzinfo=UTC)
    first = [DemoIds(9, "x").at(at) for _ in range(2)]
    assert first[0] == first[1]
    ids = DemoIds(9, "x")
    sequence = [ids.at(at) for _ in range(100)]
    assert sequence == sorted(sequence) and len(set(sequence)) == 100
    assert {u.version for u in sequence} == {7}
    assert DemoIds(10, "x").at(at) != first[0]
