"""The welcome through the console, in English and French: a member who joins is greeted
with the checklist of first steps, doing them all earns the welcome badge (once), a large
community is not flooded, and the welcome may go by direct message."""

from __future__ import annotations

from transcript import Transcript

from adapters.console.session import ConsoleSession
from bot.config import ChecklistStep, CommunityDefaults, Settings, WelcomeSettings
from bot.core import Cercle
from tests.conftest import START


async def _console(db, clock, locale: str = "en", **welcome) -> Transcript:  # type: ignore[no-untyped-def]
    settings = Settings(
        defaults=CommunityDefaults(locale=locale),
        welcome=WelcomeSettings(enabled=True, **welcome),
    )
    session = ConsoleSession(Cercle(db, settings, clock), "club")
    await session.start(START)
    return Transcript(session)


async def test_a_newcomer_is_welcomed_and_earns_the_badge_for_the_checklist(db, clock):
    club = await _console(db, clock)
    out = "\n".join(await club.play("alice: hello all\ndave joins"))
    assert "[2] #general Cercle: 👋 Welcome to club, dave!" in out
    assert "(/rules)" in out and "/help" in out
    assert "☐ Introduce yourself: who you are and what brings you here" in out
    assert "☐ Ask a question, or answer one (reply to a message)" in out
    assert "☐ Read the rules with /rules" in out
    assert "Do them all to earn the badge Welcome aboard." in out
    out = "\n".join(
        await club.play("dave: hi, I am dave from Lyon\ndave replies to 1: hello alice")
    )
    assert "earned the badge" not in out
    out = "\n".join(await club.play("dave: /rules"))
    assert "🏅 dave earned the badge Welcome aboard" in out
    rank = "\n".join(await club.play("dave: /rank"))
    assert "Badges: Welcome aboard" in rank
    again = "\n".join(await club.play("dave leaves\ndave joins\ndave: /rules"))
    assert "Welcome to club" not in again and "earned the badge" not in again


async def test_no_welcome_above_the_configured_size(db, clock):
    club = await _console(db, clock, max_members=2)
    out = "\n".join(await club.play("alice: hi\nbob: hello\ndave joins"))
    assert "Welcome to club" not in out


async def test_no_welcome_when_it_is_off(console):
    out = "\n".join(await console.play("alice: hi\ndave joins"))
    assert "Welcome" not in out


async def test_the_welcome_by_direct_message_with_a_custom_step(db, clock):
    steps = [
        ChecklistStep(
            key="intro", done_by="post", channel="introductions", text="Say hi in #introductions"
        )
    ]
    club = await _console(db, clock, direct_message=True, checklist=steps)
    out = "\n".join(await club.play("dave joins"))
    assert "(DM to dave) 👋 Welcome to club, dave!" in out
    assert "☐ Say hi in #introductions" in out
    out = "\n".join(await club.play("dave: hello from general"))
    assert "earned the badge" not in out
    out = "\n".join(await club.play("in #introductions\ndave: hello, I am dave"))
    assert "🏅 dave earned the badge Welcome aboard" in out


async def test_the_welcome_in_french(db, clock):
    club = await _console(db, clock, "fr")
    out = "\n".join(await club.play("dave joins"))
    assert "👋 Bienvenue dans club, dave\u202f!" in out
    assert "☐ Présentez-vous\u202f: qui vous êtes et ce qui vous amène" in out
    assert "badge Bienvenue à bord" in out
    out = "\n".join(await club.play("dave: bonjour à tous\ndave replies to 2: merci\ndave: /rules"))
    assert "Bienvenue à bord" in out
