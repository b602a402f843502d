"""The `cercle` command: run the bot, try it in the console, play the demo, manage the
database and check the configuration.

This module and `adapters.runtime` are the composition root: they alone wire the parts
together (config, database, core, adapters, scheduler); each platform's package is
imported only by the subcommands that need it.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from dotenv import load_dotenv

from adapters import logs, platforms
from bot.clock import SystemClock, as_utc
from bot.config import ConfigError, Secrets, Settings, load_secrets
from storage.diagnosis import redacted_url, unreachable_reason

log = logging.getLogger("cercle")
EXIT_DATABASE_UNAVAILABLE = 69  # sysexits' EX_UNAVAILABLE
EXIT_NOT_CONNECTED = 78  # sysexits' EX_CONFIG: every platform refused its credentials
EXIT_NOTHING_TO_RUN = 78  # sysexits' EX_CONFIG: no platform token is set
DEFAULT_WEB_PORT = 8090  # `cercle web` without web.port


def database_url(raw: str) -> str:
    """`--db` as a database URL: a URL as given, a file path as a SQLite URL."""
    return raw if "://" in raw else f"sqlite+aiosqlite:///{raw}"


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite database URL (None for another database or an in-memory one)."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    return None if parsed.database == ":memory:" else Path(parsed.database)


def _settings(args: argparse.Namespace) -> Settings:
    settings = platforms.load(args.config)  # platform names checked against the registry
    if getattr(args, "db", None):
        url = database_url(args.db)
        settings = settings.model_copy(
            update={"database": settings.database.model_copy(update={"url": url})}
        )
    return settings


def files_beside(url: str) -> Path:
    """`cercle-files/` in the folder of a SQLite database file (else the working folder)."""
    _, _, path = url.partition(":///")
    folder = Path(path).parent if url.startswith("sqlite") and path else Path()
    return folder / "cercle-files"


async def _core(settings: Settings):  # type: ignore[no-untyped-def]
    from bot.core import Cercle
    from storage.db import Database

    # Every platform's own tables, and how each erases a forgotten member's rows from them.
    platforms.declare_tables()
    db = Database(settings.database.url, settings.database.echo)
    await db.upgrade()
    core = Cercle(db, settings, SystemClock())
    secret = load_secrets().cercle_web_secret  # signs the dashboard links, if set
    core.web_secret = secret.get_secret_value() if secret is not None else None
    return core


def _start_time(raw: str | None) -> datetime | None:
    if raw is None:
        return None
    return as_utc(datetime.fromisoformat(raw.replace("Z", "+00:00")))


async def cmd_console(args: argparse.Namespace) -> int:
    from adapters.console.runner import run_console

    settings = _settings(args)
    files = Path(args.files) if args.files else files_beside(settings.database.url)
    core = await _core(settings)
    try:
        return await run_console(
            core, args.community, args.as_user, _start_time(args.start), sys.stdin, print, files
        )
    finally:
        await core.db.dispose()


async def cmd_demo(args: argparse.Namespace) -> int:
    from adapters.console.runner import run_demo

    path = sqlite_file(database_url(args.db))
    if path is None:
        print(
            f"cercle demo: --db must be a SQLite file or sqlite URL, which the demo creates "
            f"afresh (got {redacted_url(args.db)})",
            file=sys.stderr,
        )
        return 2
    await asyncio.to_thread(_remove_database, path)
    settings = _settings(args)
    core = await _core(settings)
    try:
        return await run_demo(
            core, args.seed, args.members, path, print, transcript=args.transcript
        )
    finally:
        await core.db.dispose()


def _remove_database(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)


async def cmd_run(args: argparse.Namespace) -> int:
    settings = _settings(args)  # a bad configuration stops here, with the key named
    secrets = load_secrets()
    if not any(platforms.configured(settings, secrets)):
        needed = ", or ".join(p.credentials for p in platforms.PLATFORMS if p.adapter is not None)
        print(
            f"No platform is configured: set {needed}, to connect Cercle to a community.\n"
            "Without a token you can try Cercle right now:\n"
            "  cercle console   chat with Cercle in this terminal\n"
            "  cercle demo      play a simulated community week",
            file=sys.stderr,
        )
        return EXIT_NOTHING_TO_RUN
    logging.getLogger("cercle").setLevel(getattr(args, "log_level", None) or settings.log.level)
    from adapters.runtime import Runtime, platform_adapters

    core = await _core(settings)
    try:
        runtime = Runtime(core, platform_adapters(settings, secrets))
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, runtime.stopped.set)
        await runtime.run()
    finally:
        # Once the platforms have handed over what they held: a scheduled job's
        # statement still running would hold the exit until it ended.
        core.db.interrupt()
        await core.db.dispose()
    if runtime.exit_reason is not None:
        print(f"cercle: no platform is connected: {runtime.exit_reason}.", file=sys.stderr)
        return EXIT_NOT_CONNECTED
    return 0


async def cmd_web(args: argparse.Namespace) -> int:
    from adapters.web.server import WebServer

    settings = _settings(args)
    web = settings.web.model_copy(
        update={
            "host": args.host or settings.web.host,
            "port": args.port or settings.web.port or DEFAULT_WEB_PORT,
        }
    )
    logging.getLogger("cercle").setLevel(getattr(args, "log_level", None) or settings.log.level)
    core = await _core(settings.model_copy(update={"web": web}))
    server = WebServer(web)
    stopped = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stopped.set)
    try:
        await server.start(core)
        print(f"cercle web: serving {server.base_url}/c/<community> (Ctrl-C stops)", flush=True)
        await stopped.wait()
    finally:
        await server.stop()
        core.db.interrupt()  # a page's statement still running would hold the exit
        await core.db.dispose()
    return 0


async def cmd_db(args: argparse.Namespace) -> int:
    from storage.db import Database
    from storage.migrate import current_revision, head_revision

    settings = _settings(args)
    db = Database(settings.database.url)
    try:
        if args.action == "upgrade":
            await db.upgrade()
        print(
            f"database {redacted_url(settings.database.url)}: revision "
            f"{await current_revision(db.engine)} (newest: {head_revision()})"
        )
    finally:
        await db.dispose()
    return 0


async def cmd_status(args: argparse.Namespace) -> int:
    from datetime import timedelta

    from adapters import health
    from bot.clock import SystemClock
    from storage import jobs as job_store
    from storage.db import Database
    from storage.leadership import leader, processes
    from storage.migrate import current_revision, head_revision

    settings = _settings(args)
    # What the running processes say of their intake, even when the database is down.
    for line in health.status_lines(settings.ingest.journal):
        print(line)
    db = Database(settings.database.url)
    now = SystemClock().now()
    try:
        revision, head = await current_revision(db.engine), head_revision()
        print(f"database   {redacted_url(settings.database.url)}")
        print(f"platforms  {_platform_states(settings, load_secrets())}")
        state = (
            "up to date" if revision == head else f"behind (newest: {head}; run cercle db upgrade)"
        )
        print(f"schema     revision {revision} — {state}")
        if revision != head:
            return 1
        held = await leader(db)
        if held is None:
            print("scheduler  no process has run it yet")
        else:
            age = int((now - held.heartbeat).total_seconds())
            print(
                f"scheduler  held by {held.holder} since {held.since:%Y-%m-%d %H:%M} UTC "
                f"(last seen {age} s ago)"
            )
        alive = await processes(db, now - timedelta(minutes=5))
        for process in alive:
            print(
                f"process    {process.name}: adapters {process.adapters or 'none'}, "
                f"last seen {int((now - process.heartbeat).total_seconds())} s ago"
            )
        if not alive:
            print("processes  none seen in the last 5 minutes")
        async with db.transaction() as session:
            upcoming = await job_store.upcoming(session, limit=5)
        for job in upcoming:
            print(f"next due   {job.due_at:%Y-%m-%d %H:%M} UTC  {job.kind}  {job.key}")
        if not upcoming:
            print("next due   nothing scheduled")
    finally:
        await db.dispose()
    return 0


async def cmd_discord(args: argparse.Namespace) -> int:
    from adapters.discord import invite

    settings = _settings(args)
    secrets = load_secrets()
    if args.action == "invite-url":
        token = secrets.discord_token.get_secret_value() if secrets.discord_token else ""
        application_id = args.client_id or invite.application_id_from_token(token)
        if application_id is None:
            print(
                "cercle: give --client-id (the application id) or set DISCORD_TOKEN",
                file=sys.stderr,
            )
            return 2
        print(invite.invite_url(application_id))
        return 0
    if secrets.discord_token is None:
        print("cercle: set DISCORD_TOKEN to register the commands", file=sys.stderr)
        return 2
    import bot.core  # noqa: F401  (declares every command)
    from bot.commands import REGISTRY

    print(await invite.sync_commands(settings, secrets, REGISTRY, args.globally))
    return 0


def _platform_states(settings: Settings, secrets: Secrets) -> str:
    """Each registered platform and whether `cercle run` would start it here."""
    running = {p.name for p in platforms.configured(settings, secrets)}
    return ", ".join(
        f"{p.name} ({'credentials set' if p.name in running else 'not configured'})"
        if p.adapter is not None
        else f"{p.name} (cercle console)"
        for p in platforms.PLATFORMS
    )


async def cmd_check_config(args: argparse.Namespace) -> int:
    settings = _settings(args)
    communities = ", ".join(c.name for c in settings.communities) or "none (auto on contact)"
    print(
        f"configuration is valid: database {redacted_url(settings.database.url)}; "
        f"{len(settings.ranks)} ranks; {len(settings.badges)} badges; "
        f"communities: {communities}; "
        f"platforms: {_platform_states(settings, load_secrets())}"
    )
    return 0


async def cmd_slack(args: argparse.Namespace) -> int:
    import bot.core  # noqa: F401  (declares every command)
    from adapters.slack.manifest import manifest_yaml
    from bot.commands import REGISTRY

    settings = _settings(args)
    print(manifest_yaml(REGISTRY, args.url, oauth=settings.slack.oauth_enabled), end="")
    return 0


async def cmd_export(args: argparse.Namespace) -> int:
    from bot.exports import ExportError, export

    core = await _core(_settings(args))
    handle = (
        await asyncio.to_thread(open, args.output, "w", encoding="utf-8", newline="")
        if args.output
        else sys.stdout
    )
    try:
        count = await export(
            core.db, args.community, args.what, args.format, handle.write, core.settings.ranks
        )
    except ExportError as error:
        print(f"cercle export: {error}", file=sys.stderr)
        return 1
    finally:
        if args.output:
            handle.close()
        await core.db.dispose()
    if args.output:
        print(f"{count} {args.what} written to {args.output}", file=sys.stderr)
    return 0


async def cmd_privacy(args: argparse.Namespace) -> int:
    from bot.privacy_requests import RequestError, Who, answer

    if not args.member and not (args.platform and args.id):
        print(
            "cercle privacy: name the member: --member NAME, or --platform P --id ID",
            file=sys.stderr,
        )
        return 2
    core = await _core(_settings(args))
    who = Who(args.member, args.platform, args.id)
    try:
        told = await answer(
            core.db,
            core.settings,
            args.community,
            args.action,
            who,
            Path(args.output or "."),
            core.now(),
        )
    except RequestError as error:
        print(f"cercle privacy: {error}", file=sys.stderr)
        return 1
    finally:
        await core.db.dispose()
    print(told)
    return 0


async def cmd_import_customers(args: argparse.Namespace) -> int:
    from bot.customers import ImportError_, import_customers

    core = await _core(_settings(args))
    try:
        text = await asyncio.to_thread(Path(args.file).read_text, encoding="utf-8-sig")
        done = await import_customers(
            core.db, text, core.clock.now(), platforms.names(), community=args.community
        )
    except (OSError, ImportError_) as error:
        print(f"cercle import-customers: {args.file}: {error}", file=sys.stderr)
        return 1
    finally:
        await core.db.dispose()
    where = f"of {args.community}" if args.community else "of a community"
    print(
        f"{done.accounts} platform accounts and {done.emails} emails of customers imported: "
        f"{done.members} of those accounts are members {where}; "
        f"{done.accounts - done.members} are not members yet (counted once they join)."
    )
    return 0


async def cmd_import(args: argparse.Namespace) -> int:
    from adapters import import_command

    return await import_command.run(args, lambda: _core(_settings(args)))


async def cmd_setup(args: argparse.Namespace) -> int:
    from adapters import setup_command

    return await setup_command.run(args, setup_command.Terminal())


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("cercle")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


def add_log_options(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--log-level",
        type=str.upper,
        choices=logs.LEVELS,
        help="how much Cercle logs (default: log.level in the config, INFO)",
    )
    command.add_argument(
        "--log-format",
        choices=logs.FORMATS,
        default="text",
        help="text (default: a UTC timestamp, level, logger, message) or json (one object "
        "a line, for log collectors)",
    )


def parser() -> argparse.ArgumentParser:
    config_help = "config file (default: $CERCLE_CONFIG or ./config.toml)"
    # The docstring's first paragraph, whole: what Cercle's command line does.
    summary = " ".join(__doc__.split("\n\n")[0].split())
    root = argparse.ArgumentParser(prog="cercle", description=summary)
    root.add_argument("--config", help=config_help)
    root.add_argument("--version", action="version", version=f"cercle {_version()}")
    add_log_options(root)
    # --config is accepted after the subcommand too (`cercle check-config --config x.toml`).
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", default=argparse.SUPPRESS, help=config_help)
    sub = root.add_subparsers(dest="command", required=True)

    def command(name: str, help: str) -> argparse.ArgumentParser:
        # The same words in `cercle --help`'s list and atop `cercle <name> --help`.
        return sub.add_parser(
            name, help=help, description=help[0].upper() + help[1:] + ".", parents=[common]
        )

    run = command("run", "connect to every platform whose credentials are set")
    run.set_defaults(func=cmd_run)

    console = command(
        "console", "chat with Cercle in the terminal, or play a script from standard input"
    )
    console.add_argument("--community", default="demo", help="community name (default demo)")
    console.add_argument("--as", dest="as_user", help="who types plain lines (interactive: me)")
    console.add_argument("--start", help="the clock of a new community, e.g. 2026-01-05T09:00Z")
    console.add_argument("--db", help="database file or URL (default: database.url)")
    console.add_argument(
        "--files",
        help="where files Cercle sends are written (default: cercle-files/ beside the database)",
    )
    console.set_defaults(func=cmd_console)

    demo = command("demo", "simulate a community week and show what Cercle makes of it")
    demo.add_argument(
        "--seed", type=int, default=7, help="seed of the simulation: the same seed, the same week"
    )
    demo.add_argument(
        "--members",
        type=int,
        default=300,
        help="how many members join during the week (300), besides the moderator and staff",
    )
    demo.add_argument(
        "--db",
        default="cercle-demo.db",
        help="SQLite file (or sqlite URL) to create afresh (default cercle-demo.db)",
    )
    demo.add_argument("--transcript", help="also write the whole chat transcript to this file")
    demo.set_defaults(func=cmd_demo)

    web = command(
        "web", "serve the community's web page: public leaderboards, the JSON API, the dashboard"
    )
    web.add_argument("--host", help="address to listen on (default: web.host)")
    web.add_argument("--port", type=int, help=f"port (default: web.port, else {DEFAULT_WEB_PORT})")
    web.set_defaults(func=cmd_web)

    db = command("db", "upgrade the database schema, or show its revision")
    db.add_argument("action", choices=("upgrade", "current"))
    db.add_argument("--db", dest="db", help="database file or URL (default: database.url)")
    db.set_defaults(func=cmd_db)

    status = command("status", "database, schema, scheduler leader, processes, next jobs due")
    status.add_argument("--db", help="database file or URL (default: database.url)")
    status.set_defaults(func=cmd_status)

    slack = command("slack", "print the Slack app's manifest")
    slack.add_argument("action", choices=("manifest",), help="print the app manifest (YAML)")
    slack.add_argument(
        "--url", help="public base URL for HTTP mode (without it: a Socket Mode manifest)"
    )
    slack.set_defaults(func=cmd_slack)

    discord = command("discord", "Discord: register the slash commands, print the invite URL")
    discord.add_argument("action", choices=("sync", "invite-url"))
    discord.add_argument("--global", dest="globally", action="store_true", help="sync: everywhere")
    discord.add_argument(
        "--client-id", help="invite-url: the application id (default: from the token)"
    )
    discord.set_defaults(func=cmd_discord)

    check = command("check-config", "validate the configuration and exit")
    check.set_defaults(func=cmd_check_config)
    exporting = command(
        "export",
        "write a community's members, contributions, ideas, polls, events or audit trail as CSV"
        " or JSON",
    )
    exporting.add_argument("--community", required=True, help="the community's name (slug)")
    exporting.add_argument(
        "--what",
        required=True,
        choices=("members", "contributions", "ideas", "polls", "events", "audit"),
        help="what to export",
    )
    exporting.add_argument(
        "--format", default="csv", choices=("csv", "json"), help="csv (default) or json"
    )
    exporting.add_argument("--output", help="file to write (default: standard output)")
    exporting.add_argument("--db", help="database file or URL (default: database.url)")
    exporting.set_defaults(func=cmd_export)
    privacy = command("privacy", "answer a member's request: export their data, or forget them")
    privacy.add_argument("action", choices=("export", "forget"))
    privacy.add_argument("--community", required=True, help="the community's name (slug)")
    privacy.add_argument("--member", help="the member's name")
    privacy.add_argument("--platform", help="or their platform (discord, slack, console)...")
    privacy.add_argument("--id", help="...and their id on it")
    privacy.add_argument("--output", help="folder the export is written to (default: here)")
    privacy.add_argument("--db", help="database file or URL (default: database.url)")
    privacy.set_defaults(func=cmd_privacy)
    customers = command(
        "import-customers",
        "import which platform accounts (or emails) belong to customers, from a CSV file",
    )
    customers.add_argument("file", help="CSV: customer_id, account, platform + user_id or email")
    customers.add_argument(
        "--community",
        help="the community whose members are counted as matched (default: every community)",
    )
    customers.add_argument("--db", help="database file or URL (default: database.url)")
    customers.set_defaults(func=cmd_import_customers)
    importing = command(
        "import", "bring members' levels over from MEE6, Amari, LevelUp, Polaris or a CSV file"
    )
    from adapters.import_command import add_parser as add_import_options

    add_import_options(importing)
    importing.set_defaults(func=cmd_import)
    setup = command(
        "setup",
        "guided set-up: check the platform tokens, write config.toml and .env (mode 0600), "
        "print the Discord invite URL and the Slack app manifest",
    )
    from adapters.setup_command import add_parser as add_setup_options

    add_setup_options(setup)
    setup.set_defaults(func=cmd_setup)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logs.configure(args.log_format, args.log_level)
    # Secrets and settings from ./.env too; what the environment sets wins.
    load_dotenv(Path(".env"), override=False)
    try:
        return asyncio.run(args.func(args))
    except ConfigError as error:
        print(f"cercle: configuration error: {error}", file=sys.stderr)
        return 2
    except Exception as error:
        reason = unreachable_reason(error)
        if reason is None:
            raise
        url = redacted_url(_settings(args).database.url)
        print(f"cercle: cannot use the database {url}: {reason}.", file=sys.stderr)
        return EXIT_DATABASE_UNAVAILABLE
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
