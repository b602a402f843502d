"""The one port between the core and every platform.

`Adapter` is what a platform package must be: it starts (connects its platform and feeds
events to the core), delivers actions decided outside any event (scheduled posts), reads
a message back for the digest, says which action types it can carry out, and stops.
`CoreFace` is the narrow face of the core that an adapter may call; nothing else of the
core is an adapter's business. An adapter imports this module, `bot.events`,
`bot.actions`, `bot.text` (and the catalog, command declarations and settings it
renders), never `storage` and never `bot.features`: every rule lives behind this face,
and the platform only reports facts (permissions, role ids, owner and admin flags) and
carries out what the core decided.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from bot import i18n
from bot.actions import Action, Card
from bot.events import Event, MemberRef, ReactionAdded
from bot.readers import MessageReader

# An adapter's own tables (CoreFace.adapter_session) store their times in this column type.
from storage.types import utc_column as utc_column

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

    from bot.clock import Clock
    from bot.commands import CommandRegistry


class UnsupportedAction(TypeError):
    """An adapter was handed an action type it did not declare in `supports`: a bug in
    the core's routing or a platform package that is not finished, never silently lost."""


@dataclass(frozen=True)
class Notice:
    """Something a platform wants the community's moderators to know (a privileged intent
    Discord refused...): a catalog key and its parameters, rendered in their language."""

    key: str
    params: tuple[tuple[str, str], ...] = ()
    # Parameters that name catalog entries (the intents refused): each is rendered in the
    # community's language and joined with " / ".
    terms: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def render(self, locale: str) -> str:
        params: dict[str, Any] = dict(self.params)
        for name, keys in self.terms:
            params[name] = " / ".join(i18n.t(locale, key) for key in keys)
        return i18n.t(locale, self.key, **params)


@dataclass(frozen=True)
class SpaceInfo:
    """What an adapter needs to know of the community behind a platform space."""

    community_id: int
    slug: str
    locale: str
    default_channel: str
    announce_channel: str
    moderator_channel: str | None

    def t(self, key: str, **params: Any) -> str:
        """A catalog string in the community's language."""
        return i18n.t(self.locale, key, **params)


@dataclass(frozen=True)
class Suggestion:
    """One autocomplete choice: the label a member sees and the value it stands for."""

    label: str
    value: str | int


@dataclass(frozen=True)
class PublicCommunity:
    """A community as its web page needs it: its name, language and whether its public
    pages are served (`web.public`, or its entry's `web_public`)."""

    slug: str
    locale: str
    public: bool


@dataclass(frozen=True)
class BoardRow:
    """One line of a leaderboard page: place (ties share one), name, points, rank, badges."""

    place: int
    name: str
    points: int
    rank: str
    badges: tuple[str, ...]


@dataclass(frozen=True)
class BoardPage:
    """One page of a community's leaderboard for a period (`week`, `month` or `all`)."""

    period: str
    # The period as members read it ("week of 5–11 January 2026"), in the community's language.
    label: str
    page: int
    pages: int
    total: int
    rows: tuple[BoardRow, ...]


@dataclass(frozen=True)
class IdeaItem:
    """One idea on the ideas board: its counts, status (and why) and history in words."""

    number: int
    title: str
    description: str
    status: str
    votes_for: int
    votes_against: int
    reason: str | None
    history: tuple[str, ...]


@dataclass(frozen=True)
class IdeaSection:
    """The ideas of one status, most supported first; `total` counts those not shown too."""

    status: str
    label: str
    total: int
    ideas: tuple[IdeaItem, ...]


@dataclass(frozen=True)
class MemberPage:
    """A member's public profile, as `/profile` shows it (never for a hidden member)."""

    name: str
    rank: str
    next_step: str
    place: int | None
    points: dict[str, int]  # by period: week, month, all
    counters: tuple[tuple[str, str], ...]  # (label, value) in the community's language
    badges: tuple[str, ...]


@dataclass(frozen=True)
class PollRound:
    """One round of a ranked poll's count (or the only one of any other poll)."""

    votes: tuple[tuple[str, int], ...]
    eliminated: tuple[str, ...]


@dataclass(frozen=True)
class PollPage:
    """A closed poll's result: the result card as chat shows it, and its rounds to draw."""

    number: int
    card: Card
    rounds: tuple[PollRound, ...]


@dataclass(frozen=True)
class HealthSeries:
    """One chart of the dashboard: its title and its lines, one value per week."""

    title: str
    lines: tuple[tuple[str, Sequence[int]], ...]


@dataclass(frozen=True)
class DashboardPage:
    """The moderators' dashboard, every word in the community's language."""

    weeks: tuple[str, ...]  # the charts' x axis: each week's first day
    charts: tuple[HealthSeries, ...]
    digests: tuple[str, ...]  # newest first
    quiet: tuple[tuple[str, int], ...]  # quiet regulars: name, active days before
    audit: tuple[str, ...]  # newest first
    expires: str  # when the link stops opening it


class CoreFace(Protocol):
    """The core as an adapter sees it."""

    @property
    def commands(self) -> CommandRegistry:
        """Every command as declared once in the core (for native registration)."""
        ...

    def now(self) -> datetime:
        """The core's clock (the console's is virtual; platforms' events bring their own)."""
        ...

    async def handle(self, event: Event) -> list[Action]: ...

    async def handle_many(self, events: Sequence[Event]) -> list[Action]: ...

    async def run_due(self, now: datetime) -> list[tuple[int, Action]]: ...

    async def card_posted(
        self, platform: str, space_id: str, card_ref: str, channel_id: str, message_id: str
    ) -> None:
        """Where a card with a `card_ref` was posted, so later changes update it in place."""
        ...

    async def space(self, platform: str, space_id: str) -> SpaceInfo:
        """The community behind a platform space (created with the defaults on first
        contact), as far as an adapter needs it: its language and channels."""
        ...

    async def stored_member(self, platform: str, space_id: str, user_id: str) -> MemberRef:
        """A member a platform named by id only, as Cercle last stored them (so that a
        bare id never renames anyone nor clears their roles); their id as name if unknown."""
        ...

    async def last_messages(
        self, platform: str, space_id: str, since: datetime
    ) -> dict[str, datetime]:
        """Per channel of the space, the event time of the newest message Cercle scored
        there since `since`: where reading the platform's history back starts (backfill)."""
        ...

    async def suggestions(
        self, platform: str, space_id: str, path: tuple[str, ...], option: str, typed: str
    ) -> list[Suggestion]:
        """Autocomplete choices for an option of a command while a member types."""
        ...

    async def home(self, invoker: MemberRef, space_id: str) -> list[Card]:
        """A member's own page (Slack's App Home): their profile, the week's leaderboard,
        the open ideas with For/Against buttons."""
        ...

    async def public_community(self, slug: str) -> PublicCommunity | None:
        """The community called `slug` for its web page (None: there is none; never
        created by asking)."""
        ...

    async def board_page(self, slug: str, period: str, page: int, size: int) -> BoardPage:
        """A page of the community's leaderboard (hidden, excluded members and bots never
        on it); a page past the last is empty."""
        ...

    async def ideas_board(self, slug: str) -> tuple[IdeaSection, ...]:
        """The community's ideas by status, with votes and each idea's history."""
        ...

    async def member_page(self, slug: str, name: str) -> MemberPage | None:
        """A member's profile by name (None: no such member, or hidden or excluded)."""
        ...

    async def poll_page(self, slug: str, number: int) -> PollPage | None:
        """A closed poll's result (None: no such poll, or still open)."""
        ...

    async def dashboard(self, slug: str, until: int, signature: str) -> DashboardPage | None:
        """The moderators' dashboard for a link `/admin dashboard` gave (None: the link is
        expired, forged or for another community)."""
        ...

    async def reaction_thanks(self, reaction: ReactionAdded) -> list[Action]:
        """A reaction with the platform's thanks emoji is `/thanks` to the message's
        author; whatever else the reaction is, nothing. The answers go to the reactor."""
        ...

    async def refusal(self, platform: str, space_id: str, key: str, **params: Any) -> str:
        """A refusal the core words for an adapter that cannot even build an event."""
        ...

    def attach(self, adapter: Adapter) -> None:
        """A running adapter: the core may read its messages back and ask for notices."""
        ...

    def detach(self, adapter: Adapter) -> None: ...

    def use_clock(self, clock: Clock) -> None:
        """Drive the core with another clock (the console's virtual one)."""
        ...

    def adapter_session(self) -> AbstractAsyncContextManager[AsyncSession]:
        """A transaction for an adapter's own tables (the console's numbers, Slack's
        installations), declared in its package and created by the one migration chain."""
        ...

    @property
    def engine(self) -> AsyncEngine:
        """The database engine, for a platform library that keeps its own tables."""
        ...


@runtime_checkable
class Adapter(MessageReader, Protocol):
    """What a platform package provides (see the README's "Adding a platform")."""

    platform: str
    # The action types `deliver` can carry out; anything else raises UnsupportedAction.
    supports: frozenset[type[Action]]

    async def start(self, core: CoreFace) -> None:
        """Connect to the platform and start feeding events to the core."""
        ...

    async def deliver(self, space_id: str, action: Action) -> None:
        """Carry out an action decided outside any event (a scheduled post)."""
        ...

    async def stop(self) -> None: ...

    def notices(self, space_id: str) -> list[Notice]:
        """What the moderators should know about this platform's connection."""
        ...


@runtime_checkable
class StopsOnFailure(Protocol):
    """An adapter whose connection can end by itself for good (a refused token): the
    runtime watches it, says so in `cercle status`, and exits when nothing else runs."""

    async def failure(self) -> str:
        """Wait until the connection has ended for good; one line saying why and what to
        check (never returns while the connection lives)."""
        ...


@runtime_checkable
class ReportsConnection(Protocol):
    """An adapter that can say whether it is connected to its platform right now (for
    `/healthz`); an adapter without it counts as connected while it has not failed."""

    async def connected(self) -> bool:
        """True while the platform connection is up (False while connecting again)."""
        ...


def check_supported(adapter: Adapter, action: Action) -> None:
    """Fail loudly when an adapter is handed an action type it does not carry out."""
    if type(action) not in adapter.supports:
        raise UnsupportedAction(
            f"the {adapter.platform} adapter does not carry out {type(action).__name__}"
        )



# How a platform that keeps rows of its own about its accounts (the console keeps its
# members and their messages, as a chat does) erases one account's when the member is
# forgotten: called with the forgetting transaction, the community's id and the account.
AccountEraser = Callable[["AsyncSession", int, str], Awaitable[None]]
_ERASERS: dict[str, AccountEraser] = {}


def erases_accounts(platform: str) -> Callable[[AccountEraser], AccountEraser]:
    """Declare (as a decorator, in the module that declares the platform's tables) how the
    platform's own rows about one account are erased by `/privacy forget`."""

    def register(eraser: AccountEraser) -> AccountEraser:
        _ERASERS[platform] = eraser
        return eraser

    return register


async def erase_accounts(
    session: AsyncSession, community_id: int, accounts: Iterable[tuple[str, str]]
) -> None:
    """Have each platform that keeps rows about an account erase the forgotten accounts'
    (platforms that keep none, like Discord and Slack here, have nothing to do)."""
    for platform, user_id in accounts:
        eraser = _ERASERS.get(platform)
        if eraser is not None:
            await eraser(session, community_id, user_id)
