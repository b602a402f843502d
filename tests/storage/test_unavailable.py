"""Which database errors mean "the database did not answer, try again later" (the intake
keeps the events and retries) rather than "this event is wrong" (it is logged and
dropped): PostgreSQL restarting reaches SQLAlchemy through asyncpg in several shapes."""

from __future__ import annotations

import asyncpg
import pytest
from sqlalchemy.dialects.postgresql.asyncpg import AsyncAdapt_asyncpg_dbapi
from sqlalchemy.exc import DBAPIError, IntegrityError

from storage.db import unavailable


def as_sqlalchemy_raises_it(driver_error: Exception) -> DBAPIError:
    """What SQLAlchemy's asyncpg dialect raises for `driver_error`: its adapter's Error
    (which carries the SQLSTATE), wrapped in a plain DBAPIError."""
    adapted = AsyncAdapt_asyncpg_dbapi.Error(str(driver_error), driver_error)
    return DBAPIError("SELECT 1", {}, adapted)


@pytest.mark.parametrize(
    "driver_error",
    [
        asyncpg.exceptions.CannotConnectNowError("the database system is starting up"),
        asyncpg.exceptions.AdminShutdownError("terminating connection due to administrator"),
        asyncpg.exceptions.ConnectionFailureError("connection failure"),
    ],
)
def test_a_server_restarting_is_the_database_not_answering(driver_error: Exception) -> None:
    assert unavailable(as_sqlalchemy_raises_it(driver_error))


def test_a_statement_that_is_wrong_is_not_an_outage() -> None:
    wrong = asyncpg.exceptions.UniqueViolationError("duplicate key value")
    assert not unavailable(as_sqlalchemy_raises_it(wrong))
    assert not unavailable(IntegrityError("INSERT", {}, Exception("UNIQUE constraint failed")))
