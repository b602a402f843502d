"""The one family of errors meant for users.

A feature raises one of these with a catalog key and parameters; `core.handle` is the one
place where it becomes a localised, ephemeral reply. Anything else that escapes a handler
is a bug: the user gets a short apology with an error id that is also in the log.
"""

from __future__ import annotations

from typing import Any


class UserError(Exception):
    """Something the user can fix; the message comes from the catalog."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


class UsageError(UserError):
    """The command's text or options are wrong; the reply shows the usage line."""

    def __init__(self, key: str, *, usage_path: tuple[str, ...] | None = None, **params: Any):
        super().__init__(key, **params)
        self.usage_path = usage_path


class NotAllowed(UserError):
    """The caller may not do this (moderators only, not your idea, ...)."""


class NotFound(UserError):
    """What the caller named does not exist in this community."""


class DatabaseUnavailable(Exception):
    """The database did not answer (locked past its busy timeout, read-only, restarting,
    unreachable): nothing was written, and the same work may be tried again later."""
