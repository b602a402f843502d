"""`[runtime]` really turns each interpreter tuning on or off, and undoing it gives Python's
own settings back. Each case runs in a child process, so this process's garbage collector
and thread switching are never touched."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from adapters.tuning import GC_YOUNG_THRESHOLD
from bot.config_process import RuntimeSettings

ROOT = Path(__file__).resolve().parents[2]

CHILD = """
import gc, json, sys
from adapters.tuning import tune_interpreter
from bot.config import load_settings

def state():
    return {"threshold": gc.get_threshold()[0], "interval": sys.getswitchinterval(),
            "frozen": gc.get_freeze_count()}

settings = load_settings()
before = state()
undo = tune_interpreter(settings.runtime)
during = state()
undo()
print(json.dumps({"before": before, "during": during, "after": state()}))
"""

TUNINGS = list(RuntimeSettings.model_fields)


def run_child(folder: Path, env: dict[str, str], config: str | None = None) -> dict[str, Any]:
    """The interpreter's state before, during and after the tuning, in a new process
    started in `folder` (with `config` as its config.toml)."""
    if config is not None:
        (folder / "config.toml").write_text(config)
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("CERCLE_") and key != "PYTHONPATH"
    }
    environment.update(env, PYTHONPATH=str(ROOT))
    done = subprocess.run(
        [sys.executable, "-c", CHILD],
        cwd=folder,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def applied(state: dict[str, Any]) -> set[str]:
    """The tunings in effect, judged from the interpreter's state."""
    before, during = state["before"], state["during"]
    found = set()
    if during["frozen"] > before["frozen"]:
        found.add("gc_freeze")
    if during["threshold"] == GC_YOUNG_THRESHOLD != before["threshold"]:
        found.add("gc_young_threshold")
    return found


def test_cercle_run_tunes_the_interpreter_by_default_and_undoes_it(tmp_path: Path) -> None:
    state = run_child(tmp_path, {})
    assert applied(state) == set(TUNINGS) == {"gc_freeze", "gc_young_threshold"}
    assert state["during"]["interval"] == state["before"]["interval"]  # thread switching kept
    assert state["after"] == state["before"]


def test_the_environment_turns_every_tuning_off(tmp_path: Path) -> None:
    off = {f"CERCLE_RUNTIME__{name.upper()}": "false" for name in TUNINGS}
    state = run_child(tmp_path, off)
    assert applied(state) == set()
    assert state["during"] == state["before"] == state["after"]


@pytest.mark.parametrize("name", TUNINGS)
def test_one_tuning_turned_off_in_the_config_file(tmp_path: Path, name: str) -> None:
    state = run_child(tmp_path, {}, config=f"[runtime]\n{name} = false\n")
    assert applied(state) == set(TUNINGS) - {name}
    assert state["after"] == state["before"]
