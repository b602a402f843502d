"""A poll as the poll modules read it: finding it, what its cards need, and its counts
now. Shared by `commands` (creating, voting, results) and `closing`."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.actions import Action
from bot.cards import updates
from bot.community import CommunityView
from bot.errors import NotFound
from bot.features.polls import ballots
from bot.features.polls.cards import Outcome, PollShown, poll_card
from bot.features.polls.counting import counts_from_totals, instant_runoff
from storage import polls as store
from storage.models.polls import Poll


def card_ref(number: int) -> str:
    """What the poll's card is known as, to update it in place (`poll:3`)."""
    return f"poll:{number}"


def close_job_key(community_id: int, number: int) -> str:
    return f"poll-close:{community_id}:{number}"


async def find_poll(
    session: AsyncSession, community_id: int, number: int, *, lock: bool = False
) -> Poll:
    """The poll `number` of the community, or the localised "no such poll" refusal."""
    poll = await store.find(session, community_id, number, lock=lock)
    if poll is None:
        raise NotFound("poll.error.not_found", number=number)
    return poll


async def shown_poll(session: AsyncSession, poll: Poll) -> PollShown:
    assert poll.id is not None
    labels = await store.labels(session, poll.id)
    creator = await store.member_name(session, poll.creator_id)
    return PollShown(poll, tuple(labels), creator)


async def outcome_of(
    session: AsyncSession, poll: Poll, option_count: int, *, rounds: bool = True
) -> Outcome:
    """The poll's counts now: totals summed by the database, and for a ranked poll every
    instant-runoff round, counted from all ballots (`rounds=False`: first choices only,
    enough for the open card, which is updated on every vote)."""
    assert poll.id is not None
    if poll.mode == "ranked" and rounds:
        cast = await store.all_ballots(session, poll.id)
        runoff = instant_runoff(option_count, [ballots.ranking_of(b) for b in cast])
        first = runoff.first_preferences or (0,) * option_count
        return Outcome(counts_from_totals(first, runoff.voters), runoff)
    totals = [0] * option_count
    first_choices = poll.mode == "ranked"
    for row in await store.option_totals(session, poll.id, first_choices=first_choices):
        if 0 <= row.option_index < option_count:
            totals[row.option_index] = row.weight if poll.mode == "budget" else row.marks
    voters = await store.voter_count(session, poll.id)
    base = sum(totals) if poll.mode == "budget" else voters
    return Outcome(counts_from_totals(totals, voters, base))


async def open_card_updates(
    session: AsyncSession, view: CommunityView, poll: Poll, shown: PollShown
) -> list[Action]:
    """The open card, updated wherever it was posted (a vote never closes the poll)."""
    outcome = await outcome_of(session, poll, len(shown.labels), rounds=False)
    return list(
        await updates(session, view.id, card_ref(poll.number), poll_card(view, shown, outcome))
    )
