"""What to tell an operator when the database cannot be used: its URL without the
password, and one line saying what went wrong and what to check.

Everything that shows a database URL (`cercle status`, `check-config`, `db`) shows it
through `redacted_url`; every command that cannot open its database says so with
`unreachable_reason` instead of a traceback.
"""

from __future__ import annotations

import socket

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

_CHECK_SERVER = "check that the server is running and that database.url (or --db) names it"
_CHECK_LOGIN = "check the user name and password in database.url (or DATABASE__URL)"


def redacted_url(url: str) -> str:
    """`url` with its password shown as ***."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:  # not a URL at all: show nothing that could be a secret
        return "(unreadable URL)"


def _chain(error: BaseException) -> list[BaseException]:
    """`error` and every error it was raised from or wraps (a driver's own), outermost
    first."""
    seen: list[BaseException] = []
    waiting: list[BaseException] = [error]
    while waiting:
        current = waiting.pop(0)
        if any(current is known for known in seen):
            continue
        seen.append(current)
        origin = current.orig if isinstance(current, DBAPIError) else None
        waiting += [e for e in (origin, current.__cause__, current.__context__) if e is not None]
    return seen


def _driver_reason(error: BaseException) -> str | None:
    name = type(error).__name__
    text = str(error).splitlines()[0] if str(error) else name
    if name in ("InvalidPasswordError", "InvalidAuthorizationSpecificationError"):
        return f"the server refused the login ({text}); {_CHECK_LOGIN}"
    if name == "InvalidCatalogNameError":
        return f"{text}; create it, or fix the database name in database.url"
    if "database is locked" in text or "database table is locked" in text:
        return (
            "the SQLite file is locked by another program for longer than the busy "
            "timeout (10 s); check that no other program (another Cercle on a network "
            "drive, a backup, a database browser) holds it"
        )
    if "unable to open database file" in text:
        return "the SQLite file cannot be opened; check the path and its folder's permissions"
    if "readonly database" in text:
        return "the SQLite file is read-only; check its and its folder's permissions"
    return None


def unreachable_reason(error: BaseException) -> str | None:
    """Why the database could not be used, with what to check; None when `error` is not
    about reaching the database (a bug, which keeps its traceback)."""
    chain = _chain(error)
    for link in chain:
        if (reason := _driver_reason(link)) is not None:
            return reason
    for link in chain:
        if isinstance(link, socket.gaierror):
            return f"its host name is unknown ({link.strerror}); {_CHECK_SERVER}"
        if isinstance(link, ConnectionRefusedError):
            return f"the connection was refused; {_CHECK_SERVER}"
        if isinstance(link, TimeoutError | ConnectionError):
            return f"the connection failed ({type(link).__name__}); {_CHECK_SERVER}"
        if isinstance(link, OSError) and link.errno is not None and "connect" in str(link):
            return f"the connection failed ({link.strerror}); {_CHECK_SERVER}"
    for link in chain:
        if isinstance(link, DBAPIError) and link.connection_invalidated:
            return f"the connection was lost; {_CHECK_SERVER}"
    return None
