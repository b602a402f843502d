"""Message numbers: every shown message and every public post by Cercle gets the next [n];
command lines and replies only the caller sees get none; a later console on the same
database goes on counting, and its clock never goes back."""

from __future__ import annotations

import re
from datetime import timedelta

from adapters.console.session import ConsoleSession

NUMBERED = re.compile(r"^\[(\d+)\] #\S+ \S+: ")


def numbers(lines: list[str]) -> list[int]:
    return [int(m.group(1)) for line in lines if (m := NUMBERED.match(line))]


SCRIPT = """
    alice: how do I export my data as CSV?
    bob: /thanks @alice for asking a good question
    alice: /rank
    carol: /leaderboard
    bob replies to 1: use the export button in settings
    after 1h
    alice marks 4 as solution
    in #help
    dave: a new question in the help channel
    dave: /help
"""


async def test_every_message_and_public_post_gets_the_next_number(console):
    out = await console.play(SCRIPT)
    assert numbers(out) == list(range(1, 8))
    text = "\n".join(out)
    assert "[1] #general alice: how do I export my data as CSV?" in text
    assert re.search(r"^\[2\] #general Cercle: .*bob thanked alice", text, re.M)
    assert re.search(r"^\[3\] #general Cercle: .*Leaderboard", text, re.M)
    assert "[4] #general bob: use the export button in settings" in text
    assert re.search(r"^\[5\] #general Cercle: .*Marked as the solution", text, re.M)
    assert re.search(r"^\[6\] #general Cercle: .*bob earned the badge First solution", text, re.M)
    assert "[7] #help dave: a new question in the help channel" in text


async def test_command_lines_and_private_replies_get_no_number(console):
    out = await console.play(SCRIPT)
    commands = [line for line in out if line.startswith("» ")]
    assert commands == [
        "» #general bob: /thanks @alice for asking a good question",
        "» #general alice: /rank",
        "» #general carol: /leaderboard",
        "» #help dave: /help",
    ]
    private = [line for line in out if "(only you)" in line]
    assert len(private) == 2  # alice's /rank and dave's /help
    assert all(line.startswith("  (only you) ") for line in private)


async def test_a_numbered_cercle_post_can_be_reacted_to_and_replied_to(console):
    out = await console.play("""
        alice: hello everyone, glad to be here
        bob: /thanks @alice for the welcome
        carol reacts 2 :tada:
        carol replies to 2: well deserved alice
    """)
    assert "[3] #general carol: well deserved alice" in out
    assert console.session.errors == 0


async def test_a_later_console_on_the_same_database_goes_on_counting(console):
    await console.play("""
        alice: how do I export my data as CSV?
        after 2h
    """)
    core = console.session.core
    lines: list[str] = []
    later = ConsoleSession(core, "test", emit=lines.append)
    # asking for an earlier start must not move the clock back
    await later.start(console.session.clock.now() - timedelta(days=30))
    await later.load_messages()
    for line in ("bob replies to 1: use the export button in settings", "after 1h"):
        await later.feed(line)
    await later.finish()
    assert lines == [
        "[2] #general bob: use the export button in settings",
        "⏰ It is now 2026-01-05 12:00 UTC.",
    ]
    assert later.errors == 0


async def test_a_later_console_remembers_the_channel_and_the_members_roles(console):
    await console.play("""
        alice: hello everyone, glad to be here
        mod is moderator
        in #help
    """)
    lines: list[str] = []
    later = ConsoleSession(console.session.core, "test", emit=lines.append)
    await later.start()
    await later.load_messages()
    for line in ("bob: a question in the help channel", "mod: /admin points add @alice 5 welcome"):
        await later.feed(line)
    await later.finish()
    assert lines[0] == "[2] #help bob: a question in the help channel"
    assert any("Added 5 points to alice" in line for line in lines)
