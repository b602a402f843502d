"""Leaderboards and exclusions as members see them: who is on the board, for which period,
and what excluded channels, roles and members earn."""

from __future__ import annotations

import re

BOARD_LINE = re.compile(r"(\d+)\. (\S+) — ([\d,]+) points?")


def board(out: list[str]) -> list[tuple[str, int]]:
    """(member, points) in the order the last leaderboard in `out` shows them."""
    lines = "\n".join(out).splitlines()
    starts = [i for i, line in enumerate(lines) if "Leaderboard" in line]
    assert starts, "\n".join(lines)
    rows = []
    for line in lines[starts[-1] :]:
        if match := BOARD_LINE.search(line):
            rows.append((match.group(2), int(match.group(3).replace(",", ""))))
    return rows


async def test_the_leaderboard_ranks_members_by_points_with_stable_ties(console):
    await console.play("""
        alice: a long enough message from alice
        bob: a long enough message from bob
        carol: a long enough message from carol
        dave reacts 2 :+1:
        erin reacts 2 :+1:
        dave reacts 3 :+1:
        frank: a long enough message from frank
    """)
    first = board(await console.play("obs: /leaderboard all"))
    assert first == [("bob", 3), ("carol", 2), ("alice", 1), ("frank", 1)]
    assert board(await console.play("obs: /leaderboard all")) == first


async def test_the_leaderboard_is_a_numbered_public_post(console):
    out = await console.play("""
        alice: a long enough message from alice
        obs: /leaderboard
    """)
    assert out[-2] == "» #general obs: /leaderboard"
    assert re.match(r"^\[2\] #general Cercle: 🏆 Leaderboard — week of 5–11 January 2026", out[-1])


async def test_last_weeks_points_leave_the_week_board_but_stay_on_the_all_time_one(console):
    await console.play("""
        alice: a long enough message from alice
        after 1w
    """)
    week = await console.play("obs: /leaderboard week")
    assert board(week) == []
    assert any("Nobody has earned points in this period yet" in line for line in week)
    assert board(await console.play("obs: /leaderboard all")) == [("alice", 1)]
    assert board(await console.play("obs: /leaderboard month")) == [("alice", 1)]


async def test_an_excluded_channel_scores_nothing(console, points):
    out = await console.play("""
        mod is moderator
        mod: /admin exclude channel #offtopic
        in #offtopic
        carol: a long message in the off topic channel
        dave reacts 1 :+1:
    """)
    assert any("The channel #offtopic now earns no points" in line for line in out)
    assert await points("carol") == 0


async def test_an_excluded_member_earns_nothing_more_and_leaves_the_board(console, points):
    await console.play("""
        alice: a long enough message from alice
        bob: a long enough message from bob
        mod is moderator
        mod: /admin exclude member @alice
        after 2m
        alice: another long message from alice
    """)
    assert [name for name, _ in board(await console.play("obs: /leaderboard all"))] == ["bob"]
    rank = "\n".join(await console.play("obs: /rank @alice"))
    assert "Staff and excluded members earn no points" in rank


async def test_excluding_a_member_can_be_undone(console, points):
    await console.play("""
        alice: a long enough message from alice
        mod is moderator
        mod: /admin exclude member @alice
        mod: /admin exclude member @alice undo=true
        after 2m
        alice: another long message from alice
    """)
    assert ("alice", 2) in board(await console.play("obs: /leaderboard all"))


async def test_thanking_a_staff_member_is_shown_without_points(console, points):
    out = await console.play("""
        erin has role staff
        mod is moderator
        mod: /admin exclude role staff
        erin: hello from the staff team here
        alice: /thanks @erin for the support
    """)
    post = [line for line in out if "alice thanked erin" in line]
    assert len(post) == 1 and "points" not in post[0]
    assert await points("erin") == 0


async def test_ten_thanks_received_earn_the_appreciated_badge(console):
    script = ["bob: hello everyone, this is bob"]
    for giver in ("alice", "carol"):
        script.append(f"{giver}: hello everyone, this is {giver}")
        script += [f"{giver}: /thanks @bob for answer number {i}" for i in range(5)]
    out = await console.play("\n".join(script))
    badges = [line for line in out if "earned the badge" in line]
    assert len(badges) == 1
    assert "bob earned the badge Appreciated" in badges[0]
