"""What features, command contexts and jobs may ask of the core they run in: `Services`.

Features never import `bot.core`: they are handed an object with this face (`Cercle`
has it) and use only what is listed here, so the core depends on the features and never
the other way round. The face is small on purpose: the settings, clock and database, the
command registry (for `/help`), the message readers (a digest quotes a message), the
owner name of this process's job runner (claims), and a few questions about communities
and members. Everything it names is imported for type checking only, so this module is a
leaf of the import graph.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.actions import Action
    from bot.clock import Clock
    from bot.commands import CommandRegistry
    from bot.community import CommunityView
    from bot.config import Settings
    from bot.events import Event, MemberRef
    from bot.ports import Notice
    from bot.readers import MessageReader
    from storage.db import Database
    from storage.members import MemberInfo


class JobOwner(Protocol):
    """Who claims due work in this process (written on what it claims)."""

    @property
    def owner(self) -> str: ...


class Services(Protocol):
    """The core as a feature sees it."""

    @property
    def settings(self) -> Settings: ...

    @property
    def clock(self) -> Clock: ...

    @property
    def db(self) -> Database: ...

    @property
    def registry(self) -> CommandRegistry: ...

    @property
    def readers(self) -> Mapping[str, MessageReader]: ...

    @property
    def jobs(self) -> JobOwner: ...

    # Signs the dashboard links (CERCLE_WEB_SECRET); None: each community's stored one.
    web_secret: str | None

    async def handle(self, event: Event) -> list[Action]:
        """Answer an event as if a member had sent it (the home page renders commands)."""
        ...

    async def community(
        self, session: AsyncSession, platform: str, space_id: str, now: datetime
    ) -> CommunityView:
        """The community a platform space belongs to, with its effective settings."""
        ...

    async def resolve(
        self,
        session: AsyncSession,
        community: CommunityView,
        refs: Sequence[MemberRef],
        now: datetime,
    ) -> dict[tuple[str, str], MemberInfo]:
        """The community's members for platform accounts, created on first sight."""
        ...

    async def roles_of(self, session: AsyncSession, member_id: int) -> tuple[str, ...]: ...

    def notices(self, platform: str, space_id: str) -> list[Notice]:
        """What the running adapter of `platform` wants the moderators to know."""
        ...

    def settings_changed(self, community_id: int) -> None:
        """Forget what this process cached about a community after a moderator changed it."""
        ...
