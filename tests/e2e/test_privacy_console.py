"""`/privacy` on the console and `cercle privacy` as an operator runs it: the export is a
DM with a file (`📎 cercle-<community>-<name>.json`) written to the console's files folder,
`Forget me` is a button the member presses, and an operator answers a request by email."""

from __future__ import annotations

import json
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
