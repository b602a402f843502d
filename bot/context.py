"""What a command handler gets: the community, the caller, the session, and helpers to
name members and to collect who needs a rank and badge review afterwards."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.awards import ledger_entry, touch
from bot.commands import Mention
from bot.community import CommunityView
from bot.config import Settings
from bot.errors import NotFound
from bot.events import ChannelRef, MemberRef
from bot.services import Services
from storage import member_counters
from storage import members as member_store
from storage.ledger import Entry
from storage.members import MemberInfo, SeenMember
from storage.models import Member


@dataclass
class CommandContext:
    core: Services
    session: AsyncSession
    community: CommunityView
    settings: Settings
    platform: str
    space_id: str
    interaction_id: str
    channel: ChannelRef
    invoker: MemberRef
    caller: MemberInfo
    at: datetime
    mentions: tuple[MemberRef, ...] = ()
    is_moderator: bool = False
    touched: dict[int, MemberRef | None] = field(default_factory=dict)

    def t(self, key: str, **params: Any) -> str:
        return self.community.t(key, **params)

    def entry(
        self, *, member_id: int, kind: str, points: int, source_key: str, **extra: Any
    ) -> Entry:
        """A ledger entry for this interaction: now, here, by the caller (unless said)."""
        extra.setdefault("at", self.at)
        extra.setdefault("channel_id", self.channel.id)
        extra.setdefault("actor_id", self.caller.id)
        return ledger_entry(
            self.community.calendar(),
            member_id=member_id,
            kind=kind,
            points=points,
            source_key=source_key,
            **extra,
        )

    def touch(self, member_id: int, ref: MemberRef | None) -> None:
        """Mark a member for the rank and badge review after the command."""
        touch(self.touched, member_id, ref)

    def source_key(self, kind: str) -> str:
        return f"{self.platform}:{kind}:{self.interaction_id}"

    async def member(self, mention: Mention) -> tuple[MemberInfo, MemberRef]:
        """The community member a mention names, as their platform account."""
        for ref in self.mentions:
            if ref.user_id == mention.user_id:
                info = await self.core.resolve(self.session, self.community, [ref], self.at)
                return info[(ref.platform, ref.user_id)], ref
        row = await member_store.find_member(
            self.session, self.community.id, self.platform, mention.user_id
        )
        if row is None or row.id is None:
            raise NotFound("error.member_not_found", member=mention.name)
        roles = await self.core.roles_of(self.session, row.id)
        ref = MemberRef(self.platform, mention.user_id, row.display_name, row.is_bot, roles)
        info = MemberInfo(row.id, row.display_name, row.is_bot, frozenset(roles), row.excluded)
        return info, ref

    async def member_row(self, mention: Mention) -> Member:
        """The whole stored row of the member a mention names (counters, flags, rank),
        read fresh in this transaction: what a command that shows a member reads. A
        mention the platform resolved to an account is resolved as `member` does; one
        typed as text is read in one statement, without the roles a caller's check needs."""
        if any(ref.user_id == mention.user_id for ref in self.mentions):
            info, _ = await self.member(mention)
            return (await member_counters.members_by_id(self.session, [info.id]))[info.id]
        row = await member_store.find_member(
            self.session, self.community.id, self.platform, mention.user_id
        )
        if row is None or row.id is None:
            raise NotFound("error.member_not_found", member=mention.name)
        return row

    def seen(self, ref: MemberRef) -> SeenMember:
        return SeenMember(ref.platform, ref.user_id, ref.name, ref.is_bot, ref.roles)
