"""The domain-free kit: time-safe columns, ids, text keys, field validation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from liaison.kit import clock
from liaison.kit.ids import uuid7
from liaison.kit.text import prefix_upper_bound, search_key
from liaison.kit.validation import normalize_phone, npi_is_valid
from liaison.models import Organization


def test_instants_round_trip_in_utc_on_both_engines(api, runtime):
    org = api.organization()
    with runtime.db.session() as session:
        row = session.get(Organization, org.id)
        row.created_at = datetime(2026, 3, 8, 1, 30, tzinfo=timezone(timedelta(hours=-5)))
    with runtime.db.session() as session:
        stored = session.scalar(select(Organization.created_at).where(Organization.id == org.id))
    assert stored == datetime(2026, 3, 8, 6, 30, tzinfo=UTC)
    assert stored.tzinfo is not None


def test_naive_datetimes_are_refused(api, runtime):
    org = api.organization()
    with pytest.raises(Exception, match="naive"), runtime.db.session() as session:
        session.get(Organization, org.id).created_at = datetime(2026, 1, 1)
        session.flush()


def test_uuid7_is_version_7_and_time_ordered():
    first = uuid7()
    clock_later = [uuid7() for _ in range(3)]
    assert first.version == 7
    import time

    time.sleep(0.002)
    assert uuid7() > first and all(u.version == 7 for u in clock_later)


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("O'Brien", "obrien"),
        ("Núñez-García", "nunez garcia"),
        ("  VAN  der Berg ", "van der berg"),
        ("Nguyễn", "nguyen"),
        ("李", ""),
    ],
)
def test_search_key(raw, key):
    assert search_key(raw) == key


@given(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz ", min_size=1, max_size=12),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz", max_size=5),
)
def test_prefix_range_contains_exactly_the_strings_with_the_prefix(prefix, tail):
    upper = prefix_upper_bound(prefix)
    assert prefix <= prefix + tail < upper


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("(617) 253-1000", "+16172531000"),
        ("+44 20 7946 0958", "+442079460958"),
        ("617.253.1000", "+16172531000"),
    ],
)
def test_phone_numbers_are_stored_in_e164(raw, e164):
    assert normalize_phone(raw) == e164


@pytest.mark.parametrize("raw", ["12", "555-0100", "+1 000 000 0000", "call me"])
def test_invalid_phone_numbers_are_refused(raw):
    with pytest.raises(ValueError):
        normalize_phone(raw)


def test_npi_check_digit():
    assert npi_is_valid("1234567893")  # CMS's published example
    assert not npi_is_valid("1234567890")
    assert not npi_is_valid("123456789")


def test_clock_can_be_frozen_and_advanced():
    at = datetime(2026, 11, 1, 5, 59, tzinfo=UTC)
    with clock.frozen_at(at):
        assert clock.now() == at
        clock.advance(timedelta(minutes=2))
        assert clock.now() == at + timedelta(minutes=2)
    assert clock.now() != at
