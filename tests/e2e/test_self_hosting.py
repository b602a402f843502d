"""The conventions an operator self-hosting Cercle expects: secrets from `.env` and from
`*_FILE` files, exit status 78 with nothing to run, `--version`, and logs with timestamps,
as text or JSON."""

from __future__ import annotations

import json
import logging
import re
import subprocess
import sys

import pytest
from cercle_cli import REPO, clean_env

from adapters import logs
from bot.config import ConfigError, load_secrets


def cercle(*args: str, cwd, env=None) -> subprocess.CompletedProcess[str]:
    """`cercle ARGS` from this checkout's code, whatever the installed script points at."""
    code = f"import sys; sys.path.insert(0, {str(REPO)!r}); from adapters.cli import main; "
    return subprocess.run(
        [sys.executable, "-c", code + "sys.exit(main())", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=clean_env() if env is None else env,
        timeout=120,
        check=False,
    )


def test_run_with_no_platform_token_exits_78_with_the_message(tmp_path):
    result = cercle("run", cwd=tmp_path)
    assert result.returncode == 78
    assert "No platform is configured: set DISCORD_TOKEN" in result.stderr


def test_version(tmp_path):
    result = cercle("--version", cwd=tmp_path)
    assert result.returncode == 0
    assert re.fullmatch(r"cercle \d+\.\d+\S*\n", result.stdout)


def test_a_secret_can_come_from_a_file_named_by_its_file_variable(tmp_path):
    (tmp_path / "token").write_text("file-token\n", encoding="utf-8")
    secrets = load_secrets({"DISCORD_TOKEN_FILE": str(tmp_path / "token")})
    assert secrets.discord_token.get_secret_value() == "file-token"
    # The variable itself wins over the file.
    both = {"DISCORD_TOKEN": "direct", "DISCORD_TOKEN_FILE": str(tmp_path / "token")}
    assert load_secrets(both).discord_token.get_secret_value() == "direct"
    with pytest.raises(ConfigError, match="DISCORD_TOKEN_FILE: cannot read"):
        load_secrets({"DISCORD_TOKEN_FILE": str(tmp_path / "missing")})


def test_env_file_secrets_are_read_and_the_environment_wins(tmp_path):
    (tmp_path / ".env").write_text(
        "SLACK_BOT_TOKEN=xoxb-from-env-file\nSLACK_APP_TOKEN=xapp-from-env-file\n",
        encoding="utf-8",
    )
    result = cercle("check-config", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "xoxb-from-env-file" not in result.stdout  # never printed
    (tmp_path / ".env").unlink()
    plain = cercle("check-config", cwd=tmp_path)
    assert result.stdout != plain.stdout  # the .env file changed what is configured


def test_run_with_a_token_file_that_cannot_be_read_names_it(tmp_path):
    env = clean_env(DISCORD_TOKEN_FILE=str(tmp_path / "nope"))
    result = cercle("run", cwd=tmp_path, env=env)
    assert result.returncode == 2
    assert "DISCORD_TOKEN_FILE: cannot read" in result.stderr


def test_logs_carry_a_utc_timestamp_as_text(capsys):
    logs.configure("text", "INFO")
    logging.getLogger("cercle.test").info("hello %s", "there")
    line = capsys.readouterr().err.strip()
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z INFO cercle\.test: hello there", line
    )


def test_logs_as_json_one_object_a_line(capsys):
    logs.configure("json", "DEBUG")
    logger = logging.getLogger("cercle.test")
    logger.debug("first")
    try:
        raise ValueError("boom")
    except ValueError:
        logger.exception('second "quoted"\nline')
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert first["level"] == "DEBUG" and first["message"] == "first"
    assert first["time"].endswith("+00:00") and first["logger"] == "cercle.test"
    assert second["message"] == 'second "quoted"\nline'
    assert "ValueError: boom" in second["exception"]
    logs.configure("text", "INFO")


def test_log_options_are_accepted_and_documented(tmp_path):
    result = cercle("--log-format", "json", "--log-level", "debug", "check-config", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "--log-format" in cercle("--help", cwd=tmp_path).stdout
