"""Anonymous polls are anonymous in the database too: while the poll is open a ballot is
keyed by a hash under the poll's own secret (so its voter can change it), the vote's
points are credited by a ledger row that names no poll, and at close the secret is erased
and every ballot gets a random key, so no row ties a member to an option any more."""

from __future__ import annotations

from datetime import timedelta

from test_polls import ALICE, BOB, CAROL, MOD, create, member, reply, rows, run

from storage import polls as store
from storage.models import Contribution
from storage.models.polls import Poll, PollBallot, PollMark

SALARY = '/poll create "Salary band?" options="low|mid|high" anonymous=yes duration=1d'


async def _poll(db) -> Poll:  # type: ignore[no-untyped-def]
    (poll,) = await rows(db, Poll)
    return poll


async def test_an_open_anonymous_ballot_names_no_member_and_can_still_be_changed(core, db):
    await create(core, SALARY, who=MOD)
    await run(core, ALICE, "/poll vote 1 low")
    await run(core, BOB, "/poll vote 1 high")
    assert "mid" in reply(await run(core, ALICE, "/poll vote 1 mid"))  # changed, not added
    alice, bob = await member(core, ALICE), await member(core, BOB)

    ballots = await rows(db, PollBallot)
    assert len(ballots) == 2 and all(b.member_id is None for b in ballots)
    voters = {b.voter for b in ballots}
    assert not voters & {f"m{alice.id}", f"m{bob.id}", str(alice.id), str(bob.id)}
    poll = await _poll(db)
    # No ballot carries the time its voter cast it (their ledger row has that time).
    assert {(b.cast_at, b.changed_at) for b in ballots} == {(poll.created_at, poll.created_at)}
    marks = sorted((m.option_index, m.weight) for m in await rows(db, PollMark))
    assert marks == [(1, 1), (2, 1)]  # alice's changed ballot replaced her first one

    votes = [c for c in await rows(db, Contribution) if c.kind == "poll_vote"]
    assert sorted(c.member_id for c in votes) == sorted([alice.id, bob.id])  # scored once each
    for vote in votes:
        assert f"poll:{poll.id}" not in vote.source_key and "poll:1" not in vote.source_key
        assert vote.message_ref is None and vote.channel_id is None
        assert not any(voter in vote.source_key for voter in voters)


async def test_closing_an_anonymous_poll_unlinks_every_ballot_from_its_voter(core, db, clock):
    await create(core, SALARY, who=MOD)
    await run(core, ALICE, "/poll vote 1 low")
    await run(core, BOB, "/poll vote 1 high")
    await run(core, CAROL, "/poll vote 1 high")
    before = {b.voter for b in await rows(db, PollBallot)}
    assert (await _poll(db)).voter_key is not None

    clock.advance(timedelta(days=2))
    await core.run_due(clock.now())

    poll = await _poll(db)
    assert poll.closed_at is not None and poll.voter_key is None  # the secret is gone
    ballots = await rows(db, PollBallot)
    assert len(ballots) == 3 and all(b.member_id is None for b in ballots)
    assert not before & {b.voter for b in ballots}  # the open-time hashes are gone too
    assert not before & {m.voter for m in await rows(db, PollMark)}
    # The counts are what they were.
    assert sorted(m.option_index for m in await rows(db, PollMark)) == [0, 2, 2]
    text = reply(await run(core, ALICE, "/poll results 1"))
    assert "2 (67%)" in text and "alice" not in text
    # Nothing the voters did lives on in a row that names the poll.
    every_row = await rows(db, Contribution)
    assert not any(f"poll:{poll.id}:" in (c.source_key or "") for c in every_row)


async def test_a_public_poll_keeps_its_ballots_by_member(core, db):
    await create(core, '/poll create "Q?" options="a|b"', who=MOD)
    await run(core, ALICE, "/poll vote 1 a")
    alice = await member(core, ALICE)
    (ballot,) = await rows(db, PollBallot)
    assert (ballot.voter, ballot.member_id) == (f"m{alice.id}", alice.id)
    (vote,) = [c for c in await rows(db, Contribution) if c.kind == "poll_vote"]
    assert vote.source_key.startswith("poll:")


async def test_a_withdrawn_anonymous_ballot_leaves_nothing(core, db):
    await create(core, '/poll create "Q?" options="a|b" mode=multi anonymous=yes', who=MOD)
    await run(core, ALICE, "/poll vote 1 a")
    poll = await _poll(db)
    alice = await member(core, ALICE)
    async with db.transaction() as session:
        found = await session.get(Poll, poll.id)
        assert found is not None
        assert await store.save_ballot(session, found, alice.id, (), poll.created_at) is False
    assert await rows(db, PollBallot) == [] and await rows(db, PollMark) == []
