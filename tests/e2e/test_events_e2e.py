"""Community events end to end through the console: the whole life of an event with the
clock moved by `after` (create, answers, the waitlist moving up, one reminder, the host's
check-in code, a wrong and a right code, attendance points once, badges), a cancellation
telling everyone who answered, a restart before the reminder, French, and every bad input
refused privately with the database unchanged."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from transcript import Transcript

from adapters.console.session import ConsoleSession
from bot.clock import ManualClock
from bot.core import Cercle
from bot.exports import export

SETUP = """
    alice: hello everyone, this is alice
    bob: hello everyone, this is bob
    carol: hello everyone, this is carol
    dave: hello everyone, this is dave
    mod is moderator
    mod: hello from the moderator here
"""
# The console's clock starts on Monday 5 January 2026, 09:00 UTC.
OFFICE_HOURS = '/event create "Office hours" "2026-01-06 18:00" 2h 2 description="Ask us anything"'


def dms(out: list[str], name: str) -> list[str]:
    return [line for line in out if line.startswith((f"(DM to {name}) ", f"(MP à {name}) "))]


def code_in(out: list[str]) -> str:
    match = re.search(r"(?:check-in code is|code de présence est) ([A-Z0-9]{6})", "\n".join(out))
    assert match, "\n".join(out)
    return match.group(1)


async def test_the_whole_life_of_an_event(console: Transcript) -> None:
    await console.play(SETUP)
    out = await console.play(f"""
        mod: {OFFICE_HOURS}
        bob presses Going
        carol presses Going
        dave presses Going
        alice presses Maybe
    """)
    text = "\n".join(out)
    assert "[6] #general Cercle: 📅 Event #1: Office hours" in text
    assert "When: 6 January 2026, 18:00 UTC, for 2 hours" in text
    assert "[ Going ] [ Maybe ] [ Can't go ]" in text
    assert '(only you) Event #1 "Office hours" is on for 6 January 2026, 18:00 UTC.' in text
    assert "You're on the waitlist" not in text  # (the wording below)
    assert '"Office hours" is full: you\'re on the waitlist' in text
    assert "Going: 2 / 2" in text and "Waitlist: 1" in text and "Maybe: 1" in text

    out = await console.play("""
        bob presses Can't go
        carol: /event show 1
    """)
    (promoted,) = dms(out, "dave")
    assert "A place opened up at event #1" in promoted
    text = "\n".join(out)
    assert "Going: carol, dave" in text and "Maybe: alice" in text
    assert "Can't go: 1" in text and "Waitlist:" not in text

    out = await console.play("after 1d")  # Tuesday 09:00: nothing yet
    assert not any(line.startswith("(DM to") for line in out)
    out = await console.play("after 8h")  # 17:00, an hour before: the reminder
    assert dms(out, "bob") == [] and dms(out, "alice") == []
    (reminder,) = dms(out, "carol")
    assert reminder.startswith('(DM to carol) ⏰ Event #1 "Office hours" starts 6 January 2026')
    assert len(dms(out, "dave")) == 1
    out = await console.play("after 30m")
    assert not any("⏰ Event" in line for line in out)  # never twice

    out = await console.play("after 30m")  # 18:00: the host gets the code
    (_host_code,) = dms(out, "mod")
    code = code_in(out)
    out = await console.play(f"""
        carol: /event checkin 1 WRONG1
        carol: /event checkin 1 {code}
        carol: /event checkin 1 {code.lower()}
        mod: /admin event attended 1 @dave
        mod: /admin event attended 1 @dave
    """)
    text = "\n".join(out)
    assert 'That is not the check-in code of event #1 "Office hours".' in text
    assert "You're checked in at event #1" in text and "10 points for being there" in text
    assert "You're already checked in at event #1" in text
    assert "🏅 carol earned the badge First event" in text
    assert "Marked as at event #1: dave." in text and "Already marked: dave." in text
    assert text.count("earned the badge First event") == 2  # carol and dave, once each

    out = await console.play("""
        after 3h
        bob: /event checkin 1 XXXXXX
        onlooker: /rank @carol
        onlooker: /rank @mod
    """)
    text = "\n".join(out)
    assert 'Check-in for event #1 "Office hours" closed 6 January 2026, 20:30 UTC.' in text
    # carol: 1 point for her hello message, 10 for being there; mod: 1 + 20 for hosting.
    assert "carol's rank" in text and "Points: 11 points" in text
    assert "mod's rank" in text and "Points: 21 points" in text

    # The numbers: carol and dave were going and both came; alice (maybe) did not come.
    text = "\n".join(await console.play("mod: /admin stats"))
    # The community began this week: no week before it to compare with.
    assert "📅 Events: Events held: 1\n" in text and "up from none" not in text
    assert "People going: 2" in text and "Attended: 2" in text
    assert "Show-up rate (going who came): 100%" in text
    out = await console.play("after 6d")  # Monday 12 January: the week's digest
    text = "\n".join(out)
    assert "Cercle: 📰" in text and "📅 Events: Events held: 1" in text
    assert "Show-up rate (going who came): 100%" in text
    assert console.session.errors == 0

    # `cercle export --what events`: the event with its answers and who attended.
    chunks: list[str] = []
    core = console.session.core
    await export(core.db, "test", "events", "json", chunks.append, core.settings.ranks)
    (row,) = json.loads("".join(chunks))
    assert row["number"] == 1 and row["title"] == "Office hours" and row["host"] == "mod"
    assert (row["going"], row["maybe"], row["no"], row["waitlist"]) == (2, 1, 1, 0)
    assert row["attended"] == 2 and row["attendees"] == ["carol", "dave"]
    chunks = []
    await export(core.db, "test", "events", "csv", chunks.append, core.settings.ranks)
    (cells,) = csv.DictReader(io.StringIO("".join(chunks)))
    assert cells["attendees"] == "carol | dave" and cells["starts_at"].startswith(
        "2026-01-06T18:00"
    )


async def test_cancelling_tells_everyone_who_answered(console: Transcript) -> None:
    await console.play(SETUP)
    out = await console.play("""
        mod: /event create "Beta session" "in 3d" 90m
        bob presses Going
        carol presses Maybe
        dave presses Can't go
        mod: /admin event cancel 1 The speaker is ill
        bob presses Going on 6
        after 3d
    """)
    text = "\n".join(out)
    for name in ("bob", "carol", "dave"):
        (notice,) = dms(out, name)
        assert (
            '❌ Event #1 "Beta session"' in notice and "is cancelled: The speaker is ill" in notice
        )
    assert "Event #1 is cancelled; 3 members told by direct message." in text
    assert "📅 Event #1 (cancelled): Beta session" in text
    assert "Cancelled: The speaker is ill" in text
    assert "message [6] has no button labelled Going" in text
    assert not any("⏰" in line or "🔑" in line for line in out if line.startswith("(DM"))
    assert "No upcoming events" in "\n".join(await console.play("bob: /event list"))


async def test_editing_moves_the_reminder_and_opens_places(console: Transcript) -> None:
    await console.play(SETUP)
    out = await console.play("""
        mod: /event create "Meetup" "tomorrow 18:00" capacity=1
        bob presses Going
        carol presses Going
        mod: /admin event edit 1 when="2026-01-07 18:00" capacity=2
    """)
    text = "\n".join(out)
    assert 'Event #1 "Meetup" is updated.' in text
    (moved,) = [line for line in dms(out, "bob") if "has moved" in line]
    assert "now starts 7 January 2026, 18:00 UTC" in moved
    assert any("A place opened up" in line for line in dms(out, "carol"))
    out = await console.play("after 33h")  # Tuesday 18:00: past the old time, nothing due
    assert not any(line.startswith("(DM to") for line in out)
    out = await console.play("after 23h")  # Wednesday 17:00
    assert len([line for line in out if line.startswith("(DM to") and "⏰" in line]) == 2


async def test_a_restart_before_the_reminder_sends_it_once(console: Transcript) -> None:
    await console.play(SETUP)
    await console.play("""
        mod: /event create "Webinar" "2026-01-05 12:00"
        bob presses Going
        after 1h
    """)
    old = console.session.core
    lines: list[str] = []
    restarted = Cercle(old.db, old.settings, ManualClock(console.session.clock.now()))
    later = ConsoleSession(restarted, "test", emit=lines.append)
    await later.start()
    await later.load_messages()
    for line in ("carol presses Going on 6", "after 1h", "after 1h"):
        await later.feed(line)
    await later.finish()
    assert later.errors == 0
    assert len([line for line in lines if line.startswith("(DM to bob) ⏰")]) == 1
    assert len([line for line in lines if line.startswith("(DM to carol) ⏰")]) == 1
    assert [a for _, a in await old.run_due(later.clock.now())] == []


async def test_a_reminder_that_runs_at_the_start_says_it_has_started(
    console: Transcript,
) -> None:
    await console.play(SETUP)
    out = await console.play("""
        mod: /event create "Office hours" "in 2d"
        bob presses Going
        after 2d
    """)
    (late,) = dms(out, "bob")
    assert late.startswith('(DM to bob) ⏰ Event #1 "Office hours" has started (')
    assert "(in " not in late


async def test_no_reminder_once_the_event_is_over(console: Transcript) -> None:
    await console.play(SETUP)
    out = await console.play("""
        mod: /event create "Office hours" "in 2d"
        bob presses Going
        after 3d
    """)
    assert dms(out, "bob") == []


async def test_private_events_show_counts_but_not_who(console: Transcript) -> None:
    await console.play(SETUP)
    out = await console.play("""
        mod: /event create "Customer council" "in 2d" private=true
        bob presses Going
        carol: /event show 1
    """)
    shown = [line for line in out if line.startswith("  (only you)") or line.startswith("   ")]
    text = "\n".join(out)
    assert "Not shown: this event is private." in text
    assert "Going: bob" not in "\n".join(shown)


async def test_members_from_the_configured_rank_may_create_events(db, clock) -> None:
    from bot.config import Settings

    settings = Settings(events={"create_min_rank": "Newcomer"})
    session = ConsoleSession(Cercle(db, settings, clock), "ranks")
    await session.start(clock.now())
    stage = Transcript(session)
    await stage.play(SETUP)
    out = await stage.play('alice: /event create "Book club" "in 2d"')
    assert any("📅 Event #1: Book club" in line for line in out)


async def test_an_event_in_a_french_community(french: Transcript) -> None:
    await french.play(SETUP)
    out = await french.play("""
        mod: /event create "Permanence" "demain 18h" 1h 1
        bob presses J'y vais
        carol presses J'y vais
        bob presses Je ne peux pas
        after 1d
        after 8h
        after 1h
    """)
    text = "\n".join(out)
    assert "📅 Événement n°\u00a01\u202f: Permanence" in text
    assert "[ J'y vais ] [ Peut-être ] [ Je ne peux pas ]" in text
    assert "est complet\u202f: vous êtes en liste d'attente" in text
    assert any("Une place s'est libérée" in line for line in dms(out, "carol"))
    assert any(
        "⏰ L'événement n°\u00a01 «\u00a0Permanence\u00a0» commence" in line
        for line in dms(out, "carol")
    )
    code = code_in(out)
    out = await french.play(f"carol: /event checkin 1 {code}")
    assert any("Votre présence à l'événement n°\u00a01" in line for line in out)
    assert any("🏅 carol" in line and "Premier événement" in line for line in out)
    text = "\n".join(await french.play("mod: /admin stats"))
    assert "📅 Événements\u202f: Événements tenus\u202f: 1" in text
    assert "Taux de présence (inscrits venus)\u202f: 100\u00a0%" in text


# --------------------------------------------------------------------------- bad input

# At 12:00 on Monday: #1 (10:00-11:00) is over and its check-in closed at 11:30; #2 starts
# in two days; #3 is cancelled; #4 (11:30-13:30) is running.
EVENTS = """
    mod: /event create "Breakfast" "2026-01-05 10:00"
    mod: /event create "Later" "in 2d"
    mod: /event create "Gone" "in 2d"
    mod: /admin event cancel 3 no room
    mod: /event create "Running" "2026-01-05 11:30" 2h
    helper is a bot
    helper: an automated hello message
    after 3h
"""

CASES: dict[str, tuple[str, str, str]] = {
    "a date in the past": (
        'mod: /event create "Old" "2026-01-01 10:00"',
        "`2026-01-01 10:00` is in the past (it is now 5 January 2026, 12:00 UTC).",
        "`2026-01-01 10:00` est dans le passé",
    ),
    "an unreadable date": (
        'mod: /event create "Soon" "next friday"',
        "`next friday` is not a time Cercle can read.",
        "Cercle ne sait pas lire l'heure `next friday`.",
    ),
    "a date that does not exist": (
        'mod: /event create "Soon" "2031-02-30 18:00"',
        "`2031-02-30 18:00` is not a time Cercle can read.",
        "Cercle ne sait pas lire l'heure `2031-02-30 18:00`.",
    ),
    "capacity 0": (
        'mod: /event create "Tiny" "in 2d" capacity=0',
        "`capacity` must be between 1 and 100000 (got 0).",
        "`capacity` doit être compris entre 1 et 100000",
    ),
    "too long": (
        'mod: /event create "Marathon" "in 2d" 2w',
        "`duration` must be between",
        "`duration` doit être compris entre",
    ),
    "a member creating": (
        'alice: /event create "Mine" "in 2d"',
        "Only moderators can create events here.",
        "Seuls les modérateurs peuvent créer des événements ici.",
    ),
    "an unknown event": (
        "bob: /event show 42",
        "There is no event #42 here.",
        "Il n'y a pas d'événement n°\u00a042 ici.",
    ),
    "cancelling an unknown event": (
        "mod: /admin event cancel 42 oops",
        "There is no event #42 here.",
        "Il n'y a pas d'événement n°\u00a042 ici.",
    ),
    "cancelling twice": (
        "mod: /admin event cancel 3 again",
        'Event #3 "Gone" is cancelled.',
        "L'événement n°\u00a03 «\u00a0Gone\u00a0» est annulé.",
    ),
    "cancelling an event that is over": (
        "mod: /admin event cancel 1 late",
        'Event #1 "Breakfast" is over.',
        "L'événement n°\u00a01 «\u00a0Breakfast\u00a0» est terminé.",
    ),
    "a member cancelling": (
        "alice: /admin event cancel 2 mine now",
        "Only moderators can run `/admin event cancel`.",
        "Seuls les modérateurs peuvent lancer `/admin event cancel`.",
    ),
    "editing nothing": (
        "mod: /admin event edit 2",
        "Say what to change in event #2",
        "Dites ce qui change dans l'événement n°\u00a02",
    ),
    "editing to the past": (
        'mod: /admin event edit 2 when="2026-01-01 09:00"',
        "is in the past",
        "est dans le passé",
    ),
    "a check-in after the end window": (
        "bob: /event checkin 1 ABCDEF",
        'Check-in for event #1 "Breakfast" closed 5 January 2026, 11:30 UTC.',
        "Les présences de l'événement n°\u00a01 «\u00a0Breakfast\u00a0» sont closes",
    ),
    "a check-in before the start": (
        "bob: /event checkin 2 ABCDEF",
        'Event #2 "Later" has not started yet',
        "L'événement n°\u00a02 «\u00a0Later\u00a0» n'a pas encore commencé",
    ),
    "a wrong code": (
        "bob: /event checkin 4 WRONG1",
        'That is not the check-in code of event #4 "Running".',
        "Ce n'est pas le code de présence de l'événement n°\u00a04",
    ),
    "the host checking in": (
        "mod: /event checkin 4 WRONG1",
        'You host event #4 "Running"',
        "Vous organisez l'événement n°\u00a04",
    ),
    "answering an event that is over": (
        "bob presses Going on 6",
        'Event #1 "Breakfast" is over.',
        "L'événement n°\u00a01 «\u00a0Breakfast\u00a0» est terminé.",
    ),
    "a bot answering": (
        "helper presses Going on 7",
        "Bots don't answer events.",
        "Les bots ne répondent pas aux événements.",
    ),
    "attendance marked by someone else": (
        "bob: /event attended 4 @carol",
        "Only the host of event #4 or a moderator can mark who attended.",
        "Seuls l'organisateur de l'événement n°\u00a04",
    ),
    "a member using the moderators' attendance command": (
        "bob: /admin event attended 4 @carol",
        "Only moderators",
        "Seuls les modérateurs",
    ),
    "attendance naming no member": (
        "mod: /admin event attended 4 carol",
        "`carol` is not a member; name them like `@alice`.",
        "`carol` n'est pas un membre",
    ),
}


@pytest.mark.parametrize("locale", ["en", "fr"])
@pytest.mark.parametrize("name", list(CASES))
async def test_bad_event_input_is_refused_privately_and_changes_nothing(
    name, locale, db, clock, snapshot
) -> None:
    from bot.config import CommunityDefaults, Settings

    settings = Settings(defaults=CommunityDefaults(locale=locale))
    session = ConsoleSession(Cercle(db, settings, clock), f"events-{locale}")
    await session.start(clock.now())
    stage = Transcript(session)
    await stage.play(SETUP)
    await stage.play(EVENTS)
    assert session.errors == 0, stage.lines
    line, english, french = CASES[name]
    if locale == "fr":
        line = line.replace("presses Going", "presses J'y vais")  # the French card's label
    before = await snapshot(db)
    out = await stage.play(line)
    after = await snapshot(db)
    replies = [entry for entry in out if not entry.startswith("» ")]
    assert replies and replies[0].startswith(("  (only you) ", "  (vous seul) ")), out
    assert not any(entry.startswith(("[", "(DM", "(MP")) for entry in out), out
    text = "\n".join(replies)
    assert (english if locale == "en" else french) in text, text
    changed = {table for table in before if before[table] != after.get(table)}
    assert not changed, f"{line!r} changed {sorted(changed)}"


async def test_a_members_own_export_has_their_events(console: Transcript, core: Cercle) -> None:
    import json as json_module

    from storage import privacy
    from storage.members import find_member

    await console.play(SETUP)
    await console.play("""
        mod: /event create "Meetup" "2026-01-05 10:00"
        bob presses Going
        after 1h
    """)
    async with core.db.transaction() as session:
        community = await core.community(session, "console", "test", core.clock.now())
        bob = await find_member(session, community.id, "console", "bob")
        mod = await find_member(session, community.id, "console", "mod")
        assert bob is not None and mod is not None and bob.id and mod.id
        mine = await privacy.everything(session, bob.id)
        hosted = await privacy.everything(session, mod.id)
    assert mine["event_answers"][0]["event"] == 1 and mine["event_answers"][0]["answer"] == "going"
    assert mine["events_attended"] == []
    assert [e["title"] for e in hosted["events_hosted"]] == ["Meetup"]
    json_module.dumps(mine)  # plain JSON all the way
