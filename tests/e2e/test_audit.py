"""The audit trail: every manual or moderator action is written once, with who, what,
about whom and why; `/admin audit` shows it to moderators only, newest first, a page at a
time, filtered by member, kind and period; `cercle export --what audit` gives all of it;
nothing can change an entry."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

from bot.customers import import_customers
from bot.events import ButtonPressed, ChannelRef, MemberRef
from bot.exports import export
from tests.conftest import START

SETUP = """
    alice is moderator
    alice: hello everyone
    bob: hello there
    carol: hi all
"""


def audit_lines(out: list[str]) -> list[str]:
    """The entry lines of the audit cards in `out` (`2026-01-05 09:00 · alice · ...`)."""
    return [
        line.strip().removeprefix("(only you)").strip()
        for line in "\n".join(out).splitlines()
        if re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d · ", line)
    ]


async def test_each_moderator_action_is_written_once_and_listed_newest_first(console):
    await console.play(SETUP)
    await console.play("""
        alice: /admin points add @bob 50 great answer
        alice: /admin points remove @bob 20 double counted
        alice: /admin exclude member @carol
        alice: /admin exclude member @carol undo=true
        alice: /admin exclude channel #random
        alice: /admin exclude role staff
        bob: /idea submit "Dark mode" please
        alice: /admin idea status 1 planned Scheduled for spring
        bob: /idea submit "Night theme" "the same"
        alice: /admin idea status 2 duplicate of=1 Same request
        alice: /admin idea testers 1 open come and try
        alice: /admin digest schedule fri 16:30 channel=#news
        after 2d
        alice: /admin digest now
        alice: /poll create "What first?" options="A|B" duration=2d
        alice: /admin poll close 1
    """)
    out = await console.play("alice: /admin audit")
    assert audit_lines(out) == [
        "2026-01-07 09:00 · alice · closed poll #1",
        "2026-01-07 09:00 · alice · posted the digest of 5–6 January 2026",
        "2026-01-05 09:00 · alice · changed the digest schedule: fri 16:30, #news",
        "2026-01-05 09:00 · alice · opened a call for testers for idea #1 — come and try",
        "2026-01-05 09:00 · alice · merged idea #2 into #1 — Same request",
        "2026-01-05 09:00 · alice · moved idea #1 from New to Planned — Scheduled for spring",
        "2026-01-05 09:00 · alice · excluded the role staff from scoring",
        "2026-01-05 09:00 · alice · excluded the channel #random from scoring",
        "2026-01-05 09:00 · alice · counted carol again",
        "2026-01-05 09:00 · alice · excluded carol from scoring",
    ]
    older = await console.play("alice presses Older")
    assert audit_lines(older) == [
        "2026-01-05 09:00 · alice · took 20 points from bob — double counted",
        "2026-01-05 09:00 · alice · gave 50 points to bob — great answer",
    ]
    assert not any("[ Older ]" in line for line in older)


async def test_members_cannot_read_the_audit_nor_page_it(console, core, db, snapshot):
    await console.play(SETUP)
    for n in range(12):
        await console.play(f"alice: /admin points add @bob {n + 1} reason {n}")
    first = await console.play("alice: /admin audit")
    assert len(audit_lines(first)) == 10 and any("[ Older ]" in line for line in first)
    before = await snapshot(db)
    refused = await console.play("bob: /admin audit")
    # The card was only alice's to see; a member who forges its button is refused too.
    bob = MemberRef("console", "bob", "bob")
    press = ButtonPressed(
        "console", "test", START, "i1", ChannelRef("general"), bob, "audit:9:-:-:all"
    )
    pressed = await core.handle(press)
    assert any("Only moderators can run `/admin audit`" in line for line in refused)
    assert [a.text for a in pressed] == ["Only moderators can run `/admin audit`."]
    assert not audit_lines(refused)
    assert await snapshot(db) == before


async def test_pages_follow_each_other_without_gaps_or_repeats(console):
    await console.play(SETUP)
    for n in range(23):
        await console.play(f"alice: /admin points add @bob {n + 1} round {n + 1}")
    seen: list[str] = audit_lines(await console.play("alice: /admin audit"))
    seen += audit_lines(await console.play("alice presses Older"))
    last = await console.play("alice presses Older")
    seen += audit_lines(last)
    assert [int(line.rsplit(" ", 1)[1]) for line in seen] == list(range(23, 0, -1))
    assert not any("[ Older ]" in line for line in last)


async def test_filters_by_member_kind_and_period(console):
    await console.play(SETUP)
    await console.play("""
        alice: /admin points add @bob 5 early help
        alice: /admin exclude member @carol
        after 8d
        alice: /admin points add @carol 7 later help
        alice: /admin exclude channel #random
    """)
    about_carol = audit_lines(await console.play("alice: /admin audit @carol"))
    assert about_carol == [
        "2026-01-13 09:00 · alice · gave 7 points to carol — later help",
        "2026-01-05 09:00 · alice · excluded carol from scoring",
    ]
    points = audit_lines(await console.play("alice: /admin audit kind=points_add"))
    assert [line.split(" · ")[2] for line in points] == [
        "gave 7 points to carol — later help",
        "gave 5 points to bob — early help",
    ]
    this_week = await console.play("alice: /admin audit period=week")
    assert len(audit_lines(this_week)) == 2
    assert any("week of 12–18 January 2026" in line for line in this_week)
    by_bob = await console.play("alice: /admin audit @bob kind=exclude")
    assert any("No action recorded matches." in line for line in by_bob)


async def test_a_refused_action_writes_no_entry(console, db, snapshot):
    await console.play(SETUP)
    await console.play("alice: /admin points add @bob 5 a start")
    before = await snapshot(db)
    out = await console.play("""
        alice: /admin points remove @bob 50 too much
        alice: /admin poll close 9
        alice: /admin idea status 4 planned nothing there
        alice: /admin exclude channel #random undo=true
    """)
    assert any("you can't remove more than that" in line for line in out)
    assert await snapshot(db) == before


async def test_a_french_community_reads_its_audit_in_french(french):
    await french.play(SETUP)
    await french.play("alice: /admin points add @bob 50 belle réponse")
    out = await french.play("alice: /admin audit")
    assert any("Audit — depuis toujours" in line or "Audit —" in line for line in out)
    assert audit_lines(out) == [
        "2026-01-05 09:00 · alice · a donné 50 points à bob — belle réponse"
    ]
    assert any("Les plus récentes d'abord" in line for line in out)


async def test_the_export_gives_every_entry_as_csv_and_json(console, db):
    await console.play(SETUP)
    await console.play("""
        alice: /admin points add @bob 50 great answer
        alice: /admin exclude channel #random
    """)
    await import_customers(db, "customer_id,platform,user_id\nC1,console,bob\n", START)
    chunks: list[str] = []
    assert await export(db, "test", "audit", "csv", chunks.append) == 3
    rows = list(csv.DictReader(io.StringIO("".join(chunks))))
    assert [(r["actor"], r["kind"], r["member"], r["reason"]) for r in rows] == [
        ("alice", "points_add", "bob", "great answer"),
        ("alice", "exclude", "", ""),
        ("", "import", "", ""),
    ]
    assert json.loads(rows[0]["detail"]) == {"points": 50}
    assert json.loads(rows[1]["detail"]) == {"scope": "channel"} and rows[1]["target"] == "random"
    chunks = []
    await export(db, "test", "audit", "json", chunks.append)
    entries = json.loads("".join(chunks))
    assert [e["kind"] for e in entries] == ["points_add", "exclude", "import"]
    assert json.loads(entries[2]["detail"]) == {"count": 1, "what": "customers"}
    assert entries[2]["actor_id"] is None
    listed = audit_lines(await console.play("alice: /admin audit"))
    assert listed[0].endswith("operator (command line) · imported customers: 1 row")


def test_nothing_in_cercle_changes_or_removes_an_audit_entry() -> None:
    """The trail is append-only: no module updates or deletes its rows (migrations
    aside), and storage offers only `append` and reads."""
    root = Path(__file__).resolve().parents[2]
    writes = re.compile(r"(update|delete)\(\s*(AuditEntry|\"audit_entry\")|audit_entry\s+SET", re.I)
    offenders = [
        str(path.relative_to(root))
        for folder in ("bot", "storage", "adapters")
        for path in (root / folder).rglob("*.py")
        if "migrations" not in path.parts and writes.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
    import storage.audit

    public = {
        n
        for n in vars(storage.audit)
        if not n.startswith("_") and callable(getattr(storage.audit, n))
    }
    assert {
        n
        for n in public
        if n in {"append", "newest"} or "update" in n or "delete" in n or "remove" in n
    } == {"append", "newest"}
