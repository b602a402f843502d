"""The numbers behind a digest and `/admin stats`: what every metrics module shares.

The numbers are read with aggregate SQL, a few grouped statements over indexed ranges,
and come back small (counts, the top few rows), never one row per member to be summed in
Python. Each job has a module of its own:

- `health`: the health numbers (ledger counts, members joining and present,
  customers, ideas and polls counted, members active without a message);
- `shape`: the participation shape and the daily chart, from `member_day`;
- `members`: top contributors, the best newcomer, rank-up candidates, badges and
  the regulars who went quiet, from the daily rollup `member_day_gain`;
- `highlights`: the message of the period;
- `ideas`: the ideas and polls sections;
- `events`: events held, people going, attendance and the show-up rate.

Activity counts what members did (messages, reactions, kudos, votes...), never Cercle's
own posts (bots are never scored) and never moderators' point adjustments. What a digest
costs for a community of 100k members with 1M ledger rows in a week is measured by
`benchmarks.digest` (`make bench`), and at 1M members with 10M rows in a week by
`make bench BENCH_ARGS=--tenfold`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import literal_column

# The partial index `ix_contribution_events` (every ledger row but messages), its condition
# written literally so that SQLite sees that the index applies.
EVENTS = literal_column("contribution.kind") != literal_column("'message'")


@dataclass(frozen=True)
class Window:
    """Instants of a period and of the one before it: [previous, start) and [start, end)."""

    previous: datetime
    start: datetime
    end: datetime
