"""A one-line progress bar on standard error, for imports long enough to wait on."""

from __future__ import annotations

from typing import TextIO

# Below this many rows an import is over before a bar would be read.
SHOWN_FROM = 5_000
_WIDTH = 30


class Bar:
    """`update(done, total)` redraws the bar in place; `close()` ends its line."""

    def __init__(self, stream: TextIO, label: str) -> None:
        self.stream = stream
        self.label = label
        self.drawn = False

    def update(self, done: int, total: int) -> None:
        filled = _WIDTH * done // total if total else _WIDTH
        bar = "#" * filled + "-" * (_WIDTH - filled)
        self.stream.write(f"\r{self.label} [{bar}] {done}/{total}")
        self.stream.flush()
        self.drawn = True

    def close(self) -> None:
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()
