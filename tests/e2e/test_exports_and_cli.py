"""What a community manager takes out of Cercle and types at its command line: exports
that name people and carry what a report needs, cells a spreadsheet cannot run, and a
`cercle` whose help reads whole and whose options say what they do."""

from __future__ import annotations

import argparse
import csv
import io
import json

from transcript import Transcript

from adapters import cli
from bot.core import Cercle
from bot.customers import import_customers
from bot.exports import export
from tests.e2e.test_digest_schedule import START

WEEK = """
nora is moderator
alice: hello everyone, glad to be here
bob replies to 1: welcome alice, nice to meet you
bob: /thanks @alice for the warm hello
alice: /idea submit "=HYPERLINK(A1)" "Please add a dark theme to the app" feature
nora: /admin idea status 1 planned Scheduled for spring
bob: /poll create "What first?" options="Dark mode|Export|SSO" duration=2d
carol presses Dark mode
dave presses Export
erin presses Dark mode
"""


async def rows_of(core: Cercle, what: str, fmt: str = "json") -> list[dict]:  # type: ignore[type-arg]
    chunks: list[str] = []
    await export(core.db, "test", what, fmt, chunks.append, core.settings.ranks)
    text = "".join(chunks)
    return json.loads(text) if fmt == "json" else list(csv.DictReader(io.StringIO(text)))


async def test_a_contribution_names_its_member_and_their_account(console: Transcript, core: Cercle):
    await console.play(WEEK)
    ledger = await rows_of(core, "contributions")
    kudos = next(r for r in ledger if r["kind"] == "kudos")
    assert kudos["name"] == "alice" and kudos["accounts"] == "console:alice"


async def test_polls_export_options_counts_and_winner(console: Transcript, core: Cercle):
    await console.play(WEEK)
    poll = (await rows_of(core, "polls"))[0]
    assert poll["options"] == ["Dark mode", "Export", "SSO"]
    assert poll["counts"] == [2, 1, 0]
    assert poll["winner"] == ["Dark mode"]
    cells = (await rows_of(core, "polls", "csv"))[0]
    assert cells["options"] == "Dark mode | Export | SSO" and cells["winner"] == "Dark mode"


async def test_ideas_export_description_and_history(console: Transcript, core: Cercle):
    await console.play(WEEK)
    idea = (await rows_of(core, "ideas"))[0]
    assert idea["description"] == "Please add a dark theme to the app"
    assert len(idea["history"]) == 1
    assert idea["history"][0].endswith("new→planned (Scheduled for spring)")


async def test_every_member_has_a_rank_even_at_zero_points(console: Transcript, core: Cercle):
    await console.play(WEEK)
    members = {r["name"]: r for r in await rows_of(core, "members")}
    assert members["nora"]["points"] == 0
    assert members["nora"]["rank"] == "Newcomer"


async def test_no_csv_cell_starts_a_spreadsheet_formula(console: Transcript, core: Cercle):
    await console.play(WEEK)
    for what in ("members", "contributions", "ideas", "polls"):
        for row in await rows_of(core, what, "csv"):
            for value in row.values():
                assert not (value or "").startswith(("=", "+", "-", "@")), (what, value)
    ideas = await rows_of(core, "ideas", "csv")
    assert ideas[0]["title"] == "'=HYPERLINK(A1)"  # kept, made inert


async def test_import_counts_only_accounts_that_are_members(console: Transcript, core: Cercle):
    await console.play(WEEK)
    done = await import_customers(
        core.db,
        "platform,user_id,customer_id,account\nconsole,alice,C-1,Acme\nconsole,nobody,C-2,Acme\n",
        START,
        community="test",
    )
    assert (done.accounts, done.members) == (2, 1)


def test_the_command_line_help_reads_whole_and_every_command_says_what_it_does(capsys):
    root = cli.parser()
    assert root.description is not None and root.description.endswith("check the configuration.")
    subcommands = next(a for a in root._actions if isinstance(a, argparse._SubParsersAction))
    for name, sub in subcommands.choices.items():
        assert sub.description, name
        for action in sub._actions:
            if action.option_strings and action.dest != "help":
                assert action.help, f"{name} {action.option_strings}"
    args = root.parse_args(["import-customers", "customers.csv", "--community", "acme"])
    assert args.community == "acme"


def test_demo_accepts_a_file_path_or_a_sqlite_url(tmp_path):
    path = tmp_path / "demo.db"
    assert cli.sqlite_file(cli.database_url(str(path))) == path
    assert cli.sqlite_file(f"sqlite+aiosqlite:///{path}") == path
    assert cli.sqlite_file("postgresql+asyncpg://u:p@host/db") is None
