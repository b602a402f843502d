"""Tables about the running processes: who holds the scheduler, and who is connected."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
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


class InteractionReceipt(SQLModel, table=True):
    """A platform interaction (a button press, a command, a form) already handled, by the
    platform's own identity of its delivery: a retry or a replay of it changes nothing."""

    __tablename__ = "interaction_receipt"
    platform: str = Field(primary_key=True, max_length=16)
    delivery: str = Field(primary_key=True, max_length=200)
    received_at: datetime = Field(sa_column=utc_column())

    __table_args__ = (Index("ix_interaction_receipt_time", "received_at"),)
