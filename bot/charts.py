"""The digest's activity chart: a small PNG bar chart of a period's days, drawn with the
standard library alone (a pixel buffer, `zlib` and the PNG chunk format), so Cercle needs
no imaging dependency for one picture a week.

Each day gets two bars side by side, messages and active members, each scaled to its own
maximum, with the day of the month under them in a tiny built-in digit font. The text
that stands for the picture (its alt text) is written by the caller, in the community's
language. Drawing is CPU work: call `activity_png` through `asyncio.to_thread`.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence
from datetime import date

WIDTH, HEIGHT = 640, 220
MARGIN, LABEL_HEIGHT = 16, 18
BACKGROUND = (255, 255, 255)
AXIS = (160, 160, 160)
MESSAGES = (88, 101, 242)  # blue: messages
MEMBERS = (59, 165, 93)  # green: active members
TEXT = (80, 80, 80)

# 3x5 digits, one string of rows per digit ("#" is ink).
_DIGITS = {
    "0": ("###", "#.#", "#.#", "#.#", "###"),
    "1": (".#.", "##.", ".#.", ".#.", "###"),
    "2": ("###", "..#", "###", "#..", "###"),
    "3": ("###", "..#", "###", "..#", "###"),
    "4": ("#.#", "#.#", "###", "..#", "..#"),
    "5": ("###", "#..", "###", "..#", "###"),
    "6": ("###", "#..", "###", "#.#", "###"),
    "7": ("###", "..#", "..#", "..#", "..#"),
    "8": ("###", "#.#", "###", "#.#", "###"),
    "9": ("###", "#.#", "###", "..#", "###"),
}
SCALE = 2  # each font pixel is 2x2


class _Canvas:
    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.rows = [bytearray(bytes(BACKGROUND) * width) for _ in range(height)]

    def rect(self, x0: int, y0: int, x1: int, y1: int, colour: tuple[int, int, int]) -> None:
        """Fill [x0, x1) x [y0, y1), clipped to the canvas."""
        x0, x1 = max(0, x0), min(self.width, x1)
        y0, y1 = max(0, y0), min(self.height, y1)
        if x0 >= x1:
            return
        run = bytes(colour) * (x1 - x0)
        for y in range(y0, y1):
            self.rows[y][x0 * 3 : x1 * 3] = run

    def digits(self, text: str, x: int, y: int, colour: tuple[int, int, int]) -> None:
        for char in text:
            glyph = _DIGITS.get(char)
            if glyph is not None:
                for row, line in enumerate(glyph):
                    for col, ink in enumerate(line):
                        if ink == "#":
                            px, py = x + col * SCALE, y + row * SCALE
                            self.rect(px, py, px + SCALE, py + SCALE, colour)
            x += 4 * SCALE

    def png(self) -> bytes:
        raw = b"".join(b"\x00" + bytes(row) for row in self.rows)

        def chunk(kind: bytes, data: bytes) -> bytes:
            body = kind + data
            return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

        header = struct.pack(">IIBBBBB", self.width, self.height, 8, 2, 0, 0, 0)
        return (
            b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(raw, 9))
            + chunk(b"IEND", b"")
        )


def text_width(text: str) -> int:
    return len(text) * 4 * SCALE - SCALE


def activity_png(days: Sequence[tuple[date, int, int]]) -> bytes:
    """A bar chart of (day, active members, messages) rows, as PNG bytes."""
    canvas = _Canvas(WIDTH, HEIGHT)
    if not days:
        return canvas.png()
    base = HEIGHT - MARGIN - LABEL_HEIGHT
    top = MARGIN + 12
    canvas.rect(MARGIN, base, WIDTH - MARGIN, base + 1, AXIS)
    slot = (WIDTH - 2 * MARGIN) / len(days)
    bar = max(1, int(slot * 0.35))
    most_members = max((m for _, m, _ in days), default=0) or 1
    most_messages = max((n for _, _, n in days), default=0) or 1
    for index, (day, members, messages) in enumerate(days):
        left = int(MARGIN + index * slot + slot / 2) - bar
        for offset, value, most, colour in (
            (0, messages, most_messages, MESSAGES),
            (bar, members, most_members, MEMBERS),
        ):
            height = round((base - top) * value / most)
            canvas.rect(left + offset, base - height, left + offset + bar - 1, base, colour)
        label = str(day.day)
        if len(days) <= 16 or index % 2 == 0:
            centre = int(MARGIN + index * slot + slot / 2)
            canvas.digits(label, centre - text_width(label) // 2, base + 5, TEXT)
    canvas.digits(str(most_messages), MARGIN, MARGIN - 8, MESSAGES)
    right = str(most_members)
    canvas.digits(right, WIDTH - MARGIN - text_width(right), MARGIN - 8, MEMBERS)
    return canvas.png()
