"""Synthetic but realistic activity: members with a long-tailed posting rate, message texts
of 20-80 characters, and event times close enough together that busy members hit the
message cooldown while quiet ones do not."""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta

from bot.events import ChannelRef, MemberRef, MessagePosted

PLATFORM = "bench"
INGEST_START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)  # a Monday: ingestion streams begin here
SENTENCES = (
    "the release notes mention a fix for the login loop we saw yesterday on mobile",
    "could someone review my pull request about caching thanks in advance for help",
    "I tried the workaround and it works on linux but not on windows with python 3",
    "great talk today slides are in the drive folder let me know what you think of it",
    "does anyone know why the build fails only on the main branch after merging",
)
WORDS = tuple(word for sentence in SENTENCES for word in sentence.split())
CHANNELS = tuple(ChannelRef(f"c{i}", name) for i, name in enumerate(("general", "help", "dev")))


def user_id(index: int) -> str:
    return f"u{index:06d}"


def member_name(index: int) -> str:
    return f"member{index:06d}"


def message_text(rng: random.Random) -> str:
    """A sentence of 20 to 80 characters made of common words."""
    target = rng.randint(20, 80)
    words: list[str] = []
    length = -1
    while True:
        word = rng.choice(WORDS)
        if length + 1 + len(word) > target:
            break
        words.append(word)
        length += 1 + len(word)
    text = " ".join(words)
    while len(text) < 20:  # only when the first word drawn was already too long
        text += " ok"
    return text[:80]


def author_weights(members: int) -> list[float]:
    """Zipf-like posting rates: a few members post a lot, most post now and then."""
    return [1.0 / (rank + 1) ** 0.8 for rank in range(members)]


def message_stream(
    *,
    space_id: str,
    members: int,
    count: int,
    start: datetime,
    seed: int,
    id_prefix: str = "m",
    mean_gap_seconds: float = 0.5,
) -> list[MessagePosted]:
    """`count` MessagePosted events in time order, authored by `members` members."""
    rng = random.Random(seed)
    refs = [MemberRef(PLATFORM, user_id(i), member_name(i)) for i in range(members)]
    cumulative = list(itertools.accumulate(author_weights(members)))
    authors = rng.choices(refs, cum_weights=cumulative, k=count)
    at = start
    events: list[MessagePosted] = []
    for n, author in enumerate(authors):
        at += timedelta(seconds=rng.expovariate(1.0 / mean_gap_seconds))
        events.append(
            MessagePosted(
                platform=PLATFORM,
                space_id=space_id,
                at=at,
                message_id=f"{id_prefix}{n:08d}",
                channel=rng.choice(CHANNELS),
                author=author,
                text=message_text(rng),
            )
        )
    return events


def batches(events: Sequence[MessagePosted], size: int) -> Iterator[Sequence[MessagePosted]]:
    for index in range(0, len(events), size):
        yield events[index : index + size]
