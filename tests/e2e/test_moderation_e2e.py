"""Rules, the team and warnings through the console, in English and French: `/rules`,
`/team`, `/admin warn` along the ladder with the member's DM, `/admin warnings`,
`undo=true`, and every refusal answered clearly with nothing changed."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from transcript import Transcript

from adapters.console.session import ConsoleSession
from bot.config import CommunityDefaults, CommunityRule, Settings
from bot.core import Cercle
from storage.models.moderation import MemberWarning
from tests.conftest import START

RULES = [
    CommunityRule(title="Be kind", text="No insults, no harassment."),
    CommunityRule(title="No spam", text="No ads or repeated links."),
]
SETUP = """
    alice is moderator
    alice: hello everyone
    bob: hello there, I sell things
    erin has role staff
    erin: hi, product team here
    helper is a bot
    helper: beep
"""


def replies(out: list[str]) -> list[str]:
    return [line for line in out if not line.startswith("» ")]


async def _console(db, clock, locale: str = "en", **defaults) -> Transcript:  # type: ignore[no-untyped-def]
    settings = Settings(
        defaults=CommunityDefaults(
            locale=locale, rules=RULES, team_roles={"staff": "Product team"}, **defaults
        )
    )
    session = ConsoleSession(Cercle(db, settings, clock), "mods")
    await session.start(START)
    transcript = Transcript(session)
    await transcript.play(SETUP)
    return transcript


@pytest.fixture
async def mods(db, clock) -> Transcript:  # type: ignore[no-untyped-def]
    return await _console(db, clock)


@pytest.fixture
async def moderes(db, clock) -> Transcript:  # type: ignore[no-untyped-def]
    return await _console(db, clock, "fr")


async def test_rules_are_numbered_with_the_consequence_ladder(mods):
    out = "\n".join(await mods.play("bob: /rules"))
    assert "📜 The rules of mods" in out
    assert "1. Be kind — No insults, no harassment." in out
    assert "2. No spam — No ads or repeated links." in out
    assert "When a rule is broken (warnings of the last 90 days)" in out
    for line in (
        "1st warning: a warning",
        "2nd warning: a 1h timeout",
        "3rd warning: a 1d timeout",
    ):
        assert line in out
    assert "4th warning: a ban (moderators decide)" in out


async def test_rules_without_any_configured_say_so(console):
    out = await console.play("bob: /rules")
    assert "no written rules yet" in "\n".join(out)


async def test_team_lists_moderators_and_team_roles_with_rank(mods, db, snapshot):
    await mods.play("alice: /admin exclude member @erin")  # staff off the boards, still on the team
    out = "\n".join(await mods.play("bob: /team"))
    assert "👥 Who is who in mods" in out
    assert "Moderators: alice (Newcomer)" in out
    assert "Product team: erin (Newcomer)" in out
    assert "bob" not in out.replace("» #general bob: /team", "")
    board = "\n".join(await mods.play("bob: /leaderboard all"))
    assert "erin" not in board


async def test_warnings_climb_the_ladder_and_the_member_is_told(mods):
    out = await mods.play("alice: /admin warn @bob 2 posting ads")
    assert "\n".join(replies(out)).splitlines() == [
        "  (only you) ⚠️ bob is warned for rule 2 (No spam): 1st warning in 90 days, a warning.",
        "(DM to bob) ⚠️ A moderator of mods warned you for breaking rule 2, “No spam”: No ads "
        "or repeated links.",
        "            Reason: posting ads",
        "            This is your 1st warning in 90 days: a warning. Next time: a 1h timeout.",
    ]
    out = "\n".join(await mods.play("alice: /admin warn @bob 1 insulted carol"))
    assert "2nd warning in 90 days, a 1h timeout" in out
    # The console has no timeouts: the step is suggested to the moderator.
    assert "Suggested to the moderators: a 1h timeout for bob" in out
    listing = "\n".join(await mods.play("alice: /admin warnings @bob"))
    assert "rule 1 · a 1h timeout · by alice — insulted carol" in listing
    assert "rule 2 · a warning · by alice — posting ads" in listing
    assert "2 in force within the last 90 days." in listing
    audit = "\n".join(await mods.play("alice: /admin audit"))
    assert "alice · warned bob for rule 1 (timeout 1h) — insulted carol" in audit


async def test_warnings_older_than_the_window_no_longer_count(mods):
    await mods.play("alice: /admin warn @bob 2 posting ads")
    out = "\n".join(await mods.play("after 91d\nalice: /admin warn @bob 2 again"))
    assert "1st warning in 90 days, a warning." in out


async def test_undo_withdraws_the_last_warning(mods):
    await mods.play("alice: /admin warn @bob 2 posting ads\nalice: /admin warn @bob 2 again")
    out = replies(await mods.play("alice: /admin warn @bob undo=true"))
    assert out == ["  (only you) ↩️ bob's last warning (rule 2, 5 January 2026) is withdrawn."]
    listing = "\n".join(await mods.play("alice: /admin warnings @bob"))
    assert "— again (withdrawn)" in listing
    assert "1 in force" in listing
    out = "\n".join(await mods.play("alice: /admin warn @bob 2 once more"))
    assert "2nd warning in 90 days" in out  # the withdrawn one does not count
    await mods.play("alice: /admin warn @bob undo=true\nalice: /admin warn @bob undo=true")
    out = replies(await mods.play("alice: /admin warn @bob undo=true"))
    assert out == ["  (only you) bob has no warning to withdraw."]


@pytest.mark.parametrize(
    ("line", "answer"),
    [
        (
            "alice: /admin warn @bob 3 spam",
            "There is no rule 3 here: the rules go from 1 to 2 (see /rules).",
        ),
        ("alice: /admin warn @helper 1 beeping", "helper is a bot: warnings are for the"),
        ("alice: /admin warn @mona 1 rude", "mona is a moderator: moderators are not warned"),
        ("alice: /admin warn @alice 1 rude", "You cannot warn yourself."),
        ("alice: /admin warn @bob", "Say which rule was broken"),
        ("alice: /admin warn @bob 1", "Say why, in a few words"),
        ("alice: /admin warn @nobody 1 rude", "I don't know any member called nobody"),
        ("bob: /admin warn @erin 1 rude", "Only moderators can run `/admin warn`."),
        ("bob: /admin warnings @erin", "Only moderators can run `/admin warnings`."),
        ("alice: /admin warn @bob 0 rude", "`rule` must be between 1 and 99"),
    ],
)
async def test_bad_warnings_are_refused_and_change_nothing(mods, db, snapshot, line, answer):
    await mods.play("mona is moderator\nmona: /rules")
    before = await snapshot(db)
    out = "\n".join(await mods.play(line))
    assert answer in out
    assert "(DM to" not in out
    assert await snapshot(db) == before


async def test_warning_without_rules_configured_is_refused(console, db, snapshot):
    await console.play(SETUP)
    before = await snapshot(db)
    out = "\n".join(await console.play("alice: /admin warn @bob 1 spam"))
    assert "This community has no rules configured" in out
    assert await snapshot(db) == before


async def test_in_french(moderes):
    rules = "\n".join(await moderes.play("bob: /rules"))
    assert "📜 Les règles de mods" in rules
    assert "2e avertissement\u202f: une exclusion temporaire de 1h" in rules
    team = "\n".join(await moderes.play("alice: /rules\nbob: /team"))
    assert "Modérateurs\u202f: alice (Nouveau venu)" in team
    assert "Product team\u202f: erin (Nouveau venu)" in team
    out = "\n".join(await moderes.play("alice: /admin warn @bob 2 publicité"))
    assert "bob est averti·e pour la règle 2 (No spam)\u202f: 1er avertissement en 90 jours" in out
    assert "⚠️ Un modérateur de mods vous a averti·e pour la règle 2" in out
    assert "(DM to bob)" in out or "(MP à bob)" in out
    assert "Motif\u202f: publicité" in out
    assert "La prochaine fois\u202f: une exclusion temporaire de 1h." in out
    out = "\n".join(await moderes.play("alice: /admin warn @bob 2 encore"))
    assert "Suggestion aux modérateurs\u202f: une exclusion temporaire de 1h pour bob" in out
    out = "\n".join(await moderes.play("alice: /admin warn @bob 7 spam"))
    assert "Il n'y a pas de règle 7 ici\u202f: les règles vont de 1 à 2" in out
    out = "\n".join(await moderes.play("alice: /admin warn @helper 1 x"))
    assert "helper est un bot" in out
    out = "\n".join(await moderes.play("alice: /admin warnings @bob"))
    assert "Avertissements de bob" in out and "par alice — encore" in out
    out = "\n".join(await moderes.play("alice: /admin warn @bob undo=true"))
    assert "Le dernier avertissement de bob (règle 2" in out


# -- reports ------------------------------------------------------------------------------

REPORTED = """
    carol: hello, carol here
    bob: buy my stuff at example dot com
"""


async def test_a_report_opens_one_card_that_counts_its_reporters(db, clock):
    mods = await _console(db, clock, moderator_channel="moderators")
    await mods.play(REPORTED)
    out = "\n".join(await mods.play("carol reports 6: spam links"))
    assert "[7] #moderators Cercle: 🚩 A message is reported" in out
    assert "#general [6]" in out and "Written by: bob" in out and "Reports: 1" in out
    assert "carol: spam links" in out and "[ Warn ] [ Dismiss ]" in out
    assert "(only you) 🙏 Thank you: the moderators have your report." in out
    out = "\n".join(await mods.play("erin reports 6: ads"))
    assert "(card [7] updated)" in out and "Reports: 2" in out and "erin: ads" in out
    assert "[8]" not in out  # still one card
    out = "\n".join(await mods.play("erin reports 6: again"))
    assert "You have already reported this message" in out
    assert "(DM to bob)" not in mods.text  # bob is never told who reported him


async def test_without_a_moderator_channel_the_card_names_no_reporter(mods):
    await mods.play(REPORTED)
    out = "\n".join(await mods.play("carol reports 6: spam links"))
    assert "#general Cercle: 🚩 A message is reported" in out  # where bob reads it too
    assert "— spam links" in out and "carol" not in out.split("A message is reported")[1]
    assert "set moderator_channel so that reports stay among moderators" in out


async def test_moderator_warns_from_the_card(db, clock):
    mods = await _console(db, clock, moderator_channel="moderators")
    await mods.play(REPORTED + "carol reports 6: spam links")
    out = "\n".join(await mods.play("carol presses Warn on 7"))
    assert "Only moderators can handle a report." in out
    out = "\n".join(await mods.play("alice presses Warn on 7"))
    assert "Which rule does the message break?" in out and "[ Rule 1 ] [ Rule 2 ]" in out
    out = "\n".join(await mods.play("alice presses Rule 2"))
    assert "bob is warned for rule 2 (No spam): 1st warning in 90 days" in out
    assert "Reason: reported message: spam links" in out
    assert "Handled by alice: the author is warned." in out
    out = "\n".join(await mods.play("alice presses Dismiss on 7"))
    assert "no button" in out or "already handled" in out
    # Handled: a new report of the same message opens a new card.
    out = "\n".join(await mods.play("erin reports 6: still spam"))
    assert "[8] #moderators Cercle: 🚩 A message is reported" in out


async def test_moderator_dismisses_a_report_into_the_audit_trail(db, clock):
    mods = await _console(db, clock, moderator_channel="moderators")
    await mods.play(REPORTED + "carol reports 6: spam links")
    out = "\n".join(await mods.play("alice presses Dismiss on 7"))
    assert "Dismissed by alice." in out
    assert "(only you) The report is dismissed" in out
    audit = "\n".join(await mods.play("alice: /admin audit"))
    assert "alice · dismissed the report of message #general [6]" in audit


async def test_bad_reports_are_refused_and_change_nothing(mods, db, snapshot):
    await mods.play(REPORTED)
    before = await snapshot(db)
    out = "\n".join(await mods.play("bob reports 6: mine"))
    assert "You cannot report your own message." in out
    out = "\n".join(await mods.play("carol reports 99: spam"))
    assert "99" in out and out.startswith("!")
    assert await snapshot(db) == before


async def test_reports_in_french(db, clock):
    moderes = await _console(db, clock, "fr", moderator_channel="moderateurs")
    await moderes.play(REPORTED)
    out = "\n".join(await moderes.play("carol reports 6: pub"))
    assert "🚩 Un message est signalé" in out and "Écrit par\u202f: bob" in out
    assert "[ Avertir ] [ Classer ]" in out
    assert "🙏 Merci\u202f: les modérateurs ont votre signalement." in out
    out = "\n".join(await moderes.play("alice presses Classer on 7"))
    assert "Classé par alice." in out
    out = "\n".join(await moderes.play("bob reports 6"))
    assert "Vous ne pouvez pas signaler votre propre message." in out


async def test_a_members_warnings_are_in_their_export_and_forgotten_with_them(
    mods, db, tmp_path
):
    import json

    await mods.play("alice: /admin warn @bob 2 posting ads")
    mods.session.files = tmp_path / "files-bob"
    await mods.play("bob: /privacy export")
    exported = next(mods.session.files.glob("*.json"))
    data = json.loads(exported.read_text(encoding="utf-8"))
    assert [(w["rule"], w["reason"]) for w in data["warnings"]] == [(2, "posting ads")]
    await mods.play("bob: /privacy forget\nbob presses Forget me")
    async with db.transaction() as session:
        reasons = (await session.scalars(select(MemberWarning.reason))).all()
    assert reasons == [""]  # the reason written about bob is erased with him
