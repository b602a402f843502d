"""A database Cercle cannot use ends `cercle status` and `cercle console` with one line
naming it (never its password) and what to check; `check-config` never shows the password.
"""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest
from cercle_cli import cercle, cercle_executable, clean_env

PASSWORD = "s3cret-pw"
EXIT_UNAVAILABLE = 69


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def one_line(result: subprocess.CompletedProcess[str], *needles: str) -> str:
    assert result.returncode == EXIT_UNAVAILABLE, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert PASSWORD not in result.stdout + result.stderr
    for needle in needles:
        assert needle in line, line
    return line


def test_postgresql_refused_is_one_line_for_status_and_console(tmp_path: Path) -> None:
    url = f"postgresql+asyncpg://cercle:{PASSWORD}@127.0.0.1:{closed_port()}/cercle"
    shown = url.replace(PASSWORD, "***")
    status = cercle("status", "--db", url, cwd=tmp_path)
    one_line(status, shown, "refused", "database.url")
    console = cercle("console", "--db", url, cwd=tmp_path, stdin=b"alice: hello\n")
    one_line(console, shown, "refused", "database.url")


def test_a_missing_postgresql_database_is_one_line(tmp_path: Path, postgres) -> None:
    url = postgres.url("no_such_database")
    status = cercle("status", "--db", url, cwd=tmp_path)
    one_line(status, "no_such_database", "does not exist")


HOLD_THE_LOCK = """
import sqlite3, sys, time
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("PRAGMA journal_mode=DELETE")
connection.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
time.sleep(300)
"""


def test_sqlite_locked_past_the_busy_timeout_is_one_line(tmp_path: Path) -> None:
    db = tmp_path / "locked.db"
    made = cercle("db", "upgrade", "--db", str(db), cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_THE_LOCK, str(db)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        # both at once: each waits out the busy timeout
        runs = [
            subprocess.Popen(
                [cercle_executable(), *args, "--db", str(db)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                cwd=tmp_path,
                env=clean_env(),
            )
            for args in (("status",), ("console", "--community", "t"))
        ]
        for run in runs:
            stdout, stderr = run.communicate(b"alice: hello\n", timeout=120)
            result = subprocess.CompletedProcess(
                run.args, run.returncode, stdout.decode(), stderr.decode()
            )
            one_line(result, str(db), "locked", "busy timeout")
    finally:
        holder.kill()
        holder.wait()


@pytest.mark.parametrize("where", ["environment", "file"])
def test_check_config_hides_the_database_password(tmp_path: Path, where: str) -> None:
    url = f"postgresql+asyncpg://cercle:{PASSWORD}@db.example.com:5432/cercle"
    if where == "environment":
        result = cercle("check-config", cwd=tmp_path, env=clean_env(CERCLE_DATABASE__URL=url))
    else:
        config = tmp_path / "cercle.toml"
        config.write_text(f'[database]\nurl = "{url}"\n', encoding="utf-8")
        result = cercle("check-config", "--config", str(config), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert PASSWORD not in result.stdout + result.stderr
    assert "postgresql+asyncpg://cercle:***@db.example.com:5432/cercle" in result.stdout
