"""Reading other bots' exports: realistic files of hundreds of members with odd names and
missing fields, pages, and bad rows refused with the row and field named."""

from __future__ import annotations

import json

import pytest

from adapters.importing.formats import BadFile, read

ODD_NAMES = ["", "名前", "‮evil", "@everyone", "a" * 200, "x y", "émile", "🙂🙂"]


def mee6_page(start: int, count: int) -> dict:
    players = []
    for n in range(start, start + count):
        player = {
            "id": str(100_000_000_000_000_000 + n),
            "username": ODD_NAMES[n % len(ODD_NAMES)],
            "discriminator": "0",
            "xp": 100_000 - n * 7,
            "level": 30 - n // 50,
            "message_count": 5_000 - n,
            "detailed_xp": [10, 500, 100_000 - n * 7],
        }
        if n % 9 == 0:
            del player["username"]  # deleted accounts come without a name
        players.append(player)
    return {"players": players, "page": start // 100}


def test_mee6_reads_one_page_or_a_list_of_pages():
    pages = [mee6_page(0, 100), mee6_page(100, 100), mee6_page(200, 100)]
    players = read("mee6", json.dumps(pages))
    assert len(players) == 300
    assert players[0].platform == "discord"
    assert players[0].user_id == "100000000000000000"
    assert players[0].xp == 100_000
    assert players[1].name == ODD_NAMES[1]
    assert players[9].name == ""  # no username field
    assert len(read("mee6", json.dumps(pages[0]))) == 100


def test_a_member_on_two_pages_counts_once_with_the_higher_figure():
    page = mee6_page(0, 3)
    again = {"players": [{**page["players"][2], "xp": 1}]}
    players = read("mee6", json.dumps([page, again]))
    assert len(players) == 3
    assert max(p.xp for p in players if p.user_id.endswith("2")) == 100_000 - 14


def test_amari_reads_its_leaderboard_and_ignores_weekly_exp():
    data = {
        "data": [
            {
                "id": str(200 + n),
                "username": ODD_NAMES[n % 8],
                "exp": str(n * 10),
                "level": n // 10,
                "weeklyExp": 99_999,
            }
            for n in range(250)
        ],
        "count": 250,
        "total_count": 250,
    }
    players = read("amari", json.dumps(data))
    assert len(players) == 250
    assert players[10].xp == 100.0  # exp may come as a string


def test_levelup_reads_a_guild_backup_or_the_cog_data_of_one_guild():
    users = {
        str(300 + n): {"xp": n * 3.5, "level": n // 20, "messages": n, "voice": 12.0}
        for n in range(200)
    }
    guild = {"users": users, "users_weekly": {"300": {"xp": 5}}, "algorithm": {"base": 100}}
    assert len(read("levelup", json.dumps(guild))) == 200
    whole = {"configs": {"123": guild}, "ignored_guilds": []}
    players = read("levelup", json.dumps(whole))
    assert {p.user_id for p in players} == set(users)
    two = {"configs": {"1": guild, "2": guild}}
    with pytest.raises(BadFile, match="configs: the LevelUp data holds 2 guilds"):
        read("levelup", json.dumps(two))


def test_polaris_reads_its_export():
    data = {
        "settings": {"enabled": True, "gain": {"min": 50, "max": 100}},
        "users": {str(400 + n): {"xp": n * 75, "cooldown": 0} for n in range(300)},
    }
    data["users"]["401"]["hidden"] = True
    players = read("polaris", json.dumps(data))
    assert len(players) == 300
    assert {p.xp for p in players if p.user_id == "402"} == {150}


def test_csv_reads_platform_user_name_points():
    text = "platform,user_id,name,points\n" + "".join(
        f'{"slack" if n % 2 else "discord"},U{n:05d},"Name, {n}",{n}\n' for n in range(200)
    )
    players = read("csv", text)
    assert len(players) == 200
    assert players[3].platform == "slack" and players[3].name == "Name, 3"


@pytest.mark.parametrize(
    ("source", "text", "message"),
    [
        ("mee6", '{"players": [{"id": "1", "xp": 5}, {"id": "2"}]}', "player 2, field xp: missing"),
        (
            "mee6",
            '{"players": [{"id": "1", "xp": 5}, {"id": "x1", "xp": 1}]}',
            "player 2, field id",
        ),
        ("mee6", '{"players": [{"id": "1", "xp": -5}]}', "player 1, field xp"),
        ("mee6", '{"players": [{"id": "1", "xp": "lots"}]}', "player 1, field xp"),
        ("mee6", '{"players": 3}', "no 'players' list"),
        ("mee6", "{not json", "line 1: not JSON"),
        ("amari", '{"data": [{"id": "1", "username": "a"}]}', "player 1, field exp: missing"),
        ("polaris", '{"users": {"12": {"xp": 1}, "abc": {"xp": 2}}}', "user abc, field id"),
        ("levelup", '{"users": {"12": {"level": 3}}}', "user 12, field xp: missing"),
        ("csv", "platform,user_id,name\n", "line 1: the header lacks points"),
        (
            "csv",
            "platform,user_id,name,points\ndiscord,1,a,5\ndiscord,2,b,ten\n",
            "line 3, field points",
        ),
        ("csv", "platform,user_id,name,points\ndiscord,,a,5\n", "line 2, field user_id"),
    ],
)
def test_a_bad_file_is_refused_naming_the_row_and_field(source, text, message):
    with pytest.raises(BadFile) as refused:
        read(source, text)
    assert message in str(refused.value)
    assert "\n" not in str(refused.value)
