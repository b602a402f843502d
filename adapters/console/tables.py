"""The console's own tables: its channel, message numbers, clock and members, kept with
the community so that a later run on the same database continues where it stopped.

They belong to the console package, as a chat platform keeps its own history; the
migrations in storage/ create them from their own copy of the columns, and the platform
registry (`adapters.platforms.declare_tables`) imports this module wherever the whole
schema must be known.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from bot.ports import utc_column


class ConsoleState(SQLModel, table=True):
    """Where a console script stopped: its channel, message numbers and virtual clock."""

    __tablename__ = "console_state"
    community_id: int = Field(foreign_key="community.id", primary_key=True)
    channel: str = Field(default="general", max_length=100)
    clock: datetime = Field(sa_column=utc_column())
    next_number: int = 1
    next_interaction: int = 1


class ConsoleMessage(SQLModel, table=True):
    """A numbered console message: who wrote it, where, what it replies to, and its text
    (the console is the platform here: it keeps what a chat keeps, so that a digest can read
    a message back, as it would ask Discord or Slack)."""

    __tablename__ = "console_message"
    community_id: int = Field(foreign_key="community.id", primary_key=True)
    number: int = Field(primary_key=True)
    channel: str = Field(max_length=100)
    author: str = Field(max_length=100)
    reply_to: int | None = None
    thread_root: int | None = None
    deleted: bool = False
    buttons: str = Field(default="", max_length=4000)
    text: str = Field(default="", max_length=4000)
    # The idempotency marker of a post by Cercle (a digest run): looked for before posting.
    marker: str | None = Field(default=None, max_length=200)


class ConsoleMember(SQLModel, table=True):
    """A console member's platform facts: moderator flag, bot flag, roles."""

    __tablename__ = "console_member"
    community_id: int = Field(foreign_key="community.id", primary_key=True)
    name: str = Field(primary_key=True, max_length=100)
    is_moderator: bool = False
    is_bot: bool = False
    roles: str = Field(default="", max_length=2000)
