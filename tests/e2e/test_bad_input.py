"""Every bad input gets a clear, ephemeral, localised message and changes nothing.

Each case is played on a community where everyone involved has already spoken (so no
member row is created on first sight), the database is snapshotted with plain selects
(every table but the console adapter's own), the bad command is played, and the database
is snapshotted again: the two must be identical. Since a refusal changes nothing, the
cases share one database (an English and a French community on it), set up once.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
import pytest_asyncio
from transcript import Transcript

from adapters.console.session import ConsoleSession
from bot.clock import ManualClock
from bot.config import CommunityDefaults, Settings
from bot.core import Cercle
from storage.db import Database

SETUP = """
    alice: hello everyone, this is alice
    bob: hello everyone, this is bob
    helper is a bot
    helper: an automated hello message
    mod is moderator
    mod: hello from the moderator here
"""

LONG_REASON = "x" * 201


@dataclass(frozen=True)
class Case:
    line: str
    english: tuple[str, ...]
    french: tuple[str, ...]


CASES = {
    "unknown command, with a suggestion": Case(
        "alice: /thank @bob for the help",
        ("There is no command", "thank", "Did you mean `/thanks`?"),
        ("Il n'y a pas de commande", "thank", "Vouliez-vous dire `/thanks`\u202f?"),
    ),
    "unknown command, misspelt": Case(
        "alice: /rnak",
        ("There is no command", "rnak", "Did you mean `/rank`?"),
        ("Il n'y a pas de commande", "rnak", "Vouliez-vous dire `/rank`\u202f?"),
    ),
    "unknown option": Case(
        "alice: /leaderboard colour=blue",
        ("This command has no option `colour`.",),
        ("Cette commande n'a pas d'option `colour`.",),
    ),
    "missing option": Case(
        "alice: /thanks @bob",
        ("The option `reason` is missing.", "Usage: `/thanks <member> <reason>`"),
        ("L'option `reason` manque.", "Usage\u202f: `/thanks <member> <reason>`"),
    ),
    "wrong type": Case(
        "mod: /admin points add @bob abc for the help",
        ("`amount` must be a whole number, not `abc`.",),
        ("`amount` doit être un nombre entier, pas `abc`.",),
    ),
    "amount zero": Case(
        "mod: /admin points add @bob 0 for the help",
        ("`amount` must be between 1 and 10000 (got 0).",),
        ("`amount` doit être compris entre 1 et 10000 (reçu\u202f: 0).",),
    ),
    "amount too large": Case(
        "mod: /admin points add @bob 10001 for the help",
        ("`amount` must be between 1 and 10000 (got 10001).",),
        ("`amount` doit être compris entre 1 et 10000 (reçu\u202f: 10001).",),
    ),
    "removing more points than the member has": Case(
        "mod: /admin points remove @bob 500 correction",
        ("bob has only 1 point; you can't remove more than that.",),
        ("bob n'a que 1 point\u202f; vous ne pouvez pas en retirer davantage.",),
    ),
    "thanking yourself": Case(
        "alice: /thanks @alice for being me",
        ("You can't thank yourself",),
        ("Vous ne pouvez pas vous remercier vous-même",),
    ),
    "thanking a bot": Case(
        "alice: /thanks @helper for the automation",
        ("helper is a bot: thanks are for the community's members.",),
        ("helper est un bot\u202f: les remerciements sont pour les membres de la communauté.",),
    ),
    "reason too long": Case(
        f"alice: /thanks @bob {LONG_REASON}",
        ("`reason` is too long: 201 characters, at most 200.",),
        ("`reason` est trop long\u202f: 201 caractères, 200 au plus.",),
    ),
    "empty reason": Case(
        'alice: /thanks @bob ""',
        ("`reason`",),
        ("`reason`",),
    ),
    "admin command by a member": Case(
        "alice: /admin points add @bob 50 for the help",
        ("Only moderators can run `/admin points add`.",),
        ("Seuls les modérateurs peuvent lancer `/admin points add`.",),
    ),
    "admin exclude by a member": Case(
        "alice: /admin exclude member @bob",
        ("Only moderators can run `/admin exclude member`.",),
        ("Seuls les modérateurs peuvent lancer `/admin exclude member`.",),
    ),
    "unknown member": Case(
        "alice: /thanks @nobody for the help",
        ("I don't know any member called nobody",),
        ("Je ne connais encore aucun membre nommé nobody",),
    ),
}


START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def stages(tmp_path_factory) -> AsyncIterator[dict[str, tuple[Transcript, Database]]]:
    path = tmp_path_factory.mktemp("bad-input") / "cercle.db"
    db = Database(f"sqlite+aiosqlite:///{path}")
    await db.upgrade()
    stages = {}
    for locale in ("en", "fr"):
        settings = Settings(defaults=CommunityDefaults(locale=locale))
        core = Cercle(db, settings, ManualClock(START))
        stage = Transcript(ConsoleSession(core, f"bad-{locale}"))
        await stage.session.start(START)
        await stage.play(SETUP)
        assert stage.session.errors == 0
        stages[locale] = (stage, db)
    yield stages
    await db.dispose()


def only_replies(out: list[str]) -> list[str]:
    """What Cercle answered (the command's own echo line left out)."""
    return [line for line in out if not line.startswith("» ")]


async def check_refused(stage: Transcript, db: Database, snapshot, case: Case, expected):
    errors = stage.session.errors
    before = await snapshot(db)
    out = await stage.play(case.line)
    after = await snapshot(db)

    replies = only_replies(out)
    assert replies, f"no answer to {case.line!r}"
    # ephemeral: marked as visible only to the caller, never numbered like a public post
    assert replies[0].startswith(("  (only you) ", "  (vous seul) ")), out
    assert not any(line.startswith("[") for line in out), out
    text = "\n".join(replies)
    for needle in expected:
        assert needle in text, f"{needle!r} not in:\n{text}"
    assert "went wrong" not in text and "s'est mal passé" not in text
    # a refused command is a reply, not a script error
    assert stage.session.errors == errors
    changed = {table for table in before if before[table] != after.get(table)}
    assert not changed, f"{case.line!r} changed the tables {sorted(changed)}"


@pytest.mark.parametrize("name", list(CASES))
async def test_bad_input_is_refused_privately_and_changes_nothing(name, stages, snapshot):
    case = CASES[name]
    stage, db = stages["en"]
    await check_refused(stage, db, snapshot, case, case.english)


@pytest.mark.parametrize("name", list(CASES))
async def test_bad_input_is_refused_in_french_for_a_french_community(name, stages, snapshot):
    case = CASES[name]
    stage, db = stages["fr"]
    await check_refused(stage, db, snapshot, case, case.french)


async def test_a_valid_command_does_change_the_snapshot(stages, snapshot):
    """The control: the snapshot does see what a command that works writes."""
    stage, db = stages["en"]
    before = await snapshot(db)
    out = await stage.play("bob: /thanks @alice for checking the checks")
    after = await snapshot(db)
    assert any("bob thanked alice" in line for line in out)
    assert before["contribution"] != after["contribution"]
