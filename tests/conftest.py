"""Shared fixtures: a real Cercle core on a fresh database (SQLite, and PostgreSQL with
`--backend all`), and a console attached to it."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from backends import BACKENDS, PostgresCluster, SqliteFiles
from transcript import Transcript

from adapters.console.session import ConsoleSession
from bot.clock import ManualClock
from bot.config import Settings
from bot.core import Cercle
from storage.db import Database

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)  # a Monday


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--backend",
        choices=("sqlite", "postgresql", "all"),
        default=os.environ.get("CERCLE_TEST_BACKEND", "all"),
        help="which databases the storage tests run on (default: all; CI always runs all)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "backends(*names): run only on these databases (adapter tests whose subject is the "
        "platform, not the storage, run on SQLite alone)",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        chosen = metafunc.config.getoption("backend")
        wanted = BACKENDS if chosen == "all" else (chosen,)
        marker = metafunc.definition.get_closest_marker("backends")
        if marker is not None:
            wanted = tuple(name for name in wanted if name in marker.args)
        metafunc.parametrize("backend", wanted)


@pytest.fixture(autouse=True)
def root_logger_as_it_was() -> Iterator[None]:
    """`cercle` run in-process logs to the standard error of its moment, which pytest
    closes after the test: its handler must not outlive the test that installed it."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    cercle_level = logging.getLogger("cercle").level
    yield
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
    for handler in handlers:
        if handler not in root.handlers:
            root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger("cercle").setLevel(cercle_level)


@pytest.fixture(scope="session")
def sqlite_files(tmp_path_factory: pytest.TempPathFactory) -> SqliteFiles:
    return SqliteFiles(tmp_path_factory.mktemp("sqlite"))


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresCluster]:
    # Not under pytest's own temporary directory: pytest makes that private to the user
    # again whenever a session starts, which would lock the server (run by its own user
    # when the tests run as root) out of its data.
    directory = Path(tempfile.mkdtemp(prefix="cercle-test-pg-"))
    cluster = PostgresCluster(directory)
    yield cluster
    cluster.stop()
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def database_url(request: pytest.FixtureRequest, backend: str) -> Callable[..., str]:
    """`database_url()`: the URL of a fresh database at the newest schema on this test's
    backend (`database_url(migrated=False)` for an empty one)."""
    source = request.getfixturevalue("postgres" if backend == "postgresql" else "sqlite_files")
    return source.new_url


@pytest.fixture
def settings() -> Settings:
    return Settings()


@pytest.fixture
async def db(database_url: Callable[..., str]) -> AsyncIterator[Database]:
    database = Database(database_url())
    yield database
    await database.dispose()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def core(db: Database, settings: Settings, clock: ManualClock) -> Cercle:
    return Cercle(db, settings, clock)


@pytest.fixture
async def console(core: Cercle) -> Transcript:
    session = ConsoleSession(core, "test")
    await session.start(START)
    return Transcript(session)
