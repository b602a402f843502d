"""Running the console: interactively, from a script on standard input, or the demo."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import TextIO

from adapters.console.demo import BOT, MODERATOR, STAFF, DemoWeek, play_week
from adapters.console.script import ScriptSyntaxError, parse_line
from adapters.console.session import ConsoleSession
from bot.actions import Action, Image, PostToChannel
from bot.ports import CoreFace

DEMO_START = datetime.fromisoformat("2026-01-05T08:00:00+00:00")


async def run_console(
    core: CoreFace,
    community: str,
    as_user: str | None,
    start: datetime | None,
    stream: TextIO,
    emit: Callable[[str], None],
    files: Path | None = None,
) -> int:
    """Play lines from `stream`; exit status 1 when any line could not be played."""
    # Bytes that are not in the terminal's encoding are read as U+FFFD, not as surrogates
    # that no database or platform can store.
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is not None:
        reconfigure(errors="replace")
    interactive = stream.isatty()
    speaker = as_user or ("me" if interactive else None)
    session = ConsoleSession(core, community, emit=emit, files=files)
    await session.start(start)
    await session.load_messages()
    if interactive:
        emit(
            f"Cercle console — community {community}, you are {speaker}. "
            "Type a message, a /command, or a script line; Ctrl-D to quit."
        )
    while True:
        if interactive:
            emit_prompt = f"{speaker}> "
            try:
                line = await asyncio.to_thread(input, emit_prompt)
            except EOFError:
                break
        else:
            line = stream.readline()
            if not line:
                break
        await session.feed(_as_speaker(line.rstrip("\n"), speaker))
    await session.finish()
    return 1 if session.errors else 0


def _as_speaker(line: str, speaker: str | None) -> str:
    """A plain line typed by the default user is their message (or command)."""
    if speaker is None or not line.strip():
        return line
    try:
        parse_line(line)
    except ScriptSyntaxError:
        return f"{speaker}: {line}"
    return line


def _minutes_to_digest(now: datetime) -> int:
    """Minutes from `now` to a few minutes past the next Monday 09:00 UTC (the default
    digest schedule of the demo community)."""
    monday = (now + timedelta(days=(7 - now.weekday()) % 7 or 7)).replace(
        hour=9, minute=5, second=0, microsecond=0
    )
    if monday - now > timedelta(days=7):
        monday -= timedelta(days=7)
    return max(1, int((monday - now).total_seconds() // 60))


def _keep_chart(action: Action, charts: list[Image]) -> None:
    card = getattr(action, "card", None)
    if isinstance(action, PostToChannel) and card is not None and card.image is not None:
        charts.append(card.image)


async def run_demo(
    core: CoreFace,
    seed: int,
    members: int,
    path: Path,
    emit: Callable[[str], None],
    transcript: str | None = None,
) -> int:
    session = ConsoleSession(core, "demo", batch=500)
    await session.start(DEMO_START)
    week = DemoWeek(seed=seed, members=members)
    report = await play_week(session, week)
    if transcript:
        text = "\n".join(report.transcript) + "\n"
        await asyncio.to_thread(Path(transcript).write_text, text, encoding="utf-8")
    # Who is counted where: the members who join are the digest's new members; with the
    # moderator and the staff member who were there first, they are its members in all.
    emit(
        f"Cercle demo — a simulated week (seed {seed}): {members} members join a new "
        f"community that {MODERATOR} moderates, with {STAFF} from the staff (whose role earns "
        f"no points) and a bot, {BOT}: {members + 2} members in all. "
        f"{report.lines} script lines played through the console adapter."
    )
    # The simulation's habits are not measurements: the numbers are the digest's alone, so
    # the same words never stand for two different counts.
    emit(
        "Members follow 90-9-1 habits (a few post most days, some now and then, most only "
        "read); what Cercle measured is in the digest below."
    )
    emit("")
    session.emit = emit
    session.batch = 1
    charts: list[Image] = []
    session.on_action = lambda action: _keep_chart(action, charts)
    busiest = week.people[0].name  # the most active core contributor
    for line in (f"{MODERATOR}: /leaderboard week", f"{MODERATOR}: /rank @{busiest}"):
        await session.feed(line)
    # On to Monday morning, when the weekly digest of the demo's week is posted.
    await session.feed(f"after {_minutes_to_digest(session.clock.now())}m")
    await session.finish()
    emit("")
    emit(f"Promotions this week ({len(report.promotions)}):")
    for title in report.promotions:
        emit(f"  {title}")
    emit(f"Badges earned this week ({len(report.badges)}):")
    for title in report.badges:
        emit(f"  {title}")
    emit("")
    if charts:
        chart = path.with_name(f"{path.stem}-chart.png")
        await asyncio.to_thread(chart.write_bytes, charts[-1].png)
        emit(f"The digest's chart is saved in {await asyncio.to_thread(chart.resolve)}.")
    emit(f"The community's database is {await asyncio.to_thread(path.resolve)}.")
    emit(
        f"Go on where the demo stopped: cercle console --db {path} --community demo"
        f" --as {MODERATOR}"
    )
    return 1 if report.errors else 0
