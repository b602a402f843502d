"""Gaming flags through the console, in English and French: a thanks ring, reaction
farming and a burst of messages are noticed once each and told to the moderators;
`/admin flags` lists them, dismisses one or takes points back in the ledger."""

from __future__ import annotations

from transcript import Transcript

from adapters.console.session import ConsoleSession
from bot.config import CommunityDefaults, Settings
from bot.core import Cercle
from tests.conftest import START

RING = """
    alice is moderator
    alice: hello all
    bob: hello there everyone
    carol: hey there all of you
    bob: /thanks @carol nice one
    carol: /thanks @bob nice too
    bob: /thanks @carol again
    carol: /thanks @bob again too
    bob: /thanks @carol thrice
    carol: /thanks @bob thrice too
"""


def text(out: list[str]) -> str:
    return "\n".join(out)


async def test_a_thanks_ring_is_told_to_the_moderators_once(db, clock):
    settings = Settings(defaults=CommunityDefaults(moderator_channel="moderators"))
    session = ConsoleSession(Cercle(db, settings, clock), "club")
    await session.start(START)
    club = Transcript(session)
    await club.play(RING)
    out = text(await club.play("after 1d"))
    assert "#moderators Cercle: 🚩 Possible gaming of the points" in out
    assert "#1 thanks ring: bob and carol thanked each other 3 and 3 times" in out
    out = text(await club.play("after 1d"))
    assert "Possible gaming" not in out  # once per pattern


async def test_without_a_moderator_channel_flags_are_not_posted_for_all_to_read(console):
    await console.play(RING)
    out = text(await console.play("after 1d"))
    assert "Possible gaming" not in out and "thanks ring" not in out
    assert "#1 thanks ring: bob and carol" in text(await console.play("alice: /admin flags"))


async def test_admin_flags_lists_dismisses_and_adjusts(console, points):
    await console.play(RING)
    out = text(await console.play("alice: /admin flags"))
    assert "🚩 Open flags (1)" in out and "#1 thanks ring: bob and carol" in out
    before = await points("bob")
    out = text(await console.play("alice: /admin flags 1 adjust 10 thanks ring"))
    assert "Flag #1: 10 points taken back from bob, in the ledger with your reason." in out
    assert await points("bob") == before - 10
    audit = text(await console.play("alice: /admin audit"))
    assert "took 10 points from bob — thanks ring" in audit
    assert "Flag #1 is already handled." in text(
        await console.play("alice: /admin flags 1 dismiss")
    )
    assert "No open flag" in text(await console.play("alice: /admin flags"))


async def test_reaction_farming_and_bursts_are_flagged(console):
    lines = ["alice is moderator", "bob: my first post here, hello"]
    for i in range(12):
        lines += [f"bob: post number {i} with enough text", "after 1m"]
    for i in range(12):
        lines.append(f"carol reacts {2 + i} :+1:")
    await console.play("\n".join(lines))
    out = text(await console.play("alice: /admin flags"))
    assert "reaction farming: 12 of bob's 12 reaction points come from carol" in out
    burst = ["dave: hello from dave here"]
    for i in range(16):
        burst += [f"dave: ok ok ok ok ok {i}", "after 1m"]
    await console.play("\n".join(burst))
    out = text(await console.play("alice: /admin flags"))
    assert "burst: dave scored 15 messages within an hour" in out


async def test_bad_flag_commands_change_nothing(console, db, snapshot):
    await console.play(RING)
    await console.play("alice: /admin flags")
    before = await snapshot(db)
    assert "There is no flag #7." in text(await console.play("alice: /admin flags 7 dismiss"))
    assert "Say what to do with the flag" in text(await console.play("alice: /admin flags 1"))
    assert "give the points to take back" in text(
        await console.play("alice: /admin flags 1 adjust")
    )
    assert "Only moderators" in text(await console.play("bob: /admin flags"))
    assert await snapshot(db) == before


async def test_flags_in_french(french):
    await french.play(RING)
    out = text(await french.play("alice: /admin flags"))
    assert "🚩 Signalements ouverts (1)" in out
    assert (
        "n°\u00a01 cercle de remerciements\u202f: bob et carol se sont remerciés 3 et 3 fois" in out
    )
    out = text(await french.play("alice: /admin flags 1 dismiss"))
    assert "Le signalement n°\u00a01 est classé." in out


async def test_many_flags_are_told_once_twenty_five_at_a_time(db, clock):
    settings = Settings(defaults=CommunityDefaults(moderator_channel="moderators"))
    session = ConsoleSession(Cercle(db, settings, clock), "club")
    await session.start(START)
    club = Transcript(session)
    lines = ["alice is moderator"]
    for minute in range(16):
        lines += [f"m{k}: message {minute} from m{k}" for k in range(30)]
        lines.append("after 1m")
    await club.play("\n".join(lines))
    out = text(await club.play("after 15h"))  # past midnight: the day's scan
    assert out.count("burst: m") == 25
    assert "… and 5 more: /admin flags lists them" in out
    assert "Possible gaming" not in text(await club.play("after 1d"))  # told once
    out = text(await club.play("alice: /admin flags"))
    assert "🚩 Open flags (30)" in out and out.count("burst: m") == 25
    assert "… and 5 more" in out
