"""Running the `cercle` command as an operator would: a child process, bytes on stdin."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TIMEOUT = 120


def cercle_executable() -> str:
    for candidate in (Path(sys.executable).parent / "cercle", REPO / ".venv" / "bin" / "cercle"):
        if candidate.exists():
            return str(candidate)
    found = shutil.which("cercle")
    assert found, "the `cercle` console script is not installed"
    return found


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without any platform token or Cercle setting, plus `extra`."""
    secret = ("DISCORD_", "SLACK_", "CERCLE_")
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith(secret)}
    # The code under test is this checkout's, whatever the installed console script points at.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return {**env, **extra}


def cercle(
    *args: str,
    cwd: Path,
    stdin: bytes = b"",
    env: dict[str, str] | None = None,
    timeout: float = TIMEOUT,
) -> subprocess.CompletedProcess[str]:
    """`cercle ARGS` with `stdin` as raw bytes; its output decoded as UTF-8."""
    result = subprocess.run(
        [cercle_executable(), *args],
        input=stdin,
        capture_output=True,
        cwd=cwd,
        env=clean_env() if env is None else env,
        timeout=timeout,
        check=False,
    )
    return subprocess.CompletedProcess(
        result.args,
        result.returncode,
        result.stdout.decode("utf-8", "replace"),
        result.stderr.decode("utf-8", "replace"),
    )


def console(db: Path, script: bytes, *extra: str) -> subprocess.CompletedProcess[str]:
    """`cercle console` on community `t` of `db`, the script's lines as raw bytes."""
    lines = b"\n".join(line.strip() for line in script.strip(b"\n").splitlines()) + b"\n"
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
