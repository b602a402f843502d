"""The report file `cercle status` reads is written without holding up the event loop: a
write that waits for the disk must not make a member's command wait with it."""

from __future__ import annotations

import asyncio
import json
import os
import threading
from pathlib import Path

import pytest

from adapters.health import HealthReporter

pytestmark = pytest.mark.backends("sqlite")


async def test_a_report_write_that_waits_does_not_hold_the_loop(tmp_path: Path) -> None:
    async def platforms() -> dict[str, str | None]:
        return {"console": None}

    reporter = HealthReporter(platforms, tmp_path, "127.0.0.1", None)
    # Opening a named pipe to write waits until someone reads it: a disk that stalls.
    os.mkfifo(reporter.file)
    read: list[str] = []

    def reader() -> None:
        with open(reporter.file, encoding="utf-8") as pipe:
            read.append(pipe.read())

    stalled = threading.Timer(1.5, reader)
    loop = asyncio.get_running_loop()
    longest_gap, last = 0.0, loop.time()
    await reporter.start()
    stalled.start()
    try:
        while not read:
            await asyncio.sleep(0.01)
            now = loop.time()
            longest_gap, last = max(longest_gap, now - last), now
    finally:
        stalled.join()
        await reporter.stop()
    assert longest_gap < 0.5  # the 1.5 s the write waited were not the loop's
    assert json.loads(read[0])["platforms"] == {"console": {"connected": True}}
