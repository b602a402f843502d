"""Column types shared by every table.

`UTCDateTime` stores aware UTC datetimes on both backends: PostgreSQL keeps them as
`timestamptz`; SQLite has no time zones, so values are written as naive UTC and come back
aware. The rest of Cercle only ever sees aware datetimes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, Column, DateTime, Integer
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


def utc_column(nullable: bool = False) -> Column:  # type: ignore[type-arg]
    """A column of aware UTC datetimes, for a sqlmodel field's `sa_column`."""
    return Column(UTCDateTime(), nullable=nullable)


def move_id_column() -> Column:  # type: ignore[type-arg]
    """The id of an appended move (`board_move` and the like): a rowid on SQLite (whose
    triggers count directly and never write these tables), 64 bits on PostgreSQL."""
    return Column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )


class UTCDateTime(TypeDecorator[datetime]):
    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
