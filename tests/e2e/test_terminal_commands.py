"""The `cercle` command as an operator runs it: console scripts on stdin, the demo, `run`
without tokens, and `check-config`."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TIMEOUT = 120


def cercle_executable() -> str:
    for candidate in (Path(sys.executable).parent / "cercle", REPO / ".venv" / "bin" / "cercle"):
        if candidate.exists():
            return str(candidate)
    found = shutil.which("cercle")
    assert found, "the `cercle` console script is not installed"
    return found


def clean_env() -> dict[str, str]:
    """The environment without any platform token or Cercle setting."""
    secret = ("DISCORD_", "SLACK_", "CERCLE_")
    return {k: v for k, v in os.environ.items() if not k.upper().startswith(secret)}


def cercle(
    *args: str, cwd: Path, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [cercle_executable(), *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        env=clean_env() if env is None else env,
        timeout=TIMEOUT,
        check=False,
    )


def console(db: Path, script: str, *extra: str) -> subprocess.CompletedProcess[str]:
    lines = "\n".join(line.strip() for line in script.strip("\n").splitlines()) + "\n"
    return cercle(
        "console",
        "--db",
        str(db),
        "--community",
        "t",
        "--start",
        "2026-01-05T09:00Z",
        *extra,
        cwd=db.parent,
        stdin=lines,
    )


NUMBERED = re.compile(r"^\[(\d+)\] ", re.M)
CLOCK = re.compile(r"It is now (\d{4}-\d\d-\d\d \d\d:\d\d) UTC")


# -- cercle console ----------------------------------------------------------------------


def test_console_plays_a_clean_script_from_stdin_and_exits_0(tmp_path):
    result = console(
        tmp_path / "c.db",
        """
        alice: hello everyone, glad to be here
        bob: /thanks @alice for the warm welcome
        alice: /rank
        alice: /thanks @alice for being me
        alice: /nosuchcommand
        after 2h
        """,
    )
    # refused commands are replies, not script errors
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "[1] #general alice: hello everyone, glad to be here" in out
    assert re.search(r"^\[2\] #general Cercle: .*bob thanked alice", out, re.M)
    assert "6 points" in out
    assert out.count("(only you)") == 3
    assert "It is now 2026-01-05 11:00 UTC." in out
    assert "Traceback" not in result.stderr


def test_console_reports_unreadable_lines_goes_on_and_exits_1(tmp_path):
    result = console(
        tmp_path / "c.db",
        """
        alice: hello everyone, glad to be here
        this is not a script line
        bob: still played after the bad line
        bob presses For
        carol: and still played after that
        """,
    )
    assert result.returncode == 1
    errors = [line for line in result.stdout.splitlines() if line.startswith("!")]
    assert len(errors) == 2, result.stdout
    assert "line 2" in errors[0] and "this is not a script line" in errors[0]
    assert "line 4" in errors[1]
    assert "[2] #general bob: still played after the bad line" in result.stdout
    assert "[3] #general carol: and still played after that" in result.stdout


def test_a_second_console_run_continues_numbering_and_the_clock_never_goes_back(tmp_path):
    db = tmp_path / "c.db"
    first = console(
        db,
        """
        alice: how do I export my data as CSV?
        bob: /thanks @alice for the good question
        mod is moderator
        after 3h
        """,
    )
    assert first.returncode == 0, first.stdout + first.stderr
    assert NUMBERED.findall(first.stdout) == ["1", "2"]
    assert CLOCK.findall(first.stdout) == ["2026-01-05 12:00"]

    # the same --start again: the clock stays where the first run left it; messages,
    # members and the moderator role are remembered
    second = console(
        db,
        """
        bob replies to 1: use the export button in settings
        alice marks 3 as solution
        mod: /admin points add @alice 5 for the welcome
        after 1h
        """,
    )
    assert second.returncode == 0, second.stdout + second.stderr
    assert "[3] #general bob: use the export button in settings" in second.stdout
    assert "bob earns 15 points" in second.stdout
    assert "Added 5 points to alice" in second.stdout
    assert NUMBERED.findall(second.stdout)[0] == "3"
    assert CLOCK.findall(second.stdout) == ["2026-01-05 13:00"]


# -- cercle demo --------------------------------------------------------------------------


def test_demo_exits_0_and_prints_leaderboard_promotions_and_database(demo_runs):
    result, db = demo_runs[0]
    assert result.returncode == 0, result.stderr[-2000:]
    out = result.stdout
    assert "Leaderboard" in out
    assert re.search(r"^\s*1\. \S+ — \d+ points?", out, re.M)
    assert re.search(r"Promotions this week \(\d+\)", out)
    assert "is now Regular" in out
    assert "Badges earned this week" in out
    # Monday morning after the week: the weekly digest of that week, once.
    assert out.count("Community digest, 5–11 January 2026") == 1
    assert "Top contributors" in out
    assert str(db.resolve()) in out
    assert db.exists()
    assert "Traceback" not in result.stderr
    assert "ERROR" not in result.stderr


def test_demo_with_the_same_seed_prints_the_same_output(demo_runs):
    (first, first_db), (second, second_db) = demo_runs
    assert first.returncode == 0 and second.returncode == 0

    def normalised(result: subprocess.CompletedProcess[str], db: Path) -> str:
        out = result.stdout.replace(str(db.resolve()), "<db>").replace(str(db), "<db>")
        return out.replace(str(db.parent.resolve()), "<dir>")  # where the chart is saved

    assert normalised(first, first_db) == normalised(second, second_db)


def test_demo_leaves_a_database_the_console_can_go_on_with(demo_runs):
    _result, db = demo_runs[0]
    copy = db.parent / "again.db"
    shutil.copy(db, copy)
    result = cercle(
        "console",
        "--db",
        str(copy),
        "--community",
        "demo",
        "--as",
        "nora",
        cwd=db.parent,
        stdin="/leaderboard all\n",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Leaderboard" in result.stdout
    assert "[1] " not in result.stdout  # numbering goes on after the demo's messages


# -- cercle run ---------------------------------------------------------------------------


def test_run_without_tokens_says_so_and_points_to_console_and_demo(tmp_path):
    result = cercle("run", cwd=tmp_path)
    # EX_CONFIG: a supervisor sees a configuration to fix, not a clean stop.
    assert result.returncode == 78, result.stderr
    assert result.stdout == ""
    out = result.stderr
    assert "No platform is configured: set DISCORD_TOKEN" in out
    assert "cercle console" in out
    assert "cercle demo" in out


# -- cercle check-config ------------------------------------------------------------------


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def one_line_naming(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert result.returncode != 0
    message = result.stderr.strip() or result.stdout.strip()
    assert len(message.splitlines()) == 1, message
    for needle in needles:
        assert needle in message, message


def test_check_config_after_the_subcommand_names_an_unknown_key(tmp_path):
    bad = write(tmp_path / "bad.toml", "[scoring]\nkudos_pointz = 3\n")
    result = cercle("check-config", "--config", str(bad), cwd=tmp_path)
    one_line_naming(result, "scoring.kudos_pointz")


def test_check_config_before_the_subcommand_names_an_unknown_key(tmp_path):
    bad = write(tmp_path / "bad.toml", "[scoring]\nkudos_pointz = 3\n")
    result = cercle("--config", str(bad), "check-config", cwd=tmp_path)
    one_line_naming(result, "scoring.kudos_pointz")


def test_check_config_names_a_wrong_type(tmp_path):
    bad = write(tmp_path / "bad.toml", '[scoring]\nmessage_cooldown_seconds = "soon"\n')
    result = cercle("--config", str(bad), "check-config", cwd=tmp_path)
    one_line_naming(result, "scoring.message_cooldown_seconds")


def test_check_config_names_a_rank_ladder_that_does_not_increase(tmp_path):
    bad = write(
        tmp_path / "bad.toml",
        '[[ranks]]\nname = "A"\nmin_points = 0\n\n'
        '[[ranks]]\nname = "B"\nmin_points = 100\n\n'
        '[[ranks]]\nname = "C"\nmin_points = 50\n',
    )
    result = cercle("--config", str(bad), "check-config", cwd=tmp_path)
    one_line_naming(result, "ranks")


def test_check_config_accepts_the_example_config(tmp_path):
    example = REPO / "config.example.toml"
    result = cercle("--config", str(example), "check-config", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "valid" in result.stdout


def test_check_config_with_the_config_from_the_environment(tmp_path):
    bad = write(tmp_path / "bad.toml", "[scoring]\nkudos_pointz = 3\n")
    env = clean_env() | {"CERCLE_CONFIG": str(bad)}
    result = cercle("check-config", cwd=tmp_path, env=env)
    one_line_naming(result, "scoring.kudos_pointz")
