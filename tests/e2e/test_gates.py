"""Gates on ideas and polls through the console: a member below `polls.vote_min_rank` or
`ideas.vote_min_rank` is refused privately (a button press too), with what they need, and
their vote counts nothing; once promoted they vote; too new a member may not submit an
idea until `ideas.submit_min_member_days` have passed; moderators are never gated; a gate
naming a rank the ladder lacks is a configuration error."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from transcript import Transcript

from bot.config import IdeaSettings, PollSettings, Rank, Settings
from storage.db import Database
from tests.e2e.conftest import Snapshot

LADDER = [
    Rank(name="Newcomer", min_points=0),
    Rank(name="Regular", min_points=10),
    Rank(name="Expert", min_points=100),
]


@pytest.fixture
def settings() -> Settings:
    return Settings(
        ranks=LADDER,
        ideas=IdeaSettings(vote_min_rank="Regular", submit_min_member_days=3),
        polls=PollSettings(vote_min_rank="Regular"),
    )


SETUP = """
    mod is moderator
    mod: /poll create "What first?" options="Dark mode|Export" duration=2d
    mod: /idea submit "Dark mode" description="Easier on the eyes"
    bob: hello everyone, glad to be here
"""


async def test_a_gated_vote_is_refused_privately_and_counts_nothing(
    console: Transcript, db: Database, snapshot: Callable[[Database], Awaitable[Snapshot]]
) -> None:
    await console.play(SETUP)
    before = await snapshot(db)
    out = await console.play("""
        bob presses Export on 1
        bob: /poll vote 1 Export
        bob: /idea vote 1 for
    """)
    text = "\n".join(out)
    refusal = "(only you) To vote in polls you need the rank Regular; you are Newcomer"
    assert text.count(refusal) == 2
    assert "(only you) To vote on ideas you need the rank Regular" in text
    assert await snapshot(db) == before  # no ballot, no vote, no points

    out = await console.play("""
        mod: /admin points add @bob 10 a warm welcome
        bob presses Export on 1
        bob: /idea vote 1 for
        bob: /poll results 1
    """)
    text = "\n".join(out)
    assert "To vote" not in text
    assert "bob is now Regular!" in text  # promoted at once
    assert "(only you) Your vote in poll #1: Export." in text
    assert "2. Export     ██████████ 1 (100%)" in text
    assert "(only you) 👍 You vote for #1 “Dark mode”." in text


async def test_too_new_a_member_may_not_submit_an_idea_yet(console: Transcript) -> None:
    await console.play(SETUP)
    out = await console.play('bob: /idea submit "Export to CSV"')
    assert (
        "(only you) To submit ideas you need to have been in the community for 3 days: "
        "3 days to go." in "\n".join(out)
    )
    out = await console.play("""
        after 3d
        bob: /idea submit "Export to CSV"
    """)
    assert "Idea #2" in "\n".join(out) or "#2" in "\n".join(out)


async def test_in_french(french_gated: Transcript) -> None:
    await french_gated.play(SETUP)
    out = await french_gated.play("bob presses Export on 1")
    assert "Pour voter aux sondages, il faut le rang" in "\n".join(out)


@pytest.fixture
async def french_gated(db: Database, clock) -> Transcript:  # type: ignore[no-untyped-def]
    from adapters.console.session import ConsoleSession
    from bot.config import CommunityDefaults
    from bot.core import Cercle

    settings = Settings(
        ranks=LADDER,
        polls=PollSettings(vote_min_rank="Regular"),
        defaults=CommunityDefaults(locale="fr"),
    )
    session = ConsoleSession(Cercle(db, settings, clock), "fr")
    await session.start(clock.now())
    return Transcript(session)


def test_a_gate_naming_no_rank_of_the_ladder_is_refused() -> None:
    with pytest.raises(ValueError, match=r"polls\.vote_min_rank: 'Legend' is not a rank"):
        Settings(ranks=LADDER, polls=PollSettings(vote_min_rank="Legend"))
