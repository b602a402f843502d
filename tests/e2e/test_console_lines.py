"""Every line form of the console script (DESIGN.md, "The console adapter's script"),
played through the console adapter and the real core on a real database."""

from __future__ import annotations

import re

from sqlalchemy import select

from storage.models import Identity, Member

NUMBERED = re.compile(r"^\[(\d+)\] ")


# -- say, reply, edit, channels ---------------------------------------------------------


async def test_a_member_line_is_posted_numbered_in_the_current_channel(console):
    out = await console.play("""
        alice: hello everyone, glad to be here
        bob: hi alice, welcome aboard
    """)
    assert out == [
        "[1] #general alice: hello everyone, glad to be here",
        "[2] #general bob: hi alice, welcome aboard",
    ]
    assert console.session.errors == 0


async def test_a_reply_is_numbered_and_stays_in_the_thread_of_the_message_it_answers(console):
    out = await console.play("""
        alice: how do I export my data as CSV?
        in #help
        bob replies to 1: use the export button in settings
        carol replies to 2: or the API, it is faster
        dave: a new question in help
    """)
    assert "[2] #general bob: use the export button in settings" in out
    assert "[3] #general carol: or the API, it is faster" in out
    assert "[4] #help dave: a new question in help" in out
    assert console.session.errors == 0


async def test_a_reply_to_a_message_that_does_not_exist_is_a_script_error(console):
    out = await console.play("""
        alice: hello everyone, glad to be here
        bob replies to 9: this points at nothing
        carol: still going on after the error
    """)
    assert any(line.startswith("!") and "line 2" in line and "[9]" in line for line in out)
    assert "[2] #general carol: still going on after the error" in out
    assert console.session.errors == 1


async def test_an_edit_is_shown_without_a_new_number(console):
    out = await console.play("""
        alice: hello everyone, glad to be here
        alice edits 1: hello all, glad to be here
        bob: after the edit
    """)
    edited = [line for line in out if "edited" in line]
    assert edited == ["  ([1] edited) #general alice: hello all, glad to be here"]
    assert not NUMBERED.match(edited[0])
    assert "[2] #general bob: after the edit" in out
    assert console.session.errors == 0


async def test_editing_someone_elses_message_is_refused_with_an_error_line(console):
    out = await console.play("""
        alice: hello everyone, glad to be here
        bob edits 1: I rewrite what alice said
    """)
    errors = [line for line in out if line.startswith("!")]
    assert len(errors) == 1
    assert "line 2" in errors[0] and "bob" in errors[0] and "[1]" in errors[0]
    assert console.session.errors == 1


async def test_in_channel_moves_later_posts_and_commands_to_that_channel(console):
    out = await console.play("""
        alice: first in general, long enough
        in #help
        bob: now this is in help, long enough
        bob: /thanks @alice for the welcome
        in #general
        carol: back in general again
    """)
    assert "[1] #general alice: first in general, long enough" in out
    assert "[2] #help bob: now this is in help, long enough" in out
    assert "» #help bob: /thanks @alice for the welcome" in out
    assert any(line.startswith("[3] #help Cercle: ") and "thanked alice" in line for line in out)
    assert "[4] #general carol: back in general again" in out


# -- reactions ---------------------------------------------------------------------------


async def test_a_reaction_gives_the_author_a_point_and_unreacting_takes_it_back(console, points):
    await console.play("""
        alice: a long enough message to score one point
        carol reacts 1 :+1:
    """)
    assert await points("alice") == 2
    await console.play("carol unreacts 1 :+1:")
    assert await points("alice") == 1
    await console.play("carol reacts 1 :+1:")  # re-adding after removal counts once more
    assert await points("alice") == 2
    assert console.session.errors == 0


async def test_reactions_count_once_per_distinct_member_and_never_from_the_author(console, points):
    await console.play("""
        alice: a long enough message to score one point
        carol reacts 1 :+1:
        carol reacts 1 :tada:
        carol reacts 1 :+1:
        alice reacts 1 :+1:
    """)
    assert await points("alice") == 2  # 1 for the message, 1 for carol; alice's own ignored


async def test_reaction_points_are_capped_at_ten_per_message(console, points):
    reactions = "\n".join(f"fan{i} reacts 1 :+1:" for i in range(12))
    await console.play("alice: a long enough message to score one point\n" + reactions)
    assert await points("alice") == 11  # 1 + min(12 reactors, cap 10)


async def test_removing_one_reaction_of_many_above_the_cap_keeps_the_capped_points(console, points):
    reactions = "\n".join(f"fan{i} reacts 1 :+1:" for i in range(12))
    await console.play("alice: a long enough message to score one point\n" + reactions)
    await console.play("fan0 unreacts 1 :+1:")
    # eleven distinct members still react: still above the cap of 10
    assert await points("alice") == 11


# -- deletes -----------------------------------------------------------------------------


async def test_deleting_a_message_takes_back_its_points(console, points):
    await console.play("""
        alice: a long enough message to score one point
        carol reacts 1 :+1:
        dave reacts 1 :+1:
    """)
    assert await points("alice") == 3
    out = await console.play("alice deletes 1")
    assert out == []
    assert await points("alice") == 0
    assert console.session.errors == 0


async def test_a_deleted_message_can_no_longer_be_pointed_at(console):
    out = await console.play("""
        alice: a long enough message to score one point
        alice deletes 1
        carol reacts 1 :+1:
    """)
    errors = [line for line in out if line.startswith("!")]
    assert len(errors) == 1 and "line 3" in errors[0] and "[1]" in errors[0]


async def test_a_member_cannot_delete_someone_elses_message(console, points):
    out = await console.play("""
        alice: a long enough message to score one point
        bob deletes 1
    """)
    assert any(line.startswith("!") and "line 2" in line for line in out)
    assert await points("alice") == 1


# -- solutions ---------------------------------------------------------------------------


QUESTION_AND_ANSWER = """
    alice: how do I export my data as CSV?
    bob replies to 1: use the export button in settings
"""


async def test_the_asker_marks_a_reply_as_solution_and_its_author_earns_15(console, points):
    await console.play(QUESTION_AND_ANSWER)
    out = await console.play("alice marks 2 as solution")
    assert any(NUMBERED.match(line) and "bob earns 15 points" in line for line in out)
    assert await points("bob") == 16  # 1 for the message, 15 for the solution


async def test_another_member_cannot_mark_the_solution_and_is_told_why(console, points):
    await console.play(QUESTION_AND_ANSWER)
    out = await console.play("carol marks 2 as solution")
    assert len(out) == 1
    assert "(only you)" in out[0]
    assert "Only the person who asked, or a moderator" in out[0]
    assert await points("bob") == 1
    assert console.session.errors == 0  # a refusal is a reply, not a script error


async def test_a_moderator_may_mark_the_solution_of_someone_elses_question(console, points):
    await console.play(QUESTION_AND_ANSWER)
    out = await console.play("""
        mod is moderator
        mod marks 2 as solution
    """)
    assert any("bob earns 15 points" in line for line in out)
    assert await points("bob") == 16


async def test_a_message_that_answers_nothing_cannot_be_a_solution(console):
    out = await console.play("""
        alice: how do I export my data as CSV?
        alice marks 1 as solution
    """)
    assert any(line.startswith("!") and "line 2" in line for line in out)
    assert console.session.errors == 1


# -- buttons -----------------------------------------------------------------------------


async def test_pressing_a_button_when_no_card_has_buttons_is_a_clear_error(console):
    out = await console.play("""
        alice: hello everyone, glad to be here
        bob presses For
        bob presses For on 1
        carol: the script goes on
    """)
    errors = [line for line in out if line.startswith("!")]
    assert len(errors) == 2
    assert "line 2" in errors[0] and "card" in errors[0]
    assert "line 3" in errors[1] and "[1]" in errors[1] and "For" in errors[1]
    assert "[2] #general carol: the script goes on" in out
    assert console.session.errors == 2


# -- membership, moderators, roles, bots -----------------------------------------------


async def test_joins_makes_a_member_known_and_leaves_is_recorded(console, db):
    before = await console.play("alice: /rank @dave")
    assert "I don't know any member called dave" in "\n".join(before)
    out = await console.play("dave joins")
    assert out == []
    after_join = await console.play("alice: /rank @dave")
    assert "dave's rank" in "\n".join(after_join)
    assert await console.play("dave leaves") == []
    assert console.session.errors == 0
    async with db.transaction() as session:
        dave = (
            await session.scalars(
                select(Member)
                .join(Identity, Identity.member_id == Member.id)
                .where(Identity.platform == "console", Identity.user_id == "dave")
            )
        ).one()
    assert dave.joined_at is not None
    assert dave.left_at is not None and dave.left_at >= dave.joined_at


async def test_admin_commands_are_refused_until_the_member_is_moderator(console):
    await console.play("""
        bob: hello everyone, glad to be here
        alice: hello from alice, long enough
    """)
    refused = await console.play("alice: /admin points add @bob 5 great answer")
    assert refused[0] == "» #general alice: /admin points add @bob 5 great answer"
    assert len(refused) == 2
    assert refused[1].startswith("  (only you) ")
    assert "Only moderators can run `/admin points add`" in refused[1]
    allowed = await console.play("""
        alice is moderator
        alice: /admin points add @bob 5 great answer
    """)
    assert any("Added 5 points to bob" in line for line in allowed)


async def test_a_member_whose_first_line_was_a_refused_command_can_still_take_part(console, points):
    out = await console.play("""
        bob: hello everyone, glad to be here
        alice: /admin points add @bob 5 great answer
        alice is moderator
        alice: /admin points add @bob 5 great answer
        after 2m
        alice: hello from alice, long enough
    """)
    assert any("Added 5 points to bob" in line for line in out)
    assert not any("went wrong" in line for line in out)
    assert await points("bob") == 6
    assert await points("alice") == 1


async def test_is_not_moderator_takes_the_moderator_role_away(console):
    await console.play("bob: hello everyone, glad to be here")
    out = await console.play("""
        alice is moderator
        alice is not moderator
        alice: /admin points add @bob 5 great answer
    """)
    assert any("Only moderators" in line for line in out)


async def test_a_member_with_an_excluded_role_earns_nothing_and_is_off_the_leaderboard(
    console, points
):
    out = await console.play("""
        erin has role staff
        mod is moderator
        mod: /admin exclude role staff
        erin: hello from the staff team, long enough
        bob: hello from a community member
        alice: /thanks @erin for the quick support
        carol reacts 1 :+1:
        alice: /leaderboard
    """)
    assert any("The role staff now earns no points" in line for line in out)
    board = "\n".join(out[out.index("» #general alice: /leaderboard") :])
    assert "bob" in board
    assert "erin" not in board
    assert await points("erin") == 0


async def test_losing_the_excluded_role_lets_the_member_score_again(console, points):
    await console.play("""
        erin has role staff
        mod is moderator
        mod: /admin exclude role staff
        erin: hello from the staff team, long enough
        erin loses role staff
        after 2m
        erin: now a regular member, long enough
    """)
    assert await points("erin") == 1


async def test_a_bots_messages_score_nothing_and_a_bot_cannot_be_thanked(console, points):
    out = await console.play("""
        helper is a bot
        helper: I am an automated message, long enough
        alice: a human message that is long enough
        alice: /thanks @helper for the automation
    """)
    assert "[1] #general helper: I am an automated message, long enough" in out
    refusal = [line for line in out if "(only you)" in line]
    assert len(refusal) == 1 and "helper is a bot" in refusal[0]
    assert await points("helper") == 0
    board = await console.play("alice: /leaderboard all")
    assert "helper" not in "\n".join(board)


async def test_reactions_to_a_bots_message_give_the_bot_no_points(console, points):
    await console.play("""
        helper is a bot
        helper: I am an automated message, long enough
        carol reacts 1 :+1:
        dave reacts 1 :+1:
    """)
    assert await points("helper") == 0


# -- the clock ---------------------------------------------------------------------------


async def test_after_moves_the_console_clock_and_prints_it(console):
    out = await console.play("""
        after 2h
        after 1d
        after 30m
    """)
    assert out == [
        "⏰ It is now 2026-01-05 11:00 UTC.",
        "⏰ It is now 2026-01-06 11:00 UTC.",
        "⏰ It is now 2026-01-06 11:30 UTC.",
    ]
    assert console.session.clock.now().isoformat() == "2026-01-06T11:30:00+00:00"


async def test_two_messages_in_the_same_minute_score_once(console, points):
    await console.play("""
        alice: a long enough first message here
        alice: a long enough second message here
    """)
    assert await points("alice") == 1


async def test_a_message_after_the_cooldown_on_the_console_clock_scores_again(console, points):
    await console.play("""
        alice: a long enough first message here
        after 2m
        alice: a long enough second message here
    """)
    assert await points("alice") == 2


async def test_a_message_shorter_than_ten_characters_scores_nothing(console, points):
    await console.play("alice: hi there")  # 8 characters
    assert await points("alice") == 0


async def test_the_cooldown_is_per_member(console, points):
    await console.play("""
        alice: a long enough first message here
        bob: a long enough message from bob too
    """)
    assert await points("alice") == 1
    assert await points("bob") == 1


# -- comments and blank lines ------------------------------------------------------------


async def test_comments_and_blank_lines_print_nothing_and_are_not_errors(console):
    out = await console.play("""
        # a comment

        alice: hello everyone, glad to be here
    """)
    assert out == ["[1] #general alice: hello everyone, glad to be here"]
    assert console.session.errors == 0


# -- command text ------------------------------------------------------------------------------


async def test_command_options_may_be_quoted_named_or_take_the_rest_of_the_line(console):
    out = await console.play("""
        alice: hello everyone, glad to be here
        bob: /thanks @alice "for the quoted help"
        bob: /thanks member=@alice reason=named
        bob: /thanks @alice “for the curly help”
        bob: /thanks @alice for the help without quotes
    """)
    posts = [line for line in out if "bob thanked alice" in line]
    assert [post.split("bob thanked alice: ")[1] for post in posts] == [
        "for the quoted help (+5 points)",
        "named (+5 points)",
        "for the curly help (+5 points)",
        "for the help without quotes (+5 points)",
    ]
