"""The databases the tests run on: a SQLite file, and a real PostgreSQL server that the
test session starts itself (the `pgserver` wheel bundles PostgreSQL), so that `make test`
proves every storage behaviour on both backends with nothing installed by hand.

Each test gets a fresh database copied from a template that was migrated once: a file
copy for SQLite, `CREATE DATABASE ... TEMPLATE` for PostgreSQL.
"""

from __future__ import annotations

import asyncio
import itertools
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from storage.db import Database

BACKENDS = ("sqlite", "postgresql")


def run_async(coroutine: Any) -> Any:
    """Run a coroutine to completion on a loop of its own, whatever loop is running here."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


async def _upgrade(url: str) -> None:
    database = Database(url)
    try:
        await database.upgrade()
    finally:
        await database.dispose()


class SqliteFiles:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.template = directory / "template.db"
        run_async(_upgrade(self.url(self.template)))
        self._names = itertools.count()

    @staticmethod
    def url(path: Path) -> str:
        return f"sqlite+aiosqlite:///{path}"

    def new_url(self, migrated: bool = True) -> str:
        target = self.directory / f"test{next(self._names)}.db"
        if migrated:
            for suffix in ("", "-wal", "-shm"):
                source = Path(str(self.template) + suffix)
                if source.exists():
                    shutil.copyfile(source, Path(str(target) + suffix))
        return self.url(target)


class PostgresCluster:
    """A throwaway PostgreSQL server for the test session."""

    def __init__(self, directory: Path) -> None:
        import pgserver

        self.server = pgserver.get_server(str(directory), cleanup_mode="stop")
        uri = self.server.get_uri()  # postgresql://postgres:@/postgres?host=...
        self._base = uri.replace("postgresql://", "postgresql+asyncpg://", 1)
        self._names = itertools.count()
        self.server.psql("DROP DATABASE IF EXISTS cercle_template;")
        self.server.psql("CREATE DATABASE cercle_template;")
        run_async(_upgrade(self.url("cercle_template")))

    def url(self, name: str) -> str:
        return self._base.replace("/postgres?", f"/{name}?", 1)

    def new_url(self, migrated: bool = True) -> str:
        name = f"test_{next(self._names)}"
        self.server.psql(f"DROP DATABASE IF EXISTS {name};")
        template = " TEMPLATE cercle_template" if migrated else ""
        self.server.psql(f"CREATE DATABASE {name}{template};")
        return self.url(name)

    def stop(self) -> None:
        self.server.cleanup()
