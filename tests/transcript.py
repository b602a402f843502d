"""A console fed line by line, with everything it printed: the tests' view of a chat."""

from __future__ import annotations

from adapters.console.session import ConsoleSession


class Transcript:
    def __init__(self, session: ConsoleSession) -> None:
        self.session = session
        self.lines: list[str] = []
        session.emit = self.lines.append

    async def play(self, script: str) -> list[str]:
        """Feed every line of `script`; returns what those lines printed."""
        start = len(self.lines)
        for line in script.strip("\n").splitlines():
            await self.session.feed(line.strip())
        await self.session.finish()
        return self.lines[start:]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)
