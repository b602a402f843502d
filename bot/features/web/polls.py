"""A closed poll's result on the web page: the result card chat members saw when it closed
(counts or runoff rounds, outcome, turnout) and the counts of each round, which the page
draws. An open poll has no page yet (its counts may be hidden until it closes), and the
result names no voter.
"""

from __future__ import annotations

from dataclasses import replace

from bot.features.polls.cards import result_card
from bot.features.polls.state import outcome_of, shown_poll
from bot.features.web.leaderboard import community_view
from bot.ports import PollPage, PollRound
from bot.services import Services
from bot.text import member_text
from storage import polls as store

LABEL_LIMIT = 60


async def poll_page(core: Services, slug: str, number: int) -> PollPage | None:
    view = await community_view(core, slug)
    if view is None:
        return None
    async with core.db.transaction() as session:
        poll = await store.find(session, view.id, number)
        if poll is None or poll.closed_at is None:
            return None
        shown = await shown_poll(session, poll)
        outcome = await outcome_of(session, poll, len(shown.labels))
    labels = [member_text(label, LABEL_LIMIT) for label in shown.labels]
    if outcome.runoff is not None and outcome.runoff.rounds:
        rounds = tuple(
            PollRound(
                votes=tuple((labels[i], votes) for i, votes in sorted(counted.votes.items())),
                eliminated=tuple(labels[i] for i in counted.eliminated),
            )
            for counted in outcome.runoff.rounds
        )
    else:
        rounds = (PollRound(tuple(zip(labels, outcome.counts.totals, strict=True)), ()),)
    card = result_card(view, shown, outcome)
    # The page draws the counts (`rounds`): of the card's fields it keeps the last two,
    # the outcome and the turnout, not the text bars chat needs.
    card = replace(card, fields=card.fields[-2:])
    return PollPage(number=poll.number, card=card, rounds=rounds)
