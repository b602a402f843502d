"""Hostile console input: a line the console cannot play is a clear line error, the rest of
the script is played, and nothing it reads can keep a later run from scoring."""

from __future__ import annotations

import re

from cercle_cli import console

CLOCK = re.compile(r"It is now (\d{4}-\d\d-\d\d \d\d:\d\d) UTC")
POINTS = re.compile(r"Points: (\d+) points?")


def errors_of(stdout: str) -> list[str]:
    return [line for line in stdout.splitlines() if line.startswith("!")]


def test_a_clock_moved_past_the_end_of_time_is_a_line_error_and_the_script_goes_on(tmp_path):
    result = console(
        tmp_path / "c.db",
        b"""
        alice: hello everyone
        after 99999999w
        after 99999999999999999999w
        bob: still played after the bad lines
        after 2h
        """,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    errors = errors_of(result.stdout)
    assert len(errors) == 2, result.stdout
    assert errors[0].startswith("! line 2") and "99999999w" in errors[0]
    assert errors[1].startswith("! line 3")
    assert "[2] #general bob: still played after the bad lines" in result.stdout
    # the clock did not move for the refused lines
    assert CLOCK.findall(result.stdout) == ["2026-01-05 11:00"]


def test_a_clock_moved_past_the_end_of_time_is_refused_in_french(tmp_path):
    db = tmp_path / "c.db"
    config = tmp_path / "fr.toml"
    config.write_text('[defaults]\nlocale = "fr"\n', encoding="utf-8")
    result = console(db, b"after 99999999w\n", "--config", str(config))
    errors = errors_of(result.stdout)
    assert len(errors) == 1, result.stdout + result.stderr
    assert errors[0].startswith("! ligne 1\u202f:"), errors[0]


def test_non_utf8_input_is_read_with_replacement_and_the_next_run_scores(tmp_path):
    broken, clean = tmp_path / "broken.db", tmp_path / "clean.db"
    first = console(broken, b"alice: caf\xe9 for everyone \xff\xfe today\nafter 1h\n")
    assert first.returncode == 0, first.stdout + first.stderr
    assert "Traceback" not in first.stderr, first.stderr
    assert "[1] #general alice: caf\ufffd for everyone \ufffd\ufffd today" in first.stdout
    control = console(clean, b"alice: cafe for everyone ok today\nafter 1h\n")
    assert control.returncode == 0, control.stdout + control.stderr

    # the next run on the same database goes on: numbers, clock and scores
    later = b"alice: a second message, a bit later\nbob: /rank @alice\n"
    second, expected = console(broken, later), console(clean, later)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "Traceback" not in second.stderr, second.stderr
    assert "[2] #general alice: a second message" in second.stdout
    assert POINTS.findall(second.stdout) == POINTS.findall(expected.stdout)
    assert int(POINTS.findall(second.stdout)[0]) > 0
