"""`/privacy` on the console and `cercle privacy` as an operator runs it: the export is a
DM with a file (`📎 cercle-<community>-<name>.json`) written to the console's files folder,
`Forget me` is a button the member presses, and an operator answers a request by email."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from test_terminal_commands import cercle, console

ACTIVITY = """
nora: hello everyone, glad to be here
bob: welcome nora, good to see you
carol reacts 1 :+1:
nora reacts 2 :+1:
bob: /thanks @nora for the warm hello
"""


def test_the_console_shows_the_export_as_a_file_dm_and_writes_it_beside_the_database(
    tmp_path: Path,
) -> None:
    db = tmp_path / "cercle.db"
    done = console(db, ACTIVITY + "nora: /privacy export\nnora: /rank\n")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "(DM to nora) 📎 cercle-t-nora.json" in done.stdout
    data = json.loads((tmp_path / "cercle-files" / "cercle-t-nora.json").read_text())
    rank_points = int(done.stdout.split("Points: ")[-1].split()[0])
    assert sum(row["points"] for row in data["ledger"]) == rank_points > 0
    assert data["thanks_received"][0]["reason"] == "for the warm hello"


def test_files_go_where_the_files_option_says(tmp_path: Path) -> None:
    db = tmp_path / "cercle.db"
    elsewhere = tmp_path / "exports"
    done = console(
        db, "nora: hello there everyone\nnora: /privacy export\n", "--files", str(elsewhere)
    )
    assert done.returncode == 0, done.stderr
    assert (elsewhere / "cercle-t-nora.json").exists()


def test_nora_presses_forget_me_and_leaves_the_board(tmp_path: Path) -> None:
    db = tmp_path / "cercle.db"
    done = console(
        db,
        ACTIVITY
        + """
        nora: /privacy forget
        nora presses Forget me
        bob: /leaderboard all
        """,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Forget me?" in done.stdout and "[ Forget me ]" in done.stdout
    board = done.stdout.split("Cercle has forgotten you")[1]
    assert "nora" not in board and "bob" in board


def test_an_operator_exports_and_forgets_a_member_by_name(tmp_path: Path) -> None:
    db = tmp_path / "cercle.db"
    assert console(db, ACTIVITY).returncode == 0
    out = tmp_path / "requests"
    exported = cercle(
        "privacy",
        "export",
        "--db",
        str(db),
        "--community",
        "t",
        "--member",
        "Nora",
        "--output",
        str(out),
        cwd=tmp_path,
    )
    assert exported.returncode == 0, exported.stderr
    assert json.loads((out / "cercle-t-nora.json").read_text())["profile"]["name"] == "nora"
    unknown = cercle(
        "privacy", "forget", "--db", str(db), "--community", "t", "--member", "zed", cwd=tmp_path
    )
    assert unknown.returncode == 1 and "no such member" in unknown.stderr
    forgot = cercle(
        "privacy",
        "forget",
        "--db",
        str(db),
        "--community",
        "t",
        "--platform",
        "console",
        "--id",
        "nora",
        cwd=tmp_path,
    )
    assert forgot.returncode == 0 and "nora" not in forgot.stdout
    trail = cercle(
        "export",
        "--db",
        str(db),
        "--community",
        "t",
        "--what",
        "audit",
        "--format",
        "json",
        cwd=tmp_path,
    )
    assert trail.returncode == 0, trail.stderr
    assert "forget" in trail.stdout and "export" in trail.stdout and "nora" not in trail.stdout
    board = console(db, "bob: /leaderboard all\n")
    assert "nora" not in board.stdout.split("/leaderboard")[-1]


def every_text(db: Path) -> str:
    """Every text value of every table of the SQLite file, as one string."""
    with sqlite3.connect(db) as connection:
        tables = [
            name
            for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
        ]
        parts: list[str] = []
        for table in tables:
            for row in connection.execute(f'SELECT * FROM "{table}"'):
                parts += [str(value) for value in row if isinstance(value, str)]
    return "\n".join(parts)


MENTIONS = """
bob: I agree with @nora on this one
bob: /thanks @nora for the patient walkthrough
nora: my first real question, Noralynn asks
"""


def test_after_forget_no_table_of_the_console_keeps_the_name(tmp_path: Path) -> None:
    db = tmp_path / "cercle.db"
    before = console(db, ACTIVITY + MENTIONS + "nora is moderator\n")
    assert before.returncode == 0, before.stdout + before.stderr
    assert "nora" in every_text(db) and "Noralynn" in every_text(db)
    done = console(db, "nora: /privacy forget\nnora presses Forget me\nbob: hello again all\n")
    assert done.returncode == 0, done.stdout + done.stderr
    dump = every_text(db)
    assert "nora" not in dump and "Noralynn" not in dump and "patient walkthrough" not in dump
    # bob's own words stay, with the name struck out; the message numbers go on
    assert "I agree with @— on this one" in dump and "hello again all" in dump
    board = console(db, "bob: /leaderboard all\nbob: reply 3 still here\n")
    assert board.returncode == 0, board.stdout + board.stderr
    assert "nora" not in board.stdout.split("/leaderboard")[-1]


def test_forget_inside_a_running_session_is_not_written_back(tmp_path: Path) -> None:
    db = tmp_path / "cercle.db"
    done = console(
        db,
        ACTIVITY
        + MENTIONS
        + "nora: /privacy forget\nnora presses Forget me\nbob: /thanks @carol for the help\n"
        + "carol reacts 1 :tada:\nbob: after the forget\n",
    )
    assert done.returncode == 0, done.stdout + done.stderr
    dump = every_text(db)
    assert "nora" not in dump and "Noralynn" not in dump
    assert "after the forget" in dump


def test_an_operator_forget_erases_the_console_rows_too(tmp_path: Path) -> None:
    db = tmp_path / "cercle.db"
    assert console(db, ACTIVITY + MENTIONS).returncode == 0
    forgot = cercle(
        "privacy",
        "forget",
        "--db",
        str(db),
        "--community",
        "t",
        "--member",
        "nora",
        cwd=tmp_path,
    )
    assert forgot.returncode == 0, forgot.stderr
    assert "nora" not in every_text(db)
