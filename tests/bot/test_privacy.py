"""`/privacy`: what Cercle keeps about a member, hiding from every list, the export by DM
and forgetting, through the real core on both databases (a Discord-shaped member whose
name and platform id are distinctive, so a dump of the database can be searched)."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from sqlalchemy import String, Text, select
from sqlmodel import SQLModel
from test_polls import BOB, CAROL, GENERAL, MOD, click, run

from bot.actions import Action, Card, Reply, SendFile
from bot.config import Settings
from bot.core import Cercle
from bot.events import (
    ButtonPressed,
    CommandInvoked,
    MemberJoined,
    MemberLeft,
    MemberRef,
    MessagePosted,
    ReactionAdded,
)
from storage.db import Database
from storage.models import Member
from storage.models.audit import AuditEntry

NORA = MemberRef("discord", "918273645546372819", "Noralynn Quist")
NAME, NORA_ID = NORA.name, NORA.user_id
TEXT = "a message that is long enough to score"

_ids = iter(range(1, 10_000))


def card_text(card: Card) -> str:
    return "\n".join(
        [card.title, card.body, card.footer, *(f"{f.name}: {f.value}" for f in card.fields)]
    )


def said(actions: list[Action]) -> str:
    out = []
    for action in actions:
        card = getattr(action, "card", None)
        out.append(getattr(action, "text", "") + ("\n" + card_text(card) if card else ""))
    return "\n".join(out)


async def post(core: Cercle, who: MemberRef, minutes: int = 0) -> str:
    mid = f"5{next(_ids):06d}"
    when = core.clock.now() + timedelta(minutes=minutes)
    await core.handle(MessagePosted("discord", "g1", when, mid, GENERAL, who, TEXT))
    return mid


async def react(core: Cercle, mid: str, reactor: MemberRef, author: MemberRef) -> None:
    await core.handle(
        ReactionAdded("discord", "g1", core.clock.now(), mid, GENERAL, reactor, "+1", author)
    )


async def points(core: Cercle, who: MemberRef) -> int:
    text = said(await run(core, who, "/rank"))
    return int(text.split("Points: ")[1].split()[0].replace(",", ""))


async def community_activity(core: Cercle) -> None:
    """Nora posts, thanks, is thanked, reacts, submits an idea and votes."""
    for minute in range(0, 6, 2):
        await post(core, NORA, minute)
    bobs = await post(core, BOB, 1)
    await react(core, bobs, NORA, BOB)
    noras = await post(core, NORA, 10)
    await react(core, noras, BOB, NORA)
    await react(core, noras, CAROL, NORA)
    await run(core, NORA, f"/thanks @{BOB.user_id} for the patient help with the {NAME} setup")
    await run(core, BOB, f"/thanks @{NORA_ID} for the guide")
    await run(core, NORA, '/idea submit "Noralynn dark mode" "Easier at night for me"')
    await run(core, MOD, '/poll create "Q?" options="a|b" anonymous=yes duration=1d')
    await run(core, NORA, "/poll vote 1 b")
    await run(core, NORA, '/poll create "Public?" options="x|y" duration=1d')
    await run(core, NORA, "/poll vote 2 y")


# ------------------------------------------------------------------------------ status


async def test_privacy_shows_what_is_kept_and_the_accounts(core):
    await community_activity(core)
    text = said(await run(core, NORA, "/privacy"))
    assert "Your data in this community" in text
    assert "1 ideas" in text and "2 poll ballots" in text and "2 thanks" in text
    assert f"discord {NORA_ID}" in text and "/privacy forget" in text
    assert "public" in text


# ------------------------------------------------------------------------------ hiding


async def test_a_hidden_member_leaves_the_boards_but_keeps_their_rank(core):
    await community_activity(core)
    assert NAME in said(await run(core, BOB, "/leaderboard all"))
    assert "now hidden" in said(await run(core, NORA, "/privacy hide"))
    mine = await points(core, NORA)
    assert NAME not in said(await run(core, BOB, "/leaderboard all"))
    assert NAME not in said(await run(core, BOB, "/leaderboard week"))
    rank = said(await run(core, NORA, "/rank"))
    assert "You are hidden" in rank and "Place" not in rank and mine > 0
    assert "You are hidden" in said(await run(core, NORA, "/profile"))
    assert NAME not in said(await run(core, MOD, "/admin digest preview"))
    await run(core, NORA, "/privacy show")
    assert NAME in said(await run(core, BOB, "/leaderboard all"))


async def test_a_hidden_voter_is_not_listed_on_a_public_poll(core):
    await run(core, MOD, '/poll create "Public?" options="x|y"')
    await run(core, NORA, "/poll vote 1 y")
    await run(core, BOB, "/poll vote 1 x")
    assert NAME in said(await run(core, CAROL, "/poll results 1"))
    await run(core, NORA, "/privacy hide")
    shown = said(await run(core, CAROL, "/poll results 1"))
    assert NAME not in shown and "bob" in shown and "1 (50%)" in shown  # still counted


async def test_an_opt_in_community_hides_members_until_they_say_show(db, clock):
    settings = Settings(
        communities=[
            {
                "name": "optin",
                "spaces": {"discord": "g1"},
                "privacy": {"default_visibility": "hidden"},
            }
        ]
    )
    core = Cercle(db, settings, clock)
    await post(core, NORA)
    assert NAME not in said(await run(core, BOB, "/leaderboard all"))
    await run(core, NORA, "/privacy show")
    assert NAME in said(await run(core, BOB, "/leaderboard all"))


# ------------------------------------------------------------------------------ export


async def test_the_export_is_json_whose_ledger_adds_up_to_the_rank_total(core, tmp_path):
    await community_activity(core)
    actions = await run(core, NORA, "/privacy export")
    (sent,) = [a for a in actions if isinstance(a, SendFile)]
    assert (sent.user_id, sent.filename) == (NORA_ID, "cercle-discord-g1-Noralynn-Quist.json")
    data = json.loads(sent.data)
    assert sum(row["points"] for row in data["ledger"]) == await points(core, NORA) > 0
    assert data["profile"]["name"] == NAME
    assert data["identities"] == [{"platform": "discord", "user_id": NORA_ID}]
    assert data["ideas"][0]["title"] == "Noralynn dark mode"
    assert data["ideas"][0]["description"] == "Easier at night for me"
    assert {b["poll"] for b in data["poll_ballots"]} == {1, 2}  # the anonymous one is open
    assert data["thanks_given"][0]["reason"].startswith("for the patient help")
    thanked = data["thanks_received"][0]
    assert (thanked["from"], thanked["reason"]) == ("bob", "for the guide")
    assert "direct message" in said([a for a in actions if isinstance(a, Reply)])


async def test_the_export_has_the_rank_history_as_it_happened(core, clock):
    await post(core, NORA)
    first = clock.now()
    for _ in range(3):  # Regular needs 3 active days and 50 points
        clock.advance(timedelta(days=1))
        await post(core, NORA)
    promoted = clock.now()
    await run(core, MOD, f"/admin points add @{NORA_ID} 60 moving in from the old forum")
    (sent,) = [a for a in await run(core, NORA, "/privacy export") if isinstance(a, SendFile)]
    data = json.loads(sent.data)
    assert data["profile"]["rank"] == "Regular"
    assert data["rank_history"] == [
        {"from": None, "to": "Newcomer", "at": first.isoformat()},
        {"from": "Newcomer", "to": "Regular", "at": promoted.isoformat()},
    ]


async def test_an_anonymous_ballot_leaves_the_export_once_the_poll_closes(core, clock):
    await community_activity(core)
    clock.advance(timedelta(days=2))
    await core.run_due(clock.now())
    (sent,) = [a for a in await run(core, NORA, "/privacy export") if isinstance(a, SendFile)]
    assert [b["poll"] for b in json.loads(sent.data)["poll_ballots"]] == [2]


# ------------------------------------------------------------------------------ forget


def _is_text(kind: object) -> bool:
    return isinstance(getattr(kind, "impl", kind), String | Text)


async def text_dump(db: Database) -> str:
    """Every text column of every table, as one string."""
    parts: list[str] = []
    async with db.transaction() as session:
        for table in SQLModel.metadata.sorted_tables:
            columns = [c for c in table.columns if _is_text(c.type)]
            if not columns:
                continue
            for row in await session.execute(select(*columns)):
                parts += [str(value) for value in row if value is not None]
    return "\n".join(parts)


async def test_forget_erases_the_member_and_leaves_what_others_earned(core, db, clock):
    await community_activity(core)
    bob_before, carol_before = await points(core, BOB), await points(core, CAROL)
    assert NAME in said(await run(core, MOD, "/admin digest preview"))
    dump = await text_dump(db)
    assert NAME in dump and NORA_ID in dump and "Noralynn dark mode" in dump

    confirm = await run(core, NORA, "/privacy forget")
    card = next(a.card for a in confirm if isinstance(a, Reply) and a.card)
    (forget_button,) = card.buttons
    assert forget_button.label == "Forget me"
    assert "Only the member" in said(await click(core, BOB, forget_button.custom_id))
    assert "forgotten you" in said(await click(core, NORA, forget_button.custom_id))

    dump = await text_dump(db)
    assert NAME not in dump and "Noralynn" not in dump and NORA_ID not in dump
    async with db.transaction() as session:
        trail = list(await session.scalars(select(AuditEntry).where(AuditEntry.kind == "forget")))
        stub = await session.scalar(select(Member).where(Member.visibility == "forgotten"))
    assert stub is not None and [(e.member_id, e.actor_id) for e in trail] == [(stub.id, stub.id)]
    assert "patient help" not in dump and "Easier at night" not in dump
    assert (await points(core, BOB), await points(core, CAROL)) == (bob_before, carol_before)
    assert "Noralynn" not in said(await run(core, MOD, "/admin digest preview"))
    assert "Noralynn" not in said(await run(core, BOB, "/leaderboard all"))
    assert "Noralynn" not in said(await run(core, BOB, "/idea list"))

    # Posting again: a new member with nothing.
    await post(core, NORA, 30)
    async with db.transaction() as session:
        rows = list(await session.scalars(select(Member).where(Member.origin.like("%" + NORA_ID))))
    assert len(rows) == 1 and rows[0].points <= 1
    assert await points(core, NORA) <= 1


# ------------------------------------------------------------------------------ departed


async def test_a_member_who_left_is_forgotten_after_the_configured_days(db, clock):
    settings = Settings(privacy={"forget_departed_after_days": 30})
    core = Cercle(db, settings, clock)
    await post(core, NORA)
    await post(core, BOB)
    await core.handle(MemberLeft("discord", "g1", clock.now(), NORA))
    await core.handle(MemberLeft("discord", "g1", clock.now(), BOB))
    clock.advance(timedelta(days=10))
    await core.handle(MemberJoined("discord", "g1", clock.now(), BOB))  # bob came back
    clock.advance(timedelta(days=21))
    await core.run_due(clock.now())
    dump = await text_dump(db)
    assert NORA_ID not in dump and NAME not in dump
    assert "bob" in said(await run(core, CAROL, "/leaderboard all"))


async def test_departed_members_stay_when_the_setting_is_unset(core, db, clock):
    await post(core, NORA)
    await core.handle(MemberLeft("discord", "g1", clock.now(), NORA))
    clock.advance(timedelta(days=3650))
    await core.run_due(clock.now())
    assert NORA_ID in await text_dump(db)


async def test_another_process_never_writes_a_forgotten_name_back(core, db, clock, settings):
    await post(core, NORA)  # this process now remembers nora's account
    other = Cercle(db, settings, clock)  # another process forgets her
    (button,) = next(a.card for a in await run(other, NORA, "/privacy forget") if a.card).buttons
    await click(other, NORA, button.custom_id)
    await post(core, NORA, 5)  # the first process still remembers her account
    assert NAME not in await text_dump(db)
    renamed = MemberRef("discord", NORA_ID, "Noralynn Q.")
    await post(core, renamed, 7)  # a new name is looked up again: a new member
    async with db.transaction() as session:
        stub = await session.scalar(select(Member).where(Member.visibility == "forgotten"))
    assert stub is not None and stub.display_name == ""


async def test_a_hidden_member_is_not_announced_in_a_channel(db, clock):
    ladder = [{"name": "Newcomer", "min_points": 0}, {"name": "Regular", "min_points": 10}]
    core = Cercle(db, Settings(ranks=ladder), clock)

    async def announced(who: MemberRef) -> list[str]:
        actions = await run(core, MOD, f"/admin points add @{who.user_id} 20 great help")
        cards = [getattr(a, "card", None) for a in actions if type(a).__name__ == "PostToChannel"]
        return [c.kind for c in cards if c is not None and who.name in card_text(c)]

    await post(core, NORA)
    await post(core, CAROL)
    await run(core, NORA, "/privacy hide")
    assert "promotion" in await announced(CAROL)  # the control: a promotion is announced
    assert await announced(NORA) == []
    assert "Regular" in said(await run(core, NORA, "/rank"))  # promoted all the same


async def test_linked_accounts_are_all_exported_and_all_forgotten(db, clock):
    spaces = {"discord": "g1", "slack": "T0NORA"}
    core = Cercle(db, Settings(communities=[{"name": "acme", "spaces": spaces}]), clock)
    on_slack = MemberRef("slack", "U0NORA77", NAME)

    async def slack(text: str) -> list[Action]:
        event = CommandInvoked(
            "slack", "T0NORA", clock.now(), f"s{next(_ids)}", GENERAL, on_slack, text=text
        )
        return await core.handle(event)

    await post(core, NORA)
    code = re.search(r"\b[A-Z2-9]{4}-[A-Z2-9]{4}\b", said(await run(core, NORA, "/link")))
    assert code is not None
    await slack(f"/link {code.group()}")
    (sent,) = [a for a in await slack("/privacy export") if isinstance(a, SendFile)]
    assert sorted(i["user_id"] for i in json.loads(sent.data)["identities"]) == sorted(
        [NORA_ID, "U0NORA77"]
    )
    (button,) = next(a.card for a in await slack("/privacy forget") if a.card).buttons
    event = ButtonPressed(
        "slack", "T0NORA", clock.now(), f"b{next(_ids)}", GENERAL, on_slack, button.custom_id
    )
    assert "forgotten you" in said(await core.handle(event))
    dump = await text_dump(db)
    assert NORA_ID not in dump and "U0NORA77" not in dump and NAME not in dump
