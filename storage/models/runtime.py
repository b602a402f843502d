"""Tables about the running processes: who holds the scheduler, and who is connected."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from storage.types import utc_column


class SchedulerLeader(SQLModel, table=True):
    """The one process that runs the scheduler (a single row), and its last sign of life."""

    __tablename__ = "scheduler_leader"
    id: int = Field(default=1, primary_key=True)
    holder: str = Field(max_length=100)
    since: datetime = Field(sa_column=utc_column())
    heartbeat: datetime = Field(sa_column=utc_column())


class ProcessStatus(SQLModel, table=True):
    """A `cercle run` process: the adapters it has connected, and when it was last seen."""

    __tablename__ = "process_status"
    name: str = Field(primary_key=True, max_length=100)
    adapters: str = Field(default="", max_length=200)
    started_at: datetime = Field(sa_column=utc_column())
    heartbeat: datetime = Field(sa_column=utc_column())
