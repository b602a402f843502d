"""Moving in from another levelling bot: imported standing as members see it on the
leaderboards, imported once whatever the number of runs, newer files adding only the
difference, dry runs changing nothing, and bad files writing nothing."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from test_leaderboards import board

from adapters import cli
from adapters.importing.formats import Player, read
from bot.imports import import_players
from storage.communities import ensure_community
from storage.db import Database
from storage.models import Contribution


def players(rows: list[tuple[str, float]], platform: str = "console") -> list[Player]:
    return [Player(platform, user, user, xp) for user, xp in rows]


async def run(core, rows, *, rate=1.0, source="csv", dry_run=False):
    return await import_players(
        core.db,
        "test",
        source,
        players(rows),
        rate,
        core.settings.ranks,
        core.clock.now(),
        dry_run=dry_run,
    )


async def test_imported_points_count_for_all_time_never_for_the_week_or_month(console, core):
    await console.play("alice: a long enough message from alice")
    done = await run(core, [("alice", 40), ("zed", 300)])
    assert (done.members, done.points, done.new_members) == (2, 340, 1)
    assert board(await console.play("obs: /leaderboard all")) == [("zed", 300), ("alice", 41)]
    assert board(await console.play("obs: /leaderboard week")) == [("alice", 1)]
    assert board(await console.play("obs: /leaderboard month")) == [("alice", 1)]


async def test_a_member_not_seen_yet_has_the_points_when_they_next_speak(console, core):
    await run(core, [("zed", 120)])
    await console.play("zed: a long enough message from zed")
    assert ("zed", 121) in board(await console.play("obs: /leaderboard all"))


async def test_importing_the_same_file_twice_changes_nothing(console, core):
    await run(core, [("alice", 40), ("bob", 10)])
    again = await run(core, [("alice", 40), ("bob", 10)])
    assert (again.members, again.points, again.unchanged) == (0, 0, 2)
    assert board(await console.play("obs: /leaderboard all")) == [("alice", 40), ("bob", 10)]


async def test_a_newer_file_adds_only_the_difference_once(console, core):
    await run(core, [("alice", 40), ("bob", 10)])
    newer = [("alice", 55), ("bob", 10), ("carol", 7)]
    done = await run(core, newer)
    assert (done.members, done.points, done.unchanged) == (2, 22, 1)
    assert (await run(core, newer)).points == 0
    assert board(await console.play("obs: /leaderboard all")) == [
        ("alice", 55),
        ("bob", 10),
        ("carol", 7),
    ]
    async with core.db.transaction() as session:
        keys = set(await session.scalars(select(Contribution.source_key)))
    assert {"import:csv:alice", "import:csv:alice:55", "import:csv:bob", "import:csv:carol"} <= keys


async def test_the_rate_converts_xp_and_each_source_has_its_own_keys(console, core):
    await run(core, [("alice", 4_000)], rate=0.025, source="mee6")
    await run(core, [("alice", 100)], rate=0.1, source="levelup")
    assert board(await console.play("obs: /leaderboard all")) == [("alice", 110)]


async def test_a_dry_run_shows_the_top_ten_and_their_rank_and_changes_nothing(console, core):
    rows = [(f"m{n:02d}", n * 100) for n in range(1, 16)]
    done = await run(core, rows, dry_run=True)
    assert (done.members, done.points) == (15, sum(x for _, x in rows))
    assert [f.name for f in done.top] == [f"m{n:02d}" for n in range(15, 5, -1)]
    assert done.top[0].points == 1500
    # Points alone: the higher ranks also ask for active days, solutions or kudos.
    assert {f.rank for f in done.top} == {"Newcomer"}
    assert board(await console.play("obs: /leaderboard all")) == []


async def test_a_kept_rank_holds_until_a_higher_one_is_earned(console, core):
    kept = {"zed": "Contributor", "amy": None, "bo": "Newcomer", "cy": "Expert"}
    await import_players(
        core.db,
        "test",
        "mee6",
        players([("zed", 200), ("amy", 10), ("bo", 0)]),
        1.0,
        core.settings.ranks,
        core.clock.now(),
        rank_for=lambda player: kept[player.user_id],
    )
    # Contributor also asks for 7 active days: zed has none, and keeps the rank anyway.
    assert "Rank: Contributor" in "\n".join(await console.play("obs: /rank @zed"))
    assert "Rank: Newcomer" in "\n".join(await console.play("obs: /rank @amy"))
    said = "\n".join(await console.play("zed: back again, a long enough message"))
    assert "Contributor" in said  # the kept rank is given (and its role) when zed is back
    assert "Rank: Contributor" in "\n".join(await console.play("obs: /rank @zed"))
    # A dry run of the same file shows the rank each member will hold.
    again = await import_players(
        core.db,
        "test",
        "mee6",
        players([("zed", 200), ("cy", 600)]),
        1.0,
        core.settings.ranks,
        core.clock.now(),
        dry_run=True,
        rank_for=lambda player: kept[player.user_id],
    )
    assert again.unchanged == 1 and [(f.name, f.rank) for f in again.top] == [("cy", "Expert")]


async def test_an_excluded_member_gets_nothing(console, core):
    await console.play("""
        alice: a long enough message from alice
        mod is moderator
        mod: /admin exclude member @alice
    """)
    done = await run(core, [("alice", 500), ("bob", 5)])
    assert (done.members, done.excluded) == (1, 1)


@pytest.fixture
def file_db(tmp_path):
    """A SQLite file holding community `acme`, for the command line."""
    import asyncio

    path = tmp_path / "cercle.db"

    async def make() -> None:
        db = Database(cli.database_url(str(path)))
        await db.upgrade()
        async with db.transaction() as session:
            from datetime import UTC, datetime

            await ensure_community(session, "console", "acme", "acme", datetime.now(UTC))
        await db.dispose()

    asyncio.run(make())
    return path


def ledger_rows(path) -> int:
    import asyncio

    async def count() -> int:
        db = Database(cli.database_url(str(path)))
        async with db.transaction() as session:
            found = await session.scalar(select(func.count()).select_from(Contribution))
        await db.dispose()
        return int(found or 0)

    return asyncio.run(count())


def mee6_file(tmp_path, count: int):
    data = {
        "players": [
            {
                "id": str(10**17 + n),
                "username": f"player{n}",
                "discriminator": "0",
                "xp": 40_000 - n,
                "level": 20,
                "message_count": 10,
                "detailed_xp": [0, 1, 2],
            }
            for n in range(count)
        ]
    }
    path = tmp_path / "mee6.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_the_command_imports_previews_and_refuses(tmp_path, file_db, capsys):
    source = mee6_file(tmp_path, 300)
    argv = ["import", "mee6", str(source), "--community", "acme", "--db", str(file_db)]
    # 1 point per 40 XP, MEE6's default rate, rounded per member.
    points = sum(round((40_000 - n) / 40) for n in range(300))
    assert cli.main([*argv, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert f"300 members would get {points} points" in out
    assert " 1  player0" in out and "Dry run: nothing was changed." in out
    assert ledger_rows(file_db) == 0

    assert cli.main(argv) == 0
    assert f"300 members got {points} points" in capsys.readouterr().out
    assert ledger_rows(file_db) == 300
    assert cli.main(argv) == 0
    assert "0 members got 0 points in all (0 not seen by Cercle yet); 300 already imported" in (
        capsys.readouterr().out
    )

    bad = tmp_path / "bad.json"
    bad.write_text('{"players": [{"id": "1", "xp": 5}, {"id": "2", "xp": "?"}]}')
    assert cli.main(["import", "mee6", str(bad), "--community", "acme", "--db", str(file_db)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "player 2, field xp" in err[0] and "nothing was imported" in err[0]
    assert ledger_rows(file_db) == 300
    assert cli.main([*argv[:3], "--community", "nope", "--db", str(file_db)]) == 1
    assert "no community named 'nope'" in capsys.readouterr().err


def test_a_big_file_shows_a_progress_bar_on_standard_error(tmp_path, file_db, capsys):
    source = mee6_file(tmp_path, 6_000)
    argv = ["import", "mee6", str(source), "--community", "acme", "--db", str(file_db)]
    assert cli.main(argv) == 0
    captured = capsys.readouterr()
    assert "6000/6000" in captured.err and "importing [" in captured.err
    assert "6000 members got" in captured.out
    assert len(read("mee6", source.read_text())) == 6000


def leaderboard_file(tmp_path, levels: dict[str, int | None]):
    """A MEE6 page whose members have these levels (None: the field left out)."""
    rows = []
    for n, (name, level) in enumerate(levels.items()):
        row = {"id": str(10**17 + n), "username": name, "xp": 1_000 * (n + 1)}
        if level is not None:
            row["level"] = level
        rows.append(row)
    path = tmp_path / "levels.json"
    path.write_text(json.dumps({"players": rows}), encoding="utf-8")
    return path


def points_by_name(path) -> dict[str, int]:
    import asyncio

    from storage.models import Member

    async def read() -> dict[str, int]:
        db = Database(cli.database_url(str(path)))
        async with db.transaction() as session:
            rows = await session.execute(select(Member.display_name, Member.points))
            found = {name: points for name, points in rows}
        await db.dispose()
        return found

    return asyncio.run(read())


def test_ranks_keep_spreads_levels_over_the_default_ladder(tmp_path, file_db, capsys):
    source = leaderboard_file(
        tmp_path, {"new": 0, "seven": 7, "eight": 8, "twenty": 20, "top": 42, "nolevel": None}
    )
    argv = ["import", "mee6", str(source), "--community", "acme", "--db", str(file_db)]
    assert cli.main([*argv, "--ranks", "keep"]) == 0
    out = capsys.readouterr().out
    assert "Ranks kept: level 0+ Newcomer, 8+ Regular, 15+ Contributor, 23+ Expert, " in out
    # Each member starts at the threshold of their level's rank; levels 0 to 7 bring
    # nothing. The row without a level: 6,000 XP is level 10 on MEE6's curve.
    assert points_by_name(file_db) == {"eight": 50, "twenty": 200, "top": 1500, "nolevel": 50}
    assert "4 members got 1800 points" in out


def test_ranks_keep_follows_the_configured_bands(tmp_path, file_db, capsys):
    config = tmp_path / "config.toml"
    config.write_text('[imports]\nranks = { 5 = "regular", 10 = "Expert" }\n', encoding="utf-8")
    source = leaderboard_file(tmp_path, {"low": 4, "mid": 9, "high": 31})
    argv = ["import", "mee6", str(source), "--community", "acme", "--db", str(file_db)]
    assert cli.main(["--config", str(config), *argv, "--ranks", "keep", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "Ranks kept: level 5+ Regular, 10+ Expert" in out
    assert "2 members would get 650 points" in out  # mid 50, high 600; low nothing

    config.write_text('[imports]\nranks = { 0 = "Boss" }\n', encoding="utf-8")
    assert cli.main(["--config", str(config), *argv, "--ranks", "keep"]) == 2
    err = capsys.readouterr().err
    assert "imports.ranks: level 0: no rank named 'Boss' on the ladder (Newcomer, " in err
    assert ledger_rows(file_db) == 0


def test_ranks_keep_refuses_a_rate_and_a_csv(tmp_path, file_db, capsys):
    source = leaderboard_file(tmp_path, {"a": 3})
    argv = ["import", "mee6", str(source), "--community", "acme", "--db", str(file_db)]
    assert cli.main([*argv, "--ranks", "keep", "--rate", "1"]) == 2
    assert "--ranks keep gives points by level, and --rate gives points by XP" in (
        capsys.readouterr().err
    )
    table = tmp_path / "points.csv"
    table.write_text("platform,user_id,name,points\ndiscord,1,a,5\n", encoding="utf-8")
    csv_argv = ["import", "csv", str(table), "--community", "acme", "--db", str(file_db)]
    assert cli.main([*csv_argv, "--ranks", "keep"]) == 2
    assert "a CSV has no levels" in capsys.readouterr().err


def test_an_import_is_written_to_the_audit_trail_and_a_dry_run_is_not(tmp_path, file_db, capsys):
    source = mee6_file(tmp_path, 120)
    argv = ["import", "mee6", str(source), "--community", "acme", "--db", str(file_db)]
    export = ["export", "--community", "acme", "--what", "audit", "--format", "json"]
    assert cli.main([*argv, "--dry-run"]) == 0
    capsys.readouterr()
    assert cli.main([*export, "--db", str(file_db)]) == 0
    assert json.loads(capsys.readouterr().out) == []

    assert cli.main(argv) == 0
    points = sum(round((40_000 - n) / 40) for n in range(120))
    assert f"120 members got {points} points" in capsys.readouterr().out
    assert cli.main([*export, "--db", str(file_db)]) == 0
    entries = json.loads(capsys.readouterr().out)
    assert len(entries) == 1
    entry = entries[0]
    assert (entry["kind"], entry["actor"], entry["target"]) == ("import", None, "mee6")
    detail = entry["detail"] if isinstance(entry["detail"], dict) else json.loads(entry["detail"])
    assert detail == {
        "count": 120,
        "members": 120,
        "points": points,
        "source": "mee6",
        "what": "mee6",
    }


async def test_moderators_read_the_import_in_the_audit(console, core):
    await console.play("mod is moderator")
    await run(core, [("alice", 4_000), ("bob", 400)], rate=0.025, source="mee6")
    out = "\n".join(await console.play("mod: /admin audit"))
    assert "· imported levels from MEE6: 2 rows" in out
