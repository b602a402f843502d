"""Faults of a database file for the tests that need them: made read-only for a while."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest


@contextlib.contextmanager
def read_only(path: Path) -> Iterator[Callable[[], None]]:
    """The database file made read-only (immutable for root, which ignores permissions);
    yields the function that makes it writable again."""
    if os.geteuid() == 0:
        if shutil.which("chattr") is None:
            pytest.skip("chattr is needed to make a file read-only for root")
        done = subprocess.run(["chattr", "+i", str(path)], capture_output=True)
        if done.returncode != 0:
            pytest.skip("this file system cannot make a file immutable")

        def undo() -> None:
            subprocess.run(["chattr", "-i", str(path)], check=True)
    else:
        mode = path.stat().st_mode
        path.chmod(0o444)

        def undo() -> None:
            path.chmod(mode)

    try:
        yield undo
    finally:
        undo()
