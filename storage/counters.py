"""The names of a member's all-time counters: the one list the rest of Cercle derives
its own from (the ledger's writable counters, badge metrics, the members export, the
benchmark fixture's member rows), and which the `Member` table's integer columns match.

This module imports nothing, so that both `bot/` (settings included) and `storage/` can
read it without pulling in the database layer or making an import circle.
"""

from __future__ import annotations

# Summed from the ledger: an entry's effects add to these, and only to these.
LEDGER_COUNTERS: tuple[str, ...] = (
    "points",
    "messages",
    "solutions",
    "kudos_received",
    "kudos_given",
    "ideas_submitted",
    "ideas_shipped",
    "poll_votes",
    "events_attended",
)
# Kept by the active-day tracking (`ledger.mark_active_days`), never by entries.
DAY_COUNTERS: tuple[str, ...] = ("active_days", "streak_days")
# Every counter, in the order of the `Member` table's columns.
MEMBER_COUNTERS: tuple[str, ...] = (*LEDGER_COUNTERS, *DAY_COUNTERS)
