"""A bench for the ideas tests: members of one Discord community, commands and button
presses through the real core, and direct looks into the database."""

from __future__ import annotations

from datetime import datetime

from bot.actions import Action, Card, DirectMessage, PostToChannel, Reply, UpdateCard
from bot.core import Cercle
from bot.events import ButtonPressed, ChannelRef, CommandInvoked, MemberRef, MessagePosted
from bot.features.ideas import rules
from storage import ideas as store
from storage.communities import community_for_space
from storage.members import find_member
from storage.models import Member
from storage.models.ideas import Idea, IdeaVote

GENERAL = ChannelRef("c1", "general")
ALICE = MemberRef("discord", "u1", "alice")
BOB = MemberRef("discord", "u2", "bob")
CAROL = MemberRef("discord", "u3", "carol")
DAVE = MemberRef("discord", "u4", "dave")
ERIN = MemberRef("discord", "u5", "erin")
MOD = MemberRef("discord", "m1", "mod", manages_space=True)
EVERYONE = (ALICE, BOB, CAROL, DAVE, ERIN, MOD)
HELLO = "hello everyone, glad to be here"


def replies(actions: list[Action]) -> list[Reply]:
    return [a for a in actions if isinstance(a, Reply)]


def reply_text(actions: list[Action]) -> str:
    return "\n".join(r.text for r in replies(actions))


def posts(actions: list[Action]) -> list[PostToChannel]:
    return [a for a in actions if isinstance(a, PostToChannel)]


def updates(actions: list[Action]) -> list[UpdateCard]:
    return [a for a in actions if isinstance(a, UpdateCard)]


def dms(actions: list[Action]) -> list[DirectMessage]:
    return [a for a in actions if isinstance(a, DirectMessage)]


def field(card: Card, name: str) -> str:
    return next(f.value for f in card.fields if f.name == name)


class Bench:
    """Commands and presses in one Discord community, each with a fresh interaction id."""

    def __init__(self, core: Cercle, space: str = "g1") -> None:
        self.core = core
        self.space = space
        self.count = 0

    def _next(self) -> str:
        self.count += 1
        return f"i{self.count}"

    @property
    def now(self) -> datetime:
        return self.core.clock.now()

    async def meet(self, *members: MemberRef) -> None:
        """Let members speak once, so that they exist before anyone names them."""
        await self.core.handle_many(
            [
                MessagePosted("discord", self.space, self.now, f"hi-{m.user_id}", GENERAL, m, HELLO)
                for m in members
            ]
        )

    async def run(self, who: MemberRef, text: str) -> list[Action]:
        event = CommandInvoked(
            "discord", self.space, self.now, self._next(), GENERAL, who, text=text
        )
        return await self.core.handle(event)

    async def press(self, who: MemberRef, custom_id: str) -> list[Action]:
        event = ButtonPressed(
            "discord", self.space, self.now, self._next(), GENERAL, who, custom_id
        )
        return await self.core.handle(event)

    async def submit(self, who: MemberRef, text: str) -> int:
        """Submit an idea that must be posted at once; returns its number."""
        actions = await self.run(who, "/idea submit " + text)
        posted = posts(actions)
        assert posted and posted[0].card_ref, actions
        number = int(posted[0].card_ref.split(":")[1])
        # As an adapter would: remember where the card went, so changes update it.
        ref = posted[0].card_ref
        await self.core.card_posted("discord", self.space, ref, "c1", f"card{number}")
        return number

    async def community_id(self) -> int:
        async with self.core.db.transaction() as session:
            found = await community_for_space(session, "discord", self.space)
            assert found is not None
            return found

    async def idea(self, number: int) -> Idea:
        async with self.core.db.transaction() as session:
            found = await store.find_idea(session, await self.community_id(), number)
            assert found is not None
            return found

    async def member(self, ref: MemberRef) -> Member:
        async with self.core.db.transaction() as session:
            found = await find_member(session, await self.community_id(), "discord", ref.user_id)
            assert found is not None
            return found

    async def votes(self, number: int) -> dict[str, str]:
        """Voter name -> choice on idea `number`."""
        idea = await self.idea(number)
        async with self.core.db.transaction() as session:
            rows = (
                await session.execute(
                    IdeaVote.__table__.select().where(IdeaVote.idea_id == idea.id)
                )
            ).all()
            names = await store.names(session, [row.member_id for row in rows])
        return {names[row.member_id]: row.choice for row in rows}

    async def seed(
        self, title: str, votes_for: int, votes_against: int, at: datetime | None = None
    ) -> int:
        """An idea with made-up voters (no similarity check, no scoring): for ranking tests."""
        community = await self.community_id()
        author = await self.member(ALICE)
        when = at or self.now
        async with self.core.db.transaction() as session:
            idea = await store.create_idea(session, community, author.id, title, "", None, when)
            for index in range(votes_for + votes_against):
                voter = Member(
                    community_id=community,
                    display_name=f"voter-{idea.number}-{index}",
                    origin=f"seed:{idea.number}:{index}",
                )
                session.add(voter)
                await session.flush()
                assert idea.id is not None and voter.id is not None
                choice = "for" if index < votes_for else "against"
                await store.set_vote(session, community, idea.id, voter.id, choice, when)
            await store.recount(session, idea, rules.scores)
            return idea.number
