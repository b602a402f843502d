"""Charts are drawn in a process of their own (`bot.drawing`): the bot's process neither
does the drawing nor carries matplotlib, a worker that dies is replaced, and an idle one
goes away."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cercle_cli import REPO
from test_charts import WEEK  # the week the chart's own tests draw

from bot import charts, drawing

pytestmark = pytest.mark.backends("sqlite")


@pytest.fixture(autouse=True)
def no_worker_left() -> Iterator[None]:
    yield
    drawing.stop()


def ended(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"
    except FileNotFoundError:
        return True


async def gone(pid: int, within: float = 10.0) -> bool:
    """Whether the process `pid` ends within `within` seconds (the loop runs meanwhile)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if ended(pid):
            return True
        await asyncio.sleep(0.05)
    return False


async def test_a_chart_is_drawn_in_another_process() -> None:
    assert await drawing.draw(os.getpid) != os.getpid()
    png = await drawing.draw(charts.activity_png, WEEK)
    assert png.startswith(b"\x89PNG")


async def test_drawings_in_a_row_share_one_worker() -> None:
    first = await drawing.draw(os.getpid)
    await drawing.draw(charts.activity_png, WEEK)
    assert await drawing.draw(os.getpid) == first


async def test_a_killed_worker_is_replaced() -> None:
    worker = await drawing.draw(os.getpid)
    os.kill(worker, signal.SIGKILL)
    assert await gone(worker)
    png = await drawing.draw(charts.activity_png, WEEK)
    assert png.startswith(b"\x89PNG")
    assert await drawing.draw(os.getpid) not in (worker, os.getpid())


async def test_an_idle_worker_goes_away(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(drawing, "IDLE_SECONDS", 0.2)
    worker = await drawing.draw(os.getpid)
    assert not await gone(worker, within=0.05)
    assert await gone(worker)
    # And the next drawing starts another one.
    assert await drawing.draw(os.getpid) not in (worker, os.getpid())


def test_the_bot_process_that_posts_a_digest_never_imports_matplotlib(tmp_path: Path) -> None:
    """A whole console run to its Monday digest, chart included, in a process of its own:
    at its end, that process has not imported matplotlib."""
    bot_process = (
        "import sys\n"
        "from adapters import cli\n"
        "code = cli.main(sys.argv[1:])\n"
        "drew_here = sorted(m for m in sys.modules if m.startswith('matplotlib'))\n"
        "print('matplotlib in the bot process:', drew_here[:3])\n"
        "sys.exit(code)\n"
    )
    run = subprocess.run(
        [
            sys.executable,
            "-c",
            bot_process,
            "console",
            "--db",
            str(tmp_path / "cercle.db"),
            "--start",
            "2026-01-05T09:00Z",
        ],
        input="alice: hello\nbob: hi there\nafter 1d\nalice: again\nafter 7d\n",
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert "[image] Daily activity" in run.stdout, run.stdout[-2000:]
    assert "matplotlib in the bot process: []" in run.stdout
