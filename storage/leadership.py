"""Which process runs the scheduler when several share one database.

On PostgreSQL the leader holds a session-level advisory lock on a connection of its own:
if the process dies, its connection closes, the lock is released, and the next process to
try takes it over. On SQLite (one machine) the leader holds a lease in `scheduler_leader`
that it renews; a lease not renewed for `takeover` is free. Either way the holder is
written to `scheduler_leader` so `cercle status` can say who it is. `run_due` claims each
job atomically anyway, so even two leaders could never run the same job twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.db import Database
from storage.dialect import insert_ignore
from storage.models.runtime import ProcessStatus, SchedulerLeader

# An arbitrary constant naming Cercle's scheduler lock among the database's advisory locks.
ADVISORY_KEY = 0x43657263  # "Cerc"


class Leadership:
    def __init__(self, db: Database, holder: str, takeover: timedelta) -> None:
        self.db = db
        self.holder = holder
        self.takeover = takeover
        self._lock_connection: AsyncConnection | None = None

    @property
    def uses_advisory_lock(self) -> bool:
        return self.db.dialect == "postgresql"

    async def try_lead(self, now: datetime) -> bool:
        """Become (or stay) the leader if nobody else is; True while this process leads."""
        if self.uses_advisory_lock:
            if self._lock_connection is None:
                connection = await self.db.engine.connect()
                got = await connection.scalar(
                    text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_KEY}
                )
                await connection.commit()
                if not got:
                    await connection.close()
                    return False
                self._lock_connection = connection
            await self._record(now, force=True)
            return True
        return await self._record(now, force=False)

    async def _record(self, now: datetime, force: bool) -> bool:
        """Write this process as the leader: always under the advisory lock, otherwise only
        when the lease is ours or has expired."""
        async with self.db.transaction() as session:
            await session.execute(
                insert_ignore(session, SchedulerLeader.__table__, ["id"]).values(
                    id=1, holder=self.holder, since=now, heartbeat=now
                )
            )
            row = await session.get(SchedulerLeader, 1)
            assert row is not None
            mine = row.holder == self.holder
            if not (force or mine or row.heartbeat < now - self.takeover):
                return False
            result = await session.execute(
                update(SchedulerLeader)
                .where(SchedulerLeader.id == 1, SchedulerLeader.heartbeat == row.heartbeat)
                .values(holder=self.holder, heartbeat=now, since=row.since if mine else now)
            )
            return bool(result.rowcount)

    async def resign(self) -> None:
        if self._lock_connection is not None:
            # Closing the physical connection (not returning it to the pool) is what
            # releases a session-level advisory lock, as a dying process would.
            await self._lock_connection.invalidate()
            await self._lock_connection.close()
            self._lock_connection = None


async def leader(db: Database) -> SchedulerLeader | None:
    async with db.transaction() as session:
        return await session.get(SchedulerLeader, 1)


async def report_process(
    db: Database, name: str, adapters: str, now: datetime, started_at: datetime
) -> None:
    async with db.transaction() as session:
        row = await session.get(ProcessStatus, name)
        if row is None:
            session.add(
                ProcessStatus(name=name, adapters=adapters, started_at=started_at, heartbeat=now)
            )
        else:
            row.adapters, row.heartbeat = adapters, now


async def processes(db: Database, seen_since: datetime) -> list[ProcessStatus]:
    async with db.transaction() as session:
        rows = await session.scalars(
            select(ProcessStatus)
            .where(ProcessStatus.heartbeat >= seen_since)
            .order_by(ProcessStatus.name)
        )
        return list(rows)
