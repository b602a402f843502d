"""The activity journal: events that wait for the database on disk rather than in memory.

While the database does not answer, an adapter's batcher keeps what it receives in memory
up to `ingest.memory_events`, then appends the rest here, in arrival order, until the
database is back and the journal has been read again. Each process writes a file of its
own (`<platform>-<host>-<pid>-<n>.journal` in `ingest.journal`); one left by a process that
died is read by the next one that starts, so events it had journaled are scored. A frame
is a pickled event with its length: the file is local, written and read by Cercle alone.
Frames are handed to the operating system at once (they survive the process being
killed); a frame cut short by a crash ends the file.
"""

from __future__ import annotations

import logging
import os
import pickle
import socket
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from bot.events import Event

log = logging.getLogger("cercle.activity")

_LENGTH = struct.Struct(">I")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def read_frames(path: Path) -> Iterator[Event]:
    """Every complete event in a journal file, in order."""
    with path.open("rb") as file:
        while header := file.read(_LENGTH.size):
            if len(header) < _LENGTH.size:
                return
            (size,) = _LENGTH.unpack(header)
            frame = file.read(size)
            if len(frame) < size:
                return  # cut short by a crash
            yield pickle.loads(frame)


class Journal:
    """One process's journal of one platform's activity."""

    def __init__(self, folder: str | Path, name: str) -> None:
        self.folder = Path(folder)
        self.name = name
        self._files = 0
        self.path = self._next_path()
        self._writer: BinaryIO | None = None
        self._reader: BinaryIO | None = None
        self.written = 0  # frames appended and not yet read back
        self.read_back: list[Path] = []  # files read to the end, removed once committed

    def _next_path(self) -> Path:
        self._files += 1
        host, pid = socket.gethostname(), os.getpid()
        return self.folder / f"{self.name}-{host}-{pid}-{self._files}.journal"

    def append(self, event: Event) -> None:
        if self._writer is None:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._writer = self.path.open("ab", buffering=0)
        frame = pickle.dumps(event, protocol=pickle.HIGHEST_PROTOCOL)
        self._writer.write(_LENGTH.pack(len(frame)) + frame)
        self.written += 1

    def take(self, count: int) -> list[Event]:
        """Up to `count` of the oldest events not read back yet."""
        taken: list[Event] = []
        if self._reader is None:
            if not self.written:
                return taken
            self._reader = self.path.open("rb")
        while len(taken) < count and self.written:
            header = self._reader.read(_LENGTH.size)
            (size,) = _LENGTH.unpack(header)
            taken.append(pickle.loads(self._reader.read(size)))
            self.written -= 1
        if not self.written:  # all read back: a new outage starts a new file
            self._reader.close()
            self._reader = None
            if self._writer is not None:
                self._writer.close()
                self._writer = None
            self.read_back.append(self.path)
            self.path = self._next_path()
        return taken

    def committed(self) -> None:
        """Everything taken so far is in the database: its files can go."""
        for path in self.read_back:
            path.unlink(missing_ok=True)
        self.read_back.clear()

    def orphans(self) -> Iterator[tuple[Path, list[Event]]]:
        """Journals of this platform left by processes of this host that are gone."""
        if not self.folder.is_dir():
            return
        host = socket.gethostname()
        for path in sorted(self.folder.glob(f"{self.name}-{host}-*.journal")):
            pid_part = path.name[len(f"{self.name}-{host}-") :].split("-", 1)[0]
            if not pid_part.isdigit() or int(pid_part) == os.getpid() or _alive(int(pid_part)):
                continue
            events = list(read_frames(path))
            log.warning(
                "%d %s events journaled by a stopped process: scoring them",
                len(events),
                self.name,
            )
            yield path, events
