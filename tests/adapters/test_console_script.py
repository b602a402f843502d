from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from adapters.console.render import render_card, render_dm, render_ephemeral, render_post
from adapters.console.script import (
    After,
    Command,
    Delete,
    Edit,
    GainRole,
    InChannel,
    Join,
    Leave,
    LoseRole,
    MarkSolution,
    Press,
    React,
    ReplyTo,
    Report,
    Say,
    ScriptSyntaxError,
    SetBot,
    SetModerator,
    Unreact,
    UnsetModerator,
    parse_line,
)
from bot.actions import Button, Card, CardField

# --- every form ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("alice: hello everyone", Say("alice", "hello everyone")),
        ("carol reports 5: spam links", Report("carol", 5, "spam links")),
        ("carol reports [5]", Report("carol", 5, "")),
        ("Carol REPORTS #5 : rude", Report("Carol", 5, "rude")),
        ("bob: /thanks @alice for the help", Command("bob", "/thanks @alice for the help")),
        ("bob replies to 3: try this", ReplyTo("bob", 3, "try this")),
        ("alice edits 3: hello all", Edit("alice", 3, "hello all")),
        ("in #help", InChannel("help")),
        ("carol reacts 3 :+1:", React("carol", 3, "+1")),
        ("carol unreacts 3 :+1:", Unreact("carol", 3, "+1")),
        ("alice deletes 3", Delete("alice", 3)),
        ("alice marks 5 as solution", MarkSolution("alice", 5)),
        ("bob presses For", Press("bob", "For", None)),
        ("bob presses For on 7", Press("bob", "For", 7)),
        ("dave joins", Join("dave")),
        ("dave leaves", Leave("dave")),
        ("alice is moderator", SetModerator("alice")),
        ("alice is not moderator", UnsetModerator("alice")),
        ("erin has role staff", GainRole("erin", "staff")),
        ("erin loses role staff", LoseRole("erin", "staff")),
        ("helper is a bot", SetBot("helper")),
        ("after 2h", After(timedelta(hours=2))),
    ],
)
def test_each_documented_form_parses_to_its_record(line, expected):
    assert parse_line(line) == expected


def test_parsed_lines_are_frozen():
    parsed = parse_line("alice: hi")
    with pytest.raises(dataclasses.FrozenInstanceError):
        parsed.text = "changed"  # type: ignore[misc]


# --- blank lines and comments --------------------------------------------------------------


@pytest.mark.parametrize("line", ["", "   ", "\n", "\t \n", "#", "# a comment", "  # indented"])
def test_blank_lines_and_comments_parse_to_none(line):
    assert parse_line(line) is None


def test_hash_followed_by_a_word_is_not_a_comment():
    with pytest.raises(ScriptSyntaxError):
        parse_line("#help")


# --- say and commands ----------------------------------------------------------------------


def test_say_keeps_the_case_of_the_name_and_strips_the_text():
    assert parse_line("  Alice-2.0_x:    Hello Everyone  \n") == Say(
        "Alice-2.0_x", "Hello Everyone"
    )


def test_say_allows_spaces_before_the_colon():
    assert parse_line("alice : hi") == Say("alice", "hi")


def test_command_keeps_its_slash_and_is_stripped():
    assert parse_line("bob:   /poll create x   ") == Command("bob", "/poll create x")


def test_say_with_a_slash_later_in_the_text_is_not_a_command():
    assert parse_line("bob: and/or") == Say("bob", "and/or")


def test_say_text_may_contain_more_colons():
    assert parse_line("alice: time: 10:30") == Say("alice", "time: 10:30")


def test_cercle_is_not_a_special_name():
    assert parse_line("Cercle: hi") == Say("Cercle", "hi")


# --- ambiguity -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("alice: bob replies to 3: x", Say("alice", "bob replies to 3: x")),
        ("alice: dave joins", Say("alice", "dave joins")),
        ("alice: after 2h", Say("alice", "after 2h")),
        ("alice: in #help", Say("alice", "in #help")),
        ("alice: # not a comment", Say("alice", "# not a comment")),
        ("in: hello", Say("in", "hello")),
        ("after: hello", Say("after", "hello")),
    ],
)
def test_a_name_touching_a_colon_is_always_a_say(line, expected):
    assert parse_line(line) == expected


def test_reply_text_stops_at_the_first_colon_after_the_number():
    assert parse_line("bob replies to 3: alice: hi") == ReplyTo("bob", 3, "alice: hi")


def test_reply_starting_with_a_slash_stays_a_reply():
    assert parse_line("bob replies to 3: /thanks @alice") == ReplyTo("bob", 3, "/thanks @alice")


def test_members_named_like_keywords_can_still_act():
    assert parse_line("in joins") == Join("in")
    assert parse_line("after leaves") == Leave("after")


# --- numbers and keywords ------------------------------------------------------------------


@pytest.mark.parametrize("number", ["3", "[3]", "#3", "[ 3 ]"])
def test_message_numbers_may_be_bare_bracketed_or_hashed(number):
    assert parse_line(f"alice deletes {number}") == Delete("alice", 3)
    assert parse_line(f"bob replies to {number}: ok") == ReplyTo("bob", 3, "ok")
    assert parse_line(f"carol reacts {number} :tada:") == React("carol", 3, "tada")
    assert parse_line(f"bob presses For on {number}") == Press("bob", "For", 3)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Bob REPLIES TO 3: Hi", ReplyTo("Bob", 3, "Hi")),
        ("IN #Help", InChannel("Help")),
        ("AFTER 2H", After(timedelta(hours=2))),
        ("Alice Marks 5 As Solution", MarkSolution("Alice", 5)),
        ("Alice IS Moderator", SetModerator("Alice")),
        ("Helper Is A Bot", SetBot("Helper")),
        ("Erin HAS ROLE Staff", GainRole("Erin", "Staff")),
        ("Dave JOINS", Join("Dave")),
    ],
)
def test_keywords_are_case_insensitive_and_names_keep_their_case(line, expected):
    assert parse_line(line) == expected


def test_surrounding_whitespace_is_ignored():
    assert parse_line("   alice deletes 3   \n") == Delete("alice", 3)


def test_number_zero_is_an_error():
    with pytest.raises(ScriptSyntaxError, match="start at"):
        parse_line("alice deletes 0")


# --- reactions -----------------------------------------------------------------------------


def test_reaction_accepts_a_bare_unicode_emoji():
    assert parse_line("carol reacts 3 👍") == React("carol", 3, "👍")
    assert parse_line("carol unreacts 3 👍") == Unreact("carol", 3, "👍")


def test_reaction_code_may_contain_underscores_and_dashes():
    assert parse_line("carol reacts 3 :white_check_mark:") == React("carol", 3, "white_check_mark")
    assert parse_line("carol reacts 3 :-1:") == React("carol", 3, "-1")


def test_reaction_with_a_bare_ascii_word_is_an_error():
    with pytest.raises(ScriptSyntaxError, match=":thumbsup:"):
        parse_line("carol reacts 3 thumbsup")


def test_reaction_without_an_emoji_is_an_error():
    with pytest.raises(ScriptSyntaxError):
        parse_line("carol reacts 3")


# --- presses -------------------------------------------------------------------------------


def test_press_label_may_contain_spaces():
    assert parse_line("bob presses Dark mode on 7") == Press("bob", "Dark mode", 7)
    assert parse_line("bob presses Dark mode") == Press("bob", "Dark mode", None)


def test_press_label_ending_in_on_without_a_number_keeps_it():
    assert parse_line("bob presses Turn on") == Press("bob", "Turn on", None)


def test_press_label_may_be_quoted():
    assert parse_line('bob presses "Vote on 3" on 7') == Press("bob", "Vote on 3", 7)


def test_press_without_a_label_is_an_error():
    with pytest.raises(ScriptSyntaxError):
        parse_line("bob presses")


# --- membership and roles ------------------------------------------------------------------


def test_moderator_forms_accept_an_article():
    assert parse_line("alice is a moderator") == SetModerator("alice")
    assert parse_line("alice is not a moderator") == UnsetModerator("alice")


def test_bot_form_accepts_no_article():
    assert parse_line("helper is bot") == SetBot("helper")


def test_role_may_contain_spaces():
    assert parse_line("erin has role beta testers") == GainRole("erin", "beta testers")


def test_joins_with_trailing_words_is_an_error():
    with pytest.raises(ScriptSyntaxError, match="NAME joins"):
        parse_line("dave joins now")


# --- after ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "delta"),
    [
        ("after 30m", timedelta(minutes=30)),
        ("after 2h", timedelta(hours=2)),
        ("after 3d", timedelta(days=3)),
        ("after 1w", timedelta(weeks=1)),
        ("after 1d12h", timedelta(days=1, hours=12)),
        ("after 1w2d3h4m", timedelta(weeks=1, days=2, hours=3, minutes=4)),
        ("after 90m", timedelta(minutes=90)),
    ],
)
def test_after_moves_the_clock_by_the_duration(line, delta):
    assert parse_line(line) == After(delta)


@pytest.mark.parametrize("line", ["after 0h", "after 0d0h", "after 0m"])
def test_after_a_zero_duration_is_an_error(line):
    with pytest.raises(ScriptSyntaxError, match="zero"):
        parse_line(line)


@pytest.mark.parametrize("line", ["after 2", "after 2x", "after 2h3d", "after 2hh", "after 1.5h"])
def test_after_a_malformed_duration_is_an_error(line):
    with pytest.raises(ScriptSyntaxError, match="duration"):
        parse_line(line)


def test_after_without_a_duration_is_an_error():
    with pytest.raises(ScriptSyntaxError):
        parse_line("after")


# --- errors --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "bob replies to 3:",
        "bob replies to 3:    ",
        "alice edits 3:",
        "alice:",
        "alice:   ",
    ],
)
def test_an_empty_message_is_an_error(line):
    with pytest.raises(ScriptSyntaxError, match="empty message"):
        parse_line(line)


@pytest.mark.parametrize(
    "line",
    [
        "hello there",
        "alice",
        "alice deletes",
        "alice deletes three",
        "alice edits 3 hello",
        "bob replies to x: hi",
        "alice marks 5",
        "alice marks 5 as answer",
        "in help",
        "in #",
        "erin has staff",
        "helper is not a bot",
        "zoé: bonjour",
    ],
)
def test_lines_matching_no_form_are_errors(line):
    with pytest.raises(ScriptSyntaxError):
        parse_line(line)


def test_syntax_error_names_the_line_and_keeps_it():
    with pytest.raises(ScriptSyntaxError) as caught:
        parse_line("  alice deletes x\n")
    error = caught.value
    assert error.line == "  alice deletes x\n"
    assert "alice deletes x" in str(error)
    assert "deletes N" in str(error)
    assert isinstance(error, Exception)


def test_error_for_a_known_verb_shows_its_usage():
    with pytest.raises(ScriptSyntaxError, match="NAME marks N as solution"):
        parse_line("alice marks five as solution")


# --- render --------------------------------------------------------------------------------


def test_render_post_numbers_the_message_with_channel_and_author():
    assert (
        render_post(3, "general", "alice", "hello everyone") == "[3] #general alice: hello everyone"
    )


def test_render_post_accepts_a_channel_with_its_hash():
    assert render_post(3, "#help", "bob", "hi") == "[3] #help bob: hi"


def test_render_post_indents_continuation_lines_by_the_prefix_width():
    rendered = render_post(12, "help", "bob", "line one\nline two\n\nline four")
    prefix = "[12] #help bob: "
    assert rendered.splitlines() == [
        prefix + "line one",
        " " * len(prefix) + "line two",
        "",
        " " * len(prefix) + "line four",
    ]


def test_render_ephemeral_is_marked_as_only_for_the_caller():
    assert render_ephemeral("You have 12 points.") == "  (only you) You have 12 points."


def test_render_ephemeral_indents_continuation_lines():
    first, second = render_ephemeral("a\nb").splitlines()
    assert first == "  (only you) a"
    assert second == " " * len("  (only you) ") + "b"


def test_render_dm_names_the_recipient():
    assert render_dm("nora", "Welcome!") == "(DM to nora) Welcome!"
    assert render_dm("nora", "a\nb").splitlines()[1] == " " * len("(DM to nora) ") + "b"


def test_render_card_starts_with_the_title_then_body_fields_buttons_footer():
    card = Card(
        kind="poll",
        title="Poll #3: What first?",
        body="Pick one.",
        fields=(CardField("Dark mode", "2 votes"), CardField("Export", "1 vote", inline=True)),
        buttons=(Button("For", "poll:3:for"), Button("Against", "poll:3:against")),
        footer="Closes in 2 days",
    )
    assert render_card(card).splitlines() == [
        "Poll #3: What first?",
        "Pick one.",
        "Dark mode: 2 votes",
        "Export: 1 vote",
        "[ For ] [ Against ]",
        "Closes in 2 days",
    ]


def test_render_card_leaves_out_empty_parts():
    assert render_card(Card(kind="digest", title="Digest — week 2")) == "Digest — week 2"


def test_render_card_hangs_multi_line_field_values_under_the_first_line():
    card = Card(kind="rank", title="Ranks", fields=(CardField("Top", "alice\nbob"),))
    assert render_card(card).splitlines() == ["Ranks", "Top: alice", "     bob"]


def test_render_card_keeps_a_multi_line_title_on_the_first_line():
    card = Card(kind="idea", title="Idea #4\nDark mode", body="Please")
    assert render_card(card).splitlines()[0] == "Idea #4 Dark mode"


def test_a_card_posted_by_cercle_stays_one_aligned_block():
    card = Card(kind="idea", title="Idea #4: Dark mode", buttons=(Button("Vote", "idea:4:vote"),))
    rendered = render_post(7, "general", "Cercle", render_card(card))
    prefix = "[7] #general Cercle: "
    assert rendered.splitlines() == [prefix + "Idea #4: Dark mode", " " * len(prefix) + "[ Vote ]"]


@pytest.mark.parametrize("line", ["bob is the boss", "foo bar baz", "carol waves"])
def test_a_line_that_fits_no_form_is_shown_every_line_form(line: str) -> None:
    with pytest.raises(ScriptSyntaxError) as caught:
        parse_line(line)
    message = str(caught.value)
    for form in ("`NAME: TEXT`", "`NAME replies to N: TEXT`", "`NAME has role ROLE`", "`in #"):
        assert form in message, message
