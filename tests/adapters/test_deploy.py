"""The files of deploy/: the systemd unit and the compose file parse and say what the
README promises, and the image's entrypoint command runs in a plain venv the same way."""

from __future__ import annotations

import configparser
import os
import re
import subprocess
import sys
import venv
from pathlib import Path

import pytest
import yaml

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
REPO = DEPLOY.parent


def test_the_systemd_unit_parses_and_runs_cercle_as_its_own_user():
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # systemd keys are case-sensitive
    unit.read_string((DEPLOY / "cercle.service").read_text(encoding="utf-8"))
    assert set(unit.sections()) == {"Unit", "Service", "Install"}
    service = unit["Service"]
    assert service["User"] == "cercle"
    assert service["ExecStart"].split()[1:] == ["run"]
    assert service["ExecStart"].split()[0].endswith("/bin/cercle")
    assert "78" in service["RestartPreventExitStatus"].split()
    assert service["EnvironmentFile"].startswith("-")  # the secrets file is optional
    assert unit["Install"]["WantedBy"] == "multi-user.target"


def test_the_compose_file_parses_with_cercle_and_an_optional_postgresql():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert set(services) == {"cercle", "postgres"}
    assert services["cercle"]["build"]["dockerfile"] == "deploy/Dockerfile"
    assert services["postgres"]["profiles"] == ["postgres"]  # only when asked for
    assert "profiles" not in services["cercle"]
    assert set(compose["volumes"]) == {"cercle-data", "postgres-data"}
    # No secret is written in the compose file: they come from .env.
    text = (DEPLOY / "compose.yaml").read_text(encoding="utf-8")
    assert not re.search(r"(DISCORD_TOKEN|SLACK_\w+_TOKEN)\s*:", text)


def _dockerfile() -> list[str]:
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


def test_the_image_runs_as_a_non_root_user_from_a_slim_base():
    lines = _dockerfile()
    assert all("slim" in line for line in lines if line.startswith("FROM"))
    user = [line for line in lines if line.startswith("USER ")]
    assert user and user[-1].split()[1] not in ("root", "0")
    assert any(line.startswith("HEALTHCHECK") and "/healthz" in line for line in lines)


@pytest.mark.skipif(os.environ.get("CERCLE_SKIP_VENV_TEST") == "1", reason="asked to skip")
def test_the_entrypoint_command_runs_in_a_plain_venv(tmp_path):
    """The image runs `cercle` from a venv; a venv of this machine's Python, with the
    installed packages visible, runs the same entrypoint: `--version` answers."""
    lines = _dockerfile()
    entrypoint = next(line for line in lines if line.startswith("ENTRYPOINT"))
    assert entrypoint == 'ENTRYPOINT ["cercle"]'
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(system_site_packages=True, with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    # The venv sees the test environment's packages, as the image's venv has them installed.
    site = [p for p in sys.path if p.endswith("site-packages")]
    env = {
        "PATH": f"{env_dir / 'bin'}:/usr/bin:/bin",
        "PYTHONPATH": os.pathsep.join([str(REPO), *site]),
        "HOME": str(tmp_path),
    }
    result = subprocess.run(
        [
            str(python),
            "-c",
            "import sys; from adapters.cli import main; sys.exit(main())",
            "--version",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert re.fullmatch(r"cercle \S+\n", result.stdout)
    cmd = next(line for line in lines if line.startswith("CMD"))
    assert '"run"' in cmd
