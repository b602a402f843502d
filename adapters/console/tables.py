"""The console's own tables: its channel, message numbers, clock and members, kept with
the community so that a later run on the same database continues where it stopped.

When a member is forgotten (`/privacy forget`), `forget_account` erases what these tables
keep about their console name: their member row, the author and text of their messages,
and their name wherever another message (or Cercle's own post) wrote it.

They belong to the console package, as a chat platform keeps its own history; the
migrations in storage/ create them from their own copy of the columns, and the platform
registry (`adapters.platforms.declare_tables`) imports this module wherever the whole
schema must be known.
"""

from __future__ import annotations

import weakref
from datetime import datetime
from typing import Protocol

from sqlalchemy import delete, func, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel

from bot.ports import erases_accounts, utc_column

# What stands for an erased name in a message's text (as an erased idea title).
ERASED = "—"


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


class ForgetsCachedRows(Protocol):
    """A live console session: it keeps rows of these tables in memory and must drop a
    forgotten member's, or it would write them back."""

    def forget_cached(self, community_id: int, name: str) -> None: ...


# By identity: a session is a dataclass that compares by value and so cannot be hashed.
_live: weakref.WeakValueDictionary[int, ForgetsCachedRows] = weakref.WeakValueDictionary()


def watch_erasures(session: ForgetsCachedRows) -> None:
    """Have `session` told when a member of its community is forgotten in this process."""
    _live[id(session)] = session


@erases_accounts("console")
async def forget_account(session: AsyncSession, community_id: int, name: str) -> None:
    """Erase what the console keeps about `name` (its user id is the name): its member row
    goes, its messages keep their number (replies and reactions still point somewhere) but
    lose their author and text, and the name is struck from every other message."""
    await session.execute(
        delete(ConsoleMember).where(
            ConsoleMember.community_id == community_id, ConsoleMember.name == name
        )
    )
    mine = (ConsoleMessage.community_id == community_id, ConsoleMessage.author == name)
    await session.execute(
        update(ConsoleMessage)
        .where(*mine)
        .values(author="", text="", buttons="")
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        update(ConsoleMessage)
        .where(
            ConsoleMessage.community_id == community_id,
            ConsoleMessage.text.contains(name, autoescape=True),
        )
        .values(text=func.replace(ConsoleMessage.text, name, ERASED))
        .execution_options(synchronize_session=False)
    )
    for live in list(_live.values()):
        live.forget_cached(community_id, name)
