"""Test harness: one migrated database per run (SQLite or PostgreSQL), emptied after
every test, and factories to build data.

``LIAISON_TEST_DATABASE_URL`` selects PostgreSQL; without it the suite runs on a SQLite
file. Tests commit for real (the unit of work is part of what is tested), so the
database is emptied after each test rather than rolled back.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from liaison.app import create_app
from liaison.config import Settings
from liaison.kit import clock, migrate
from liaison.models import Base
from liaison.runtime import Runtime

pytest_plugins = ["tests.fixtures.factories"]


def _test_settings(url: str, tmp: Path) -> Settings:
    return Settings(
        env="test",
        database_url=url,
        secret_key="test-secret-key-that-is-long-enough-0123456789",  # type: ignore[arg-type]
        secret_key_file=tmp / "secret",
        argon2_time_cost=1,
        argon2_memory_kib=1024,
        argon2_parallelism=1,
        log_json=True,
        log_level="WARNING",
        db_lock_timeout_seconds=30,
    )


def _reset_postgres(url: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
        conn.execute("CREATE SCHEMA public")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("LIAISON_TEST_DATABASE_URL")
    if url:
        _reset_postgres(url)
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'liaison-test.db'}"


@pytest.fixture(scope="session")
def settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return _test_settings(database_url, tmp_path_factory.mktemp("cfg"))


@pytest.fixture(scope="session")
def runtime(settings: Settings) -> Iterator[Runtime]:
    runtime = Runtime.from_settings(settings)
    if os.environ.get("LIAISON_TEST_SCHEMA") == "metadata":
        # Developer shortcut while a migration is being written: the schema straight
        # from the models. CI never sets it (tests/test_migrations.py would fail).
        Base.metadata.create_all(runtime.db.engine)
    else:
        migrate.upgrade(runtime.db.engine)
    yield runtime
    runtime.db.dispose()


@pytest.fixture(scope="session")
def app(settings: Settings, runtime: Runtime):  # type: ignore[no-untyped-def]
    return create_app(settings, runtime)


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def _empty(runtime: Runtime) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    # DELETE rather than TRUNCATE: for the handful of rows a test writes it is several
    # times faster on PostgreSQL (TRUNCATE rewrites each table's files).
    with runtime.db.engine.begin() as conn:
        for table in tables:
            conn.execute(text(f'DELETE FROM "{table}"'))


@pytest.fixture(autouse=True)
def _clean_database(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    clock.reset()
    if "runtime" in request.fixturenames:
        _empty(request.getfixturevalue("runtime"))
