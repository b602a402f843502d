"""Ranks, badges and neutralised member text, as a community sees them on the console."""

from __future__ import annotations

import re

THREE_ACTIVE_DAYS = """
    alice: hello everyone here on day one
    after 1d
    alice: hello everyone here on day two
    after 1d
    alice: hello everyone here on day three
    mod is moderator
"""


# -- promotion and demotion ---------------------------------------------------------------


async def test_enough_points_and_active_days_promote_with_a_card_and_a_role(console, points):
    await console.play(THREE_ACTIVE_DAYS)
    out = await console.play("mod: /admin points add @alice 60 for the great answers")
    text = "\n".join(out)
    assert re.search(r"^\[4\] #general Cercle: 🎉 alice is now Regular!", text, re.M)
    assert "  (+role Regular alice)" in out
    rank = "\n".join(await console.play("alice: /rank"))
    assert "Rank: Regular" in rank
    assert await points("alice") == 63


async def test_points_alone_do_not_promote_without_the_active_days(console):
    await console.play("""
        alice: hello everyone here on day one
        mod is moderator
    """)
    out = await console.play("mod: /admin points add @alice 100 for the great answers")
    assert not any("is now Regular" in line for line in out)
    out = await console.play("""
        after 1d
        alice: hello everyone here on day two
    """)
    assert not any("is now Regular" in line for line in out)
    out = await console.play("""
        after 1d
        alice: hello everyone here on day three
    """)
    assert any("🎉 alice is now Regular!" in line for line in out)
    assert "  (+role Regular alice)" in out


async def test_a_promotion_is_announced_once(console):
    await console.play(THREE_ACTIVE_DAYS)
    first = await console.play("mod: /admin points add @alice 60 for the great answers")
    again = await console.play("mod: /admin points add @alice 10 and more")
    assert sum("is now Regular" in line for line in first) == 1
    assert not any("is now" in line or "+role" in line for line in again)


async def test_removing_points_below_the_threshold_demotes_by_dm_and_revokes_the_role(
    console, points
):
    await console.play(THREE_ACTIVE_DAYS)
    await console.play("mod: /admin points add @alice 60 for the great answers")
    out = await console.play("mod: /admin points remove @alice 30 correction")
    assert "  (-role Regular alice)" in out
    assert (
        "(DM to alice) Your rank is now Newcomer (it was Regular) after a points correction." in out
    )
    assert not any(re.match(r"^\[\d+\]", line) for line in out)  # a DM, not a public post
    assert await points("alice") == 33
    rank = "\n".join(await console.play("alice: /rank"))
    assert "Rank: Newcomer" in rank


async def test_a_deleted_message_that_drops_a_member_below_the_threshold_demotes(console):
    await console.play(THREE_ACTIVE_DAYS)
    # 3 messages + 47 points = 50, exactly the Regular threshold
    promoted = await console.play("mod: /admin points add @alice 47 for the great answers")
    assert any("alice is now Regular" in line for line in promoted)
    out = await console.play("alice deletes 3")
    assert "  (-role Regular alice)" in out
    assert any(line.startswith("(DM to alice) ") and "Newcomer" in line for line in out)


# -- badges -------------------------------------------------------------------------------


async def test_the_first_accepted_solution_earns_the_first_solution_badge_once(console):
    first = await console.play("""
        alice: how do I export my data as CSV?
        bob replies to 1: use the export button in settings
        alice marks 2 as solution
    """)
    badges = [line for line in first if "earned the badge" in line]
    assert len(badges) == 1
    assert re.match(r"^\[\d+\] #general Cercle: 🏅 bob earned the badge First solution", badges[0])
    second = await console.play("""
        after 2m
        carol: how do I change my password please?
        bob replies to 5: from your profile page, security tab
        carol marks 6 as solution
    """)
    assert any("bob earns 15 points" in line for line in second)
    assert not any("earned the badge" in line for line in second)
    rank = "\n".join(await console.play("bob: /rank"))
    assert rank.count("First solution") == 1


async def test_an_answer_to_your_own_question_earns_no_solution(console, points):
    out = await console.play("""
        alice: how do I export my data as CSV?
        after 2m
        alice replies to 1: found it, it is in the settings
        alice marks 2 as solution
    """)
    assert any("(only you)" in line and "own question" in line for line in out)
    assert not any("earned the badge" in line for line in out)
    assert await points("alice") == 2


# -- neutralised member text ----------------------------------------------------------------

PINGS = ("@everyone", "@here", "<@123>", "<!channel>", "<!here>")


async def test_a_thanks_reason_with_mass_mentions_is_shown_but_never_pings(console):
    out = await console.play("""
        bob: hello everyone, this is bob
        alice: /thanks @bob for telling @everyone and @here and <@123> and <!channel> <!here>
    """)
    post = [line for line in out if re.match(r"^\[\d+\] #general Cercle: ", line)]
    assert len(post) == 1
    assert "alice thanked bob" in post[0]
    for ping in PINGS:
        assert ping not in post[0], f"{ping} would ping: {post[0]!r}"
    assert "\u200b" in post[0]
    visible = post[0].replace("\u200b", "")
    for ping in PINGS:
        assert ping in visible  # the text is kept, only made inert


async def test_a_points_reason_with_mass_mentions_never_pings(console):
    out = await console.play("""
        bob: hello everyone, this is bob
        mod is moderator
        mod: /admin points add @bob 5 told @everyone about <@123>
    """)
    answer = [line for line in out if "Added 5 points to bob" in line]
    assert len(answer) == 1
    assert "@everyone" not in answer[0] and "<@123>" not in answer[0]


async def test_mass_mentions_in_the_thanks_reason_never_reach_the_leaderboard_or_rank(console):
    out = await console.play("""
        bob: hello everyone, this is bob
        alice: /thanks @bob @everyone you are great
        alice: /leaderboard
        bob: /rank
    """)
    shown = [line for line in out if not line.startswith("» ")]
    assert not any("@everyone" in line for line in shown)


async def test_deleting_an_accepted_solution_takes_its_solution_points_back(console, points):
    await console.play("""
        alice: how do I export my data as CSV?
        bob replies to 1: use the export button in settings
        alice marks 2 as solution
    """)
    assert await points("bob") == 16
    await console.play("bob deletes 2")
    assert await points("bob") == 0


async def test_a_replaced_solution_tells_its_author_and_takes_its_badge_back(console, points):
    await console.play("""
        alice: how do I export my data as CSV?
        after 2m
        bob replies to 1: it is in the settings, under export
        after 2m
        carol replies to 1: use the export button in the top bar
        alice marks 2 as solution
    """)
    with_solution = await points("bob")
    out = await console.play("alice marks 3 as solution")
    told = [line for line in out if "(DM to bob)" in line]
    assert len(told) == 1
    assert "15 points your answer earned are taken back" in told[0]
    assert "badge First solution" in told[0]
    assert await points("bob") == with_solution - 15
    profile = "\n".join(await console.play("bob: /profile"))
    assert "First solution" not in profile
    assert "First solution" in "\n".join(await console.play("carol: /profile"))
