"""`cercle run` as a process of its own, for the tests that kill it (SIGKILL: no cleanup,
no flush, as a crash or an OOM kill leaves it) and start it again on the same database."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from collections.abc import Mapping
from pathlib import Path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class CercleProcess:
    """One `cercle run` with the given environment; `kill()` is kill -9."""

    def __init__(self, env: Mapping[str, str], cwd: Path) -> None:
        # This checkout's code, whatever the process's working directory.
        root = str(Path(__file__).resolve().parents[2])
        path = os.environ.get("PYTHONPATH")
        self.env = {
            **os.environ,
            "PYTHONPATH": root + (os.pathsep + path if path else ""),
            **env,
        }
        self.cwd = cwd
        self.process: asyncio.subprocess.Process | None = None
        self.log = cwd / "cercle.log"

    async def start(self) -> CercleProcess:
        with self.log.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "adapters.cli",
                "run",
                env=self.env,
                cwd=self.cwd,
                stdout=log,
                stderr=log,
            )
        return self

    def kill(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.kill()

    async def stop(self) -> None:
        if self.process is None:
            return
        if self.process.returncode is None:
            self.process.terminate()
            try:
                await asyncio.wait_for(self.process.wait(), 15)
            except TimeoutError:
                self.process.kill()
        await self.process.wait()

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    async def wait_port(self, port: int, within: float = 30.0) -> None:
        """Wait until the process listens on `port` (its Slack HTTP server)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            assert self.process is not None
            if self.process.returncode is not None:
                raise AssertionError(f"cercle run ended early:\n{self.output()}")
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.close()
                return
            except OSError:
                if loop.time() > deadline:
                    raise AssertionError(f"cercle run never listened:\n{self.output()}") from None
                await asyncio.sleep(0.05)
