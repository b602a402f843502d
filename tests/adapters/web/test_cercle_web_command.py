"""`cercle web` as an operator starts it: it serves the pages of the database it is given
until it is told to stop, and says where."""

from __future__ import annotations

import asyncio
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from aiohttp import ClientSession
from cercle_cli import cercle, cercle_executable, clean_env

from adapters.runtime import Runtime
from bot.config import Settings, WebSettings
from bot.core import Cercle

pytestmark = pytest.mark.backends("sqlite")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def status_of(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


def test_cercle_web_serves_a_public_community_until_stopped(tmp_path: Path) -> None:
    database = tmp_path / "cercle.db"
    played = cercle(
        "console", "--db", str(database), "--community", "acme", cwd=tmp_path,
        stdin=b"alice: a long enough message from alice\n",
    )
    assert played.returncode == 0, played.stderr
    port = free_port()
    env = clean_env(
        CERCLE_DATABASE__URL=f"sqlite+aiosqlite:///{database}", CERCLE_WEB__PUBLIC="true"
    )
    server = subprocess.Popen(
        [cercle_executable(), "web", "--port", str(port)],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert server.stdout is not None
        said = server.stdout.readline()
        assert f"http://127.0.0.1:{port}/c/<community>" in said
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                assert status_of(f"{base}/c/acme") == 200
                break
            except (urllib.error.URLError, ConnectionError):
                assert time.monotonic() < deadline
                time.sleep(0.2)
        with urllib.request.urlopen(f"{base}/api/c/acme/leaderboard?period=all") as response:
            assert b'"name": "alice"' in response.read()
        assert status_of(f"{base}/c/nobody") == 404
    finally:
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=20) == 0


class QuietAdapter:
    """A platform that connects and has nothing to say (the runtime needs one)."""

    platform = "console"

    async def start(self, core: Cercle) -> None: ...

    async def deliver(self, space_id: str, action: object) -> None: ...

    async def stop(self) -> None: ...


async def test_cercle_run_serves_the_page_in_the_same_loop_when_a_port_is_set(
    db, clock, console
) -> None:
    await console.play("alice: a long enough message from alice")
    port = free_port()
    settings = Settings(web=WebSettings(public=True, port=port))
    runtime = Runtime(Cercle(db, settings, clock), [QuietAdapter()])  # type: ignore[list-item]
    task = asyncio.create_task(runtime.run())
    try:
        async with ClientSession() as client:
            for _ in range(200):
                try:
                    async with client.get(f"http://127.0.0.1:{port}/c/test?period=all") as got:
                        if got.status == 200:
                            assert "alice" in await got.text()
                            break
                except OSError:
                    pass
                await asyncio.sleep(0.05)
            else:
                pytest.fail("the web page was not served")
    finally:
        runtime.stopped.set()
        await task
