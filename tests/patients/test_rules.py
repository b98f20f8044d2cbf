"""Pure registry rules: reading the search box and judging duplicates."""

from __future__ import annotations

from datetime import date

import pytest

from liaison.patients.rules import Criteria, Person, duplicate_reasons, name_splits, parse_query


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("garcia", Criteria(name_tokens=("garcia",))),
        ("García, María", Criteria(name_tokens=("garcia", "maria"))),
        (
            "maria garcia 1984-03-02",
            Criteria(name_tokens=("maria", "garcia"), birth_date=date(1984, 3, 2)),
        ),
        ("3/2/1984", Criteria(birth_date=date(1984, 3, 2))),
        ("(617) 253-1000", Criteria(phone_digits="6172531000")),
        ("MRN-10023", Criteria(mrn="MRN-10023")),
        ("   ", Criteria()),
    ],
)
def test_parse_query(q, expected):
    assert parse_query(q) == expected


def test_an_impossible_date_is_not_a_birth_date():
    assert parse_query("2026-02-30").birth_date is None


def test_name_splits_try_both_orders():
    assert name_splits(("maria", "garcia")) == [("maria", "garcia"), ("garcia", "maria")]
    assert ("maria", "de la cruz") in name_splits(("maria", "de", "la", "cruz"))
    assert name_splits(("li",)) == [("li", None), (None, "li")]


BORN = date(1984, 3, 2)


@pytest.mark.parametrize(
    ("a", "b", "reason"),
    [
        (
            Person("Maria", "Garcia", BORN),
            Person("María", "García", BORN),
            "similar name and the same birth date",
        ),
        (
            Person("Jon", "Smith", BORN),
            Person("John", "Smith", BORN),
            "similar name and the same birth date",
        ),
        (
            Person("Maria", "Garcia", BORN),
            Person("Garcia", "Maria", BORN),
            "similar name and the same birth date",
        ),
        (
            Person("Katherine", "Thompson", BORN),
            Person("Kathy", "Tomson", BORN),
            "name sounds alike and the same birth date",
        ),
        (
            Person("Ann", "Lee", BORN, frozenset({"+16175550100"})),
            Person("Bob", "Stone", date(1950, 1, 1), frozenset({"+16175550100"})),
            "the same phone number",
        ),
    ],
)
def test_likely_duplicates(a, b, reason):
    assert reason in duplicate_reasons(a, b)[1]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (Person("Maria", "Garcia", BORN), Person("Maria", "Garcia", date(1984, 3, 3))),
        (Person("Maria", "Garcia", BORN), Person("Thomas", "Nguyen", BORN)),
    ],
)
def test_not_duplicates(a, b):
    assert duplicate_reasons(a, b)[1] == []
