"""The benchmark's printed report: per-backend details, then one summary table with the
backends side by side, each figure with its verdict against the targets."""

from __future__ import annotations

import os
import platform
from collections.abc import Sequence

import sqlalchemy

from benchmarks.digest import TARGET_SECONDS as DIGEST_TARGET_SECONDS
from benchmarks.results import (
    TARGET_P99_MS,
    TARGET_SPEEDUP,
    TENFOLD_CORE_RSS_MIB,
    TENFOLD_DIGEST_SECONDS,
    TENFOLD_P99_MS,
    PairRun,
    Report,
    Tenfold,
)


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], right: set[int]) -> str:
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(headers), rule, *(line(r) for r in rows)])


def machine_facts() -> str:
    return (
        f"Python {platform.python_version()} ({platform.python_implementation()}), "
        f"SQLAlchemy {sqlalchemy.__version__}, "
        f"{os.cpu_count()} CPUs, {platform.system()} {platform.release()} {platform.machine()}"
    )


def load_average() -> str:
    """The 1-minute load average against the CPU count: other work skews every figure."""
    try:
        load = os.getloadavg()[0]
    except OSError:
        return "unknown"
    busy = load > (os.cpu_count() or 1) * 0.75
    return f"{load:.2f}" + (" (busy: other work competes, figures are pessimistic)" if busy else "")


def status(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def pair_verdict(run: PairRun) -> str:
    return "INVALID" if run.problems else "same outcome as one process"


def print_details(report: Report) -> None:
    sizes, scale = report.sizes, report.scale
    title = f"{report.backend}: {report.description}"
    print()
    print(title)
    print("=" * len(title))
    print(
        "1. Ingestion: MessagePosted, text of 20-80 chars, long-tailed authors, "
        "events 0.5 s apart on average (busy authors hit the 60 s cooldown)"
    )
    rows = [
        [
            run.label,
            f"{run.events:,}",
            f"{run.seconds:.2f}",
            f"{run.rate:,.0f}",
            "" if run.scored_share is None else f"{run.scored_share:.0%}",
        ]
        for run in (report.core, report.naive, report.unseen)
    ]
    print(table(["run", "events", "seconds", "events/s", "scored"], rows, right={1, 2, 3, 4}))
    print(
        f"speed-up, core vs naive (same run, {sizes.rounds} alternating rounds): "
        f"{report.speedup:.1f}x, target >= {TARGET_SPEEDUP:.0f}x: "
        f"{status(report.speedup >= TARGET_SPEEDUP)}"
    )

    run = report.pair
    print()
    print(
        f"2. Two processes at once on one database: {run.events:,} events "
        f"({report.sizes.ingest_members:,} known members), process 1 fed [0, 2/3) and "
        f"process 2 [1/3, 1): {run.deliveries:,} deliveries, batches of {sizes.batch}"
    )
    rows = [
        [
            f"process {i + 1}",
            f"[{p.share.first:,}, {p.share.stop:,})",
            f"{p.seconds:.2f}",
            f"{p.events / p.seconds if p.seconds else 0:,.0f}",
            f"{p.statements:,}",
            f"{p.peak_rss_mib:,.0f} MiB",
            str(p.errors),
        ]
        for i, p in enumerate(run.processes)
    ]
    one = report.core.rate
    rows.append(
        [
            "both (wall time)",
            f"{run.events:,} distinct",
            f"{run.seconds:.2f}",
            f"{run.rate:,.0f}",
            "",
            "",
            "",
        ]
    )
    print(
        table(
            ["process", "events", "seconds", "events/s", "SQL statements", "peak RSS", "errors"],
            rows,
            right={2, 3, 4, 5, 6},
        )
    )
    ratio = run.rate / one if one else 0.0
    print(
        f"distinct events/s of the pair vs one process (step 1): {ratio:.2f}x; "
        f"outcome vs one process, event by event: {pair_verdict(run)}"
    )
    if len(run.processes) == 2 and run.processes[0].statements > 2 * run.processes[1].statements:
        print(
            "Process 2 starts a third of the way in, so process 1 is then fed messages older "
            "than those process 2 already scored for the same members: the core judges each "
            "of them as a late delivery (two queries per message, hence its statement count)."
        )
    if report.backend == "SQLite":
        print(
            "SQLite has one writer at a time: each process waits on the file lock "
            "(busy_timeout 10 s) while the other one's write transaction runs; reads do not."
        )

    print()
    print(
        f"3. Commands at scale: {scale.members:,} members, {scale.ledger_rows:,} ledger rows "
        f"over {sizes.scale_days} days ({report.scale_mib:,.0f} MiB on disk), "
        f"through Cercle.handle, callers drawn among members with points"
    )
    rows = []
    for result in report.latencies:
        verdict = status(report.latency_ok(result))
        if result.errors:
            verdict += f" ({result.errors} bad replies)"
        rows.append(
            [
                result.command,
                str(len(result.samples)),
                f"{result.quantile(0.50):.1f}",
                f"{result.quantile(0.99):.1f}",
                f"{max(result.samples):.1f}",
                f"< {TARGET_P99_MS:.0f}",
                verdict,
                result.board,
            ]
        )
    headers = ["command", "calls", "p50 ms", "p99 ms", "max ms", "p99 target", "result", "board"]
    print(table(headers, rows, right={1, 2, 3, 4}))
    if report.backend == "PostgreSQL":
        print(
            "The fixture was vacuumed after loading: every page all-visible, the best case "
            "for index-only counts (rows updated since the last vacuum cost heap visits)."
        )
    print(f"digest time: {digest_cell(report)} for {scale_what(report)}")
    print(f"digest chart, drawn alone: {chart_cell(report)}")
    print(f"/admin stats week with questions: {stats_cell(report)}")
    print(f"first digest: {first_cell(report)}")

    print()
    print("4. Memory and time")
    pair_rss = max((p.peak_rss_mib for p in report.pair.processes), default=0.0)
    rows = [
        ["peak RSS, core process after ingestion", f"{report.rss_after_ingestion:,.0f} MiB"],
        ["peak RSS, core process, whole run", f"{report.rss_whole:,.0f} MiB"],
        ["peak RSS, fixture builder (child)", f"{scale.peak_rss_mib:,.0f} MiB"],
        ["peak RSS, largest of the two ingesting processes", f"{pair_rss:,.0f} MiB"],
        *([name, f"{seconds:.1f} s"] for name, seconds in report.timings.items()),
    ]
    print(table(["measure", "value"], rows, right={1}))

    print()
    if report.problems:
        print("INVALID: the figures above may not mean what they say:")
        for problem in report.problems:
            print(f"  - {problem}")
    missed = missed_targets(report)
    print(f"targets: {'MISSED: ' + ', '.join(missed) if missed else 'all met'}")


def digest_cell(report: Report) -> str:
    return report.digest.cell() if report.digest is not None else "n/a"


def first_cell(report: Report) -> str:
    return report.digest.first_cell() if report.digest is not None else "n/a"


def stats_cell(report: Report) -> str:
    return report.digest.stats_cell() if report.digest is not None else "n/a"


def chart_cell(report: Report) -> str:
    """The digest's chart: drawing time, the peak memory it adds, tracemalloc's peak."""
    if report.digest is None or report.digest.chart is None:
        return "n/a"
    run = report.digest.chart
    return f"{run.cell()}; {run.bars} bars, PNG {run.png_kib:,.0f} KiB"


def scale_what(report: Report) -> str:
    run = report.digest
    if run is None:
        return "no digest measured"
    return f"{run.members:,} members, {run.rows_in_period:,} ledger rows in the week (and before)"


def missed_targets(report: Report) -> list[str]:
    return [
        name
        for name, ok in (
            ("ingestion speed-up", report.speedup >= TARGET_SPEEDUP),
            *((r.command, report.latency_ok(r)) for r in report.latencies),
            ("digest under 2 s", report.digest is None or report.digest.times_ok),
            ("digest chart memory", report.digest is None or report.digest.chart_ok),
        )
        if not ok
    ]


def print_summary(reports: Sequence[Report]) -> None:
    """One row per figure, one column per backend."""

    def latency(report: Report, index: int) -> str:
        result = report.latencies[index]
        return (
            f"{result.quantile(0.50):.1f} / {result.quantile(0.99):.1f} "
            f"{status(report.latency_ok(result))}"
        )

    def pair_cell(report: Report) -> str:
        run = report.pair
        ratio = run.rate / report.core.rate if report.core.rate else 0.0
        return f"{run.rate:,.0f} ({ratio:.2f}x one), {'INVALID' if run.problems else 'same'}"

    first = reports[0]
    scale = f"{first.scale.members:,} members / {first.scale.ledger_rows:,} rows"
    rows: list[list[str]] = [
        ["ingestion, core handle_many (events/s)", *(f"{r.core.rate:,.0f}" for r in reports)],
        [
            "ingestion, naive one commit per event (events/s)",
            *(f"{r.naive.rate:,.0f}" for r in reports),
        ],
        [
            f"  core vs naive (target >= {TARGET_SPEEDUP:.0f}x)",
            *(f"{r.speedup:.1f}x {status(r.speedup >= TARGET_SPEEDUP)}" for r in reports),
        ],
        [
            "ingestion, members never seen (events/s)",
            *(f"{r.unseen.rate:,.0f}" for r in reports),
        ],
        [
            "two processes at once, distinct events/s; outcome",
            *(pair_cell(r) for r in reports),
        ],
        *(
            [
                f"{command} p50 / p99 ms, {scale}",
                *(latency(r, index) for r in reports),
            ]
            for index, command in enumerate(result.command for result in first.latencies)
        ),
        ["digest time (stats week), 1M rows in the week", *(digest_cell(r) for r in reports)],
        ["digest chart: time, peak RSS added, tracemalloc", *(chart_cell(r) for r in reports)],
        ["/admin stats week with questions", *(stats_cell(r) for r in reports)],
        ["first digest (since the community was created)", *(first_cell(r) for r in reports)],
        ["peak RSS, core process", *(f"{r.rss_whole:,.0f} MiB" for r in reports)],
        [
            "peak RSS, each of the two processes",
            *(
                " / ".join(f"{p.peak_rss_mib:,.0f}" for p in r.pair.processes) + " MiB"
                for r in reports
            ),
        ],
        ["peak RSS, fixture builder", *(f"{r.scale.peak_rss_mib:,.0f} MiB" for r in reports)],
        ["database at scale, on disk", *(f"{r.scale_mib:,.0f} MiB" for r in reports)],
        ["fixture build", *(f"{r.scale.seconds:.1f} s" for r in reports)],
        ["checks", *("INVALID" if r.problems else "ok" for r in reports)],
        [
            "targets",
            *(
                "MISSED: " + ", ".join(missed) if (missed := missed_targets(r)) else "all met"
                for r in reports
            ),
        ],
    ]
    print()
    print("Summary (p99 target < 50 ms; two processes: distinct events per second of wall time)")
    headers = ["measure", *(r.backend for r in reports)]
    print(table(headers, rows, right=set()))


def print_tenfold(reports: Sequence[Tenfold]) -> None:
    """The tenfold tier: one row per figure, one column per backend, each judged."""

    def latency(report: Tenfold, index: int) -> str:
        result = report.latencies[index]
        verdict = "ok" if report.latency_ok(result) else "MISSED"
        if result.errors:
            verdict += f" ({result.errors} bad replies)"
        return f"{result.quantile(0.50):.1f} / {result.quantile(0.99):.1f} {verdict}"

    def seconds(median: float, worst: float, ok: bool) -> str:
        return f"{median:.2f} / {worst:.2f} {status(ok)}"

    first = reports[0]
    scale = f"{first.scale.members:,} members / {first.scale.ledger_rows:,} rows"
    digest = first.digest
    rows: list[list[str]] = [
        *(
            [f"{command} p50 / p99 ms", *(latency(r, index) for r in reports)]
            for index, command in enumerate(result.command for result in first.latencies)
        ),
        [
            "digest (whole build) median / max s",
            *(seconds(r.digest.digest_p50, r.digest.digest_max, r.digest_ok) for r in reports),
        ],
        [
            "/admin stats week median / max s",
            *(seconds(r.digest.stats_p50, r.digest.stats_max, r.stats_ok) for r in reports),
        ],
        [
            f"first digest (since created) median / max s, target {DIGEST_TARGET_SECONDS:.0f} s",
            *(
                seconds(
                    r.digest.first_p50,
                    r.digest.first_max,
                    r.digest.first_max < DIGEST_TARGET_SECONDS,
                )
                for r in reports
            ),
        ],
        ["digest chart, drawn alone", *(r.digest.chart_cell() for r in reports)],
        [
            "peak RSS, core process",
            *(f"{r.rss_core:,.0f} MiB {status(r.rss_ok)}" for r in reports),
        ],
        [
            "peak RSS, fixture builder (child)",
            *(f"{r.scale.peak_rss_mib:,.0f} MiB" for r in reports),
        ],
        ["database at scale, on disk", *(f"{r.scale_mib:,.0f} MiB" for r in reports)],
        ["fixture build, commands", *(f"{r.scale.seconds:.1f} s" for r in reports)],
        ["fixture build, digest", *(f"{r.digest.fixture_seconds:.1f} s" for r in reports)],
        ["checks", *("INVALID" if r.problems else "ok" for r in reports)],
        [
            "targets",
            *("MISSED: " + ", ".join(m) if (m := r.missed()) else "all met" for r in reports),
        ],
    ]
    print()
    print(
        f"Tenfold tier: commands at {scale} over {first.sizes.scale_days} days; digest at "
        f"{digest.members:,} members with {digest.rows_in_period:,} ledger rows in its week "
        f"(and as many the week before), {digest.questions:,} questions in the week"
    )
    print(
        f"targets: p99 <= {TENFOLD_P99_MS:.0f} ms, digest and /admin stats <= "
        f"{TENFOLD_DIGEST_SECONDS:.0f} s, core peak RSS <= {TENFOLD_CORE_RSS_MIB:.0f} MiB"
    )
    headers = ["measure", *(r.backend for r in reports)]
    print(table(headers, rows, right=set()))
    for report in reports:
        timings = ", ".join(f"{name} {value:.1f} s" for name, value in report.timings.items())
        print(f"{report.backend} times: {timings}")
        if report.problems:
            print(f"INVALID ({report.backend}): the figures above may not mean what they say:")
            for problem in report.problems:
                print(f"  - {problem}")
