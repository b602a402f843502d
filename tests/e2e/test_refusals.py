"""Refusals and script errors that need a community of their own: the kudos daily limit,
unreadable script lines, and French answers."""

from __future__ import annotations


def only_replies(out: list[str]) -> list[str]:
    """What Cercle answered (the command's own echo line left out)."""
    return [line for line in out if not line.startswith("» ")]


SETUP = """
    alice: hello everyone, this is alice
    bob: hello everyone, this is bob
"""


async def test_the_kudos_daily_limit_is_refused_and_changes_nothing(console, db, snapshot):
    await console.play(SETUP)
    friends = "\n".join(f"friend{i}: hello from friend number {i}" for i in range(6))
    await console.play(friends)
    thanks = "\n".join(f"alice: /thanks @friend{i} for the help" for i in range(5))
    out = await console.play(thanks)
    assert sum("alice thanked" in line for line in out) == 5
    before = await snapshot(db)
    out = await console.play("alice: /thanks @friend5 for the help")
    after = await snapshot(db)
    assert only_replies(out) == [
        "  (only you) You have given all 5 of today's thanks. You can thank again tomorrow."
    ]
    assert before == after
    tomorrow = await console.play("""
        after 1d
        alice: /thanks @friend5 for the help
    """)
    assert any("alice thanked friend5" in line for line in tomorrow)


async def test_an_unreadable_line_names_the_line_and_the_script_goes_on(console):
    out = await console.play("""
        alice: hello everyone, this is alice
        this line means nothing at all
        after soon
        carol reacts 1 thumbsup
        bob: still playing after three bad lines
    """)
    errors = [line for line in out if line.startswith("! ")]
    assert len(errors) == 3
    assert "line 2" in errors[0] and "this line means nothing at all" in errors[0]
    assert "line 3" in errors[1] and "soon" in errors[1]
    assert "line 4" in errors[2]
    assert "[2] #general bob: still playing after three bad lines" in out
    assert console.session.errors == 3


async def test_an_unreadable_line_is_reported_in_french_for_a_french_community(french):
    out = await french.play("""
        alice: bonjour tout le monde
        ceci ne veut rien dire
    """)
    errors = [line for line in out if line.startswith("! ")]
    assert len(errors) == 1
    assert errors[0].startswith("! ligne 2")
    assert french.session.errors == 1


async def test_a_command_answer_is_in_french_for_a_french_community(french):
    out = await french.play("""
        alice: bonjour tout le monde ici
        bob: /thanks @alice pour l'accueil
        after 2h
    """)
    assert any("bob a remercié alice\u202f: pour l'accueil (+5 points)" in line for line in out)
    assert "⏰ Il est maintenant 2026-01-05 11:00 UTC." in out
